// Escalation ladders in the deadline table (migration 016, deadline_rungs): the instants at which
// each rung of a clock fires. A rung is claimed with one UPDATE … WHERE state = 'pending': a
// concurrent claimer waits on the row and re-checks, so each rung fires once however many
// sweepers run. A clock met in time stops its unfired rungs.
import type { Queryable } from './db.ts'
import type { ClockName, Rung, RungView } from '../model/whistle.ts'

export interface RungRow {
  subject: string
  /** The department whose clock it is. */
  party: string
  clock: ClockName
  rung: Rung
  dueAt: string
  deadline: string
  town: string
}

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString()

/** Sets a clock's rungs: new ones pending, and a clock moved (extension, reopening) arms its rungs again at the new instants. */
export async function armRungs (tx: Queryable, rungs: readonly RungRow[]): Promise<void> {
  if (rungs.length === 0) return
  await tx.query(
    `INSERT INTO deadline_rungs AS d (subject, party, clock, rung, due_at, deadline, town, state)
     SELECT r.subject, r.party, r.clock, r.rung, r."dueAt", r.deadline, r.town, 'pending'
     FROM jsonb_to_recordset($1::jsonb) AS r(subject text, party text, clock text, rung text, "dueAt" timestamptz, deadline timestamptz, town text)
     ON CONFLICT (subject, party, clock, rung) DO UPDATE SET due_at = excluded.due_at, deadline = excluded.deadline, state = 'pending', fired_at = NULL`,
    [JSON.stringify(rungs)])
}

/** Stops the unfired rungs of a subject: of one party (all parties when undefined), of some clocks (all when undefined). */
export async function stopRungs (tx: Queryable, subject: string, party?: string, clocks?: readonly ClockName[]): Promise<number> {
  const { rows } = await tx.query(
    `UPDATE deadline_rungs SET state = 'stopped'
     WHERE subject = $1 AND state = 'pending' AND ($2::text IS NULL OR party = $2) AND ($3::text[] IS NULL OR clock = ANY($3::text[]))
     RETURNING 1`, [subject, party ?? null, clocks ?? null])
  return rows.length
}

/** Arms a stopped clock again (the town sent a done declaration back): its rungs still to come, and those now due fire at the next sweep. */
export async function resumeRungs (tx: Queryable, subject: string, party: string, clock: ClockName): Promise<void> {
  await tx.query(`UPDATE deadline_rungs SET state = 'pending' WHERE subject = $1 AND party = $2 AND clock = $3 AND state = 'stopped'`, [subject, party, clock])
}

/** The deadline in force of each clock of each party: { party: { clock: ISO } }. */
export async function deadlinesInForce (db: Queryable, subject: string): Promise<Record<string, Partial<Record<ClockName, string>>>> {
  const { rows } = await db.query<{ party: string, clock: ClockName, deadline: unknown }>(
    `SELECT party, clock, deadline FROM deadline_rungs WHERE subject = $1 AND rung = 'head'`, [subject])
  const out: Record<string, Partial<Record<ClockName, string>>> = {}
  for (const r of rows) (out[r.party] ??= {})[r.clock] = iso(r.deadline)
  return out
}

export async function rungsOf (db: Queryable, subject: string): Promise<RungView[]> {
  const { rows } = await db.query(
    `SELECT party, clock, rung, due_at, deadline, state, fired_at FROM deadline_rungs WHERE subject = $1
     ORDER BY party, array_position(ARRAY['respond', 'arrive', 'finish'], clock), due_at`, [subject])
  return rows.map((r) => ({
    department: r.party as string,
    clock: r.clock as ClockName,
    rung: r.rung as Rung,
    dueAt: iso(r.due_at),
    deadline: iso(r.deadline),
    state: r.state as RungView['state'],
    firedAt: r.fired_at === null || r.fired_at === undefined ? null : iso(r.fired_at),
  }))
}

/** The subjects of the (at most `limit`) rungs due soonest at `now`: their whistles are locked before the rungs are claimed. */
export async function subjectsWithDueRungs (db: Queryable, now: string, prefix: string, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ subject: string }>(
    `SELECT DISTINCT subject FROM (SELECT subject FROM deadline_rungs WHERE state = 'pending' AND due_at <= $1 AND subject LIKE $2 || '%'
       ORDER BY due_at LIMIT $3) d`, [now, prefix, limit])
  return rows.map((r) => r.subject)
}

export interface FiredRung extends RungRow { firedAt: string }

/** Claims the due rungs of these subjects: each returned once, to whichever claimer's UPDATE reached it first. */
export async function claimDueRungs (tx: Queryable, subjects: readonly string[], now: string): Promise<FiredRung[]> {
  const { rows } = await tx.query(
    `UPDATE deadline_rungs SET state = 'fired', fired_at = $2
     WHERE subject = ANY($1::text[]) AND state = 'pending' AND due_at <= $2
     RETURNING subject, party, clock, rung, due_at, deadline, town, fired_at`, [subjects, now])
  return rows.map((r) => ({
    subject: r.subject as string,
    party: r.party as string,
    clock: r.clock as ClockName,
    rung: r.rung as Rung,
    dueAt: iso(r.due_at),
    deadline: iso(r.deadline),
    town: r.town as string,
    firedAt: iso(r.fired_at),
  }))
}
