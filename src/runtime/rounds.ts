// Periodic work that several processes (scheduler replicas, all-in-one gateways: clock-work.ts)
// share without doing it twice. Time is cut into rounds of `everyMs`; a replica does a round's work
// only after claiming the round's key in Redis (SET NX), so of the replicas that tick within one
// round exactly one acts, whichever ticks first.
// A Redis key rather than a PostgreSQL advisory lock: a lock only keeps two sweeps from running at
// the same moment, and a pooler in transaction mode would allow no session-level one anyway; the
// key also says "this round is done" to a replica that ticks after the sweep has finished.
import { hostname } from 'node:os'
import type { Platform } from '../platform.ts'

export interface RoundWork {
  /** Names the work in keys, logs and metrics. */
  work: string
  everyMs: number
  run: () => Promise<unknown>
}

export interface Rounds { stop: () => void }

const HOLDER = `${hostname()}:${process.pid}`

/** The round of `nowMs` if this process claimed it, undefined if another replica has it. */
export async function claimRound (platform: Pick<Platform, 'redis'>, work: string, everyMs: number, nowMs = Date.now()): Promise<number | undefined> {
  const round = Math.floor(nowMs / everyMs)
  // Kept past the round's end, so a replica whose clock lags a little still finds it claimed.
  const claimed = await platform.redis.set(`tb:round:${work}:${round}`, HOLDER, 'PX', 2 * everyMs, 'NX')
  return claimed === 'OK' ? round : undefined
}

/** Ticks every `everyMs` and does the work in the rounds this process claims. */
export function everyRound (platform: Pick<Platform, 'redis' | 'logger' | 'metrics'>, { work, everyMs, run }: RoundWork): Rounds {
  const { logger, metrics } = platform
  // One tick at a time: while Redis is away a claim waits, and ticks must not pile up behind it.
  let busy = false
  const tick = async (): Promise<void> => {
    if (busy) return
    busy = true
    try {
      const round = await claimRound(platform, work, everyMs)
      if (round === undefined) {
        metrics.rounds.inc({ work, outcome: 'skipped' })
        return
      }
      const result = await run()
      metrics.rounds.inc({ work, outcome: 'ran' })
      logger.debug({ work, round, result }, 'scheduler round ran')
    } catch (err) {
      metrics.rounds.inc({ work, outcome: 'failed' })
      logger.warn({ work, err: (err as Error).message }, 'scheduler round failed; the next round tries again')
    } finally {
      busy = false
    }
  }
  const timer = setInterval(() => { void tick() }, everyMs)
  timer.unref()
  return { stop: () => { clearInterval(timer) } }
}
