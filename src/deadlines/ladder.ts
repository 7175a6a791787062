// The escalation ladders' sweep, run with the deadline sweep: each rung due is claimed once on the
// deadline table (deadline_rungs), and in the same transaction its `escalate` event is appended
// to the whistle and a `whistle.reminder` outbox row written for a department with a system. The
// whistles are locked first, in id order, as transitions lock them: a rung claimed here and a
// clock met there take turns, and two sweepers never fire one rung twice. Batches keep a backlog
// (thousands of rungs due at once after an outage) to a few statements per thousand rungs.
import type { WhistlesConfig } from '../config/whistles.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics.ts'
import type { WhistleActor } from '../model/whistle.ts'
import type { Db } from '../store/db.ts'
import { addOutbox } from '../store/outbox.ts'
import { claimDueRungs, subjectsWithDueRungs, type FiredRung } from '../store/rungs.ts'
import { appendEscalations, lockWhistles } from '../store/whistles.ts'
import { departmentNotices } from '../whistles/notices.ts'

export interface LadderDeps {
  db: Db
  config: () => WhistlesConfig
  logger: Logger
  metrics: Pick<Metrics, 'whistleRungsFired'>
  /** Whistles (subjects) per transaction. */
  batch?: number
}

const LADDER: WhistleActor = { kind: 'system', id: 'ladder', name: 'escalation ladder' }
const PREFIX = 'whistle:'

/** Fires every rung due at `nowMs`; returns them. */
export async function sweepLadders (deps: LadderDeps, nowMs: number = Date.now()): Promise<FiredRung[]> {
  const { db } = deps
  const batch = deps.batch ?? 1000
  const at = new Date(nowMs).toISOString()
  const all: FiredRung[] = []
  for (;;) {
    const subjects = await subjectsWithDueRungs(db, at, PREFIX, batch)
    if (subjects.length === 0) break
    const fired = await db.transaction(async (tx) => {
      const whistles = new Map((await lockWhistles(tx, subjects.map((s) => s.slice(PREFIX.length)))).map((w) => [w.id, w]))
      const rungs = await claimDueRungs(tx, subjects, at)
      await appendEscalations(tx, rungs.map((r) => ({
        whistleId: r.subject.slice(PREFIX.length), department: r.party, at, data: { clock: r.clock, rung: r.rung, deadline: r.deadline, dueAt: r.dueAt },
      })), LADDER)
      const departments = deps.config().departments
      await addOutbox(tx, rungs.flatMap((r) => {
        const w = whistles.get(r.subject.slice(PREFIX.length))
        return w ? departmentNotices(departments, w, 'reminder', [r.party], { [r.party]: { [r.clock]: r.deadline } }, { clock: r.clock, rung: r.rung, deadline: r.deadline }) : []
      }), at)
      return rungs
    })
    for (const r of fired) {
      deps.metrics.whistleRungsFired.inc({ rung: r.rung })
      deps.logger.warn({ whistle: r.subject.slice(PREFIX.length), department: r.party, clock: r.clock, rung: r.rung, deadline: r.deadline, town: r.town }, 'whistle: a ladder rung fired')
    }
    all.push(...fired)
  }
  return all
}
