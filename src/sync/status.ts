// Per adapter instance: is it healthy, how far behind, what waits, what failed, breaker state.
// Read from Redis and the database, so it is right however many worker processes run.
import type { AdapterDefinition } from '../adapter-sdk/index.ts'
import type { Platform } from '../platform.ts'
import { lastSuccess } from '../store/sync.ts'
import { queuesOf } from '../queues/queues.ts'
import { countOpenQuarantine } from '../store/quarantine.ts'
import { readBreakerStates, type BreakerStatus } from '../department/breaker-board.ts'

/** How an adapter's records come in: webhooks, pages it pulls, or files dropped for it. */
export type IntakeMode = 'push' | 'pull' | 'files'

export function intakeMode (adapter: AdapterDefinition): IntakeMode {
  return adapter.pull ? 'pull' : adapter.files ? 'files' : 'push'
}

export interface AdapterStatus {
  adapter: string
  department: string
  mode: IntakeMode
  state: 'idle' | 'busy' | 'failing' | 'breaker-open'
  lastSuccess: string | null
  lagSeconds: number | null
  backlog: number
  failures: number
  quarantined: number
  breaker: BreakerStatus
}

export async function syncStatus (platform: Platform): Promise<AdapterStatus[]> {
  const { db, redis } = platform
  const [successes, quarantined, breakerOf, unfinished] = await Promise.all([
    lastSuccess(db),
    countOpenQuarantine(db),
    readBreakerStates(redis),
    db.query<{ adapter: string, n: number, oldest: Date }>("SELECT adapter, count(*)::int AS n, min(received_at) AS oldest FROM inbox WHERE status = 'received' GROUP BY adapter"),
  ])
  const pendingInbox = new Map(unfinished.rows.map((r) => [r.adapter, r]))
  const now = Date.now()
  const out: AdapterStatus[] = []
  for (const [id, instance] of platform.instances) {
    const queues = queuesOf(instance.queues).map(([, q]) => q)
    const counts = await Promise.all(queues.map(async (q) => await q.getJobCounts('waiting', 'delayed', 'active', 'failed', 'prioritized')))
    const sum = (k: string): number => counts.reduce((n, c) => n + (c[k] ?? 0), 0)
    const inbox = pendingInbox.get(id)
    const breaker = breakerOf(id)
    const last = successes[id] ?? null
    // Push: age of the oldest message not yet processed. Pull: time since the last run caught up;
    // files: since the last file was imported.
    const mode = intakeMode(instance.adapter)
    const lagSeconds = mode !== 'push'
      ? (last ? Math.round((now - Date.parse(last)) / 1000) : null)
      : (inbox ? Math.round((now - inbox.oldest.getTime()) / 1000) : 0)
    const backlog = Math.max(sum('waiting') + sum('delayed') + sum('prioritized') + sum('active'), inbox?.n ?? 0)
    const failures = sum('failed')
    out.push({
      adapter: id,
      department: instance.adapter.department.name,
      mode,
      state: breaker.state !== 'closed' ? 'breaker-open' : failures > 0 ? 'failing' : backlog > 0 ? 'busy' : 'idle',
      lastSuccess: last,
      lagSeconds,
      backlog,
      failures,
      quarantined: quarantined[id] ?? 0,
      breaker,
    })
  }
  return out
}
