// Whistles in the store (migration 016): the whistle row, its daily number, the departments it
// summons, its append-only events, the towns' routing tables (配合履职事项清单), the listing the
// town and the departments read, and the few facts of other tables a whistle shows (its order,
// its outbox rows). The whistle service calls these inside one transaction; nothing here decides.
import type { Queryable } from './db.ts'
import type {
  RoutingRule, TargetState, WhistleActor, WhistleEvent, WhistleState, WhistleTarget, WhistleType,
} from '../model/whistle.ts'

export interface WhistleRow {
  id: string
  town: string
  division: string | null
  type: WhistleType
  source: { kind: 'order' | 'risk' | 'direct', id: string | null }
  category: string | null
  title: string
  description: string
  state: WhistleState
  routingVersion: number | null
  blownBy: WhistleActor
  blownAt: string
  openedAt: string | null
  closedAt: string | null
  rating: number | null
  version: number
}

export type TargetRow = Omit<WhistleTarget, 'departmentName'>

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString()
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v))

const COLUMNS = `id, town, division, type_snapshot, source_kind, source_id, category, title, description, state, routing_version,
  blown_by, blown_at, opened_at, closed_at, rating, version`

function toWhistle (r: Record<string, unknown>): WhistleRow {
  return {
    id: r.id as string,
    town: r.town as string,
    division: (r.division ?? null) as string | null,
    type: r.type_snapshot as WhistleType,
    source: { kind: r.source_kind as WhistleRow['source']['kind'], id: (r.source_id ?? null) as string | null },
    category: (r.category ?? null) as string | null,
    title: r.title as string,
    description: r.description as string,
    state: r.state as WhistleState,
    routingVersion: (r.routing_version ?? null) as number | null,
    blownBy: r.blown_by as WhistleActor,
    blownAt: iso(r.blown_at),
    openedAt: isoOrNull(r.opened_at),
    closedAt: isoOrNull(r.closed_at),
    rating: (r.rating ?? null) as number | null,
    version: r.version as number,
  }
}

/** The next number of the day in a town: gapless, as cases number theirs (the row lock serialises, a rollback gives it back). */
export async function nextWhistleSequence (tx: Queryable, town: string, day: string): Promise<number> {
  const { rows } = await tx.query<{ last: number }>(
    `INSERT INTO whistle_numbers AS n (town, day, last) VALUES ($1, $2, 1)
     ON CONFLICT (town, day) DO UPDATE SET last = n.last + 1 RETURNING last`, [town, day])
  return rows[0]!.last
}

export async function insertWhistle (tx: Queryable, w: WhistleRow): Promise<void> {
  await tx.query(
    `INSERT INTO whistles (id, town, division, type, type_snapshot, source_kind, source_id, category, title, description, state,
       routing_version, blown_by, blown_at, opened_at, version, updated_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15, 1, $14)`,
    [w.id, w.town, w.division, w.type.id, JSON.stringify(w.type), w.source.kind, w.source.id, w.category, w.title, w.description, w.state,
      w.routingVersion, JSON.stringify(w.blownBy), w.blownAt, w.openedAt])
}

export async function getWhistle (db: Queryable, id: string): Promise<WhistleRow | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM whistles WHERE id = $1`, [id])
  return rows[0] && toWhistle(rows[0])
}

/** The whistle, locked until the transaction ends: its transitions (and the ladder's escalations) take turns. */
export async function lockWhistle (tx: Queryable, id: string): Promise<WhistleRow | undefined> {
  const { rows } = await tx.query(`SELECT ${COLUMNS} FROM whistles WHERE id = $1 FOR UPDATE`, [id])
  return rows[0] && toWhistle(rows[0])
}

export interface WhistleChange {
  state: WhistleState
  openedAt?: string
  closedAt?: string | null
  rating?: number | null
}

/** Applies a transition's effect and bumps the version; false when the whistle is no longer at `version`. */
export async function updateWhistle (tx: Queryable, id: string, version: number, change: WhistleChange, at: string): Promise<boolean> {
  const { rows } = await tx.query(
    `UPDATE whistles SET state = $3, opened_at = COALESCE(opened_at, $4),
       closed_at = CASE WHEN $7 THEN $5::timestamptz ELSE closed_at END, rating = CASE WHEN $7 THEN $6::int ELSE rating END,
       version = version + 1, updated_at = $8
     WHERE id = $1 AND version = $2 RETURNING 1`,
    [id, version, change.state, change.openedAt ?? null, change.closedAt ?? null, change.rating ?? null, change.closedAt !== undefined, at])
  return rows.length === 1
}

/** Whistles sourced from `kind`/`id` (an order's, a risk's), oldest first. */
export async function whistlesOfSource (db: Queryable, kind: 'order' | 'risk', id: string): Promise<WhistleRow[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM whistles WHERE source_kind = $1 AND source_id = $2 ORDER BY blown_at, id`, [kind, id])
  return rows.map(toWhistle)
}

function toTarget (r: Record<string, unknown>): TargetRow {
  return {
    department: r.department as string,
    role: r.role as 'lead' | 'co',
    state: r.state as TargetState,
    respondedAt: isoOrNull(r.responded_at),
    arrivedAt: isoOrNull(r.arrived_at),
    doneAt: isoOrNull(r.done_at),
    returnedAt: isoOrNull(r.returned_at),
    extended: (r.extended ?? {}) as Record<string, string>,
  }
}

/** Summons departments: new ones are added, a department that returned the whistle is summoned afresh. */
export async function summonTargets (tx: Queryable, whistleId: string, targets: ReadonlyArray<{ department: string, role: 'lead' | 'co' }>): Promise<void> {
  await tx.query(
    `INSERT INTO whistle_targets AS t (whistle_id, department, role, state)
     SELECT $1, r.department, r.role, 'whistled' FROM jsonb_to_recordset($2::jsonb) AS r(department text, role text)
     ON CONFLICT (whistle_id, department) DO UPDATE SET role = excluded.role, state = 'whistled',
       responded_at = NULL, arrived_at = NULL, done_at = NULL, returned_at = NULL, extended = '{}'
     WHERE t.state = 'returned'`,
    [whistleId, JSON.stringify(targets)])
}

export async function whistleTargets (db: Queryable, whistleId: string): Promise<TargetRow[]> {
  const { rows } = await db.query(
    `SELECT department, role, state, responded_at, arrived_at, done_at, returned_at, extended FROM whistle_targets
     WHERE whistle_id = $1 ORDER BY role DESC, department`, [whistleId])
  return rows.map(toTarget)
}

export interface TargetChange {
  state: TargetState
  respondedAt?: string
  arrivedAt?: string
  /** null: the town sent the done declaration back. */
  doneAt?: string | null
  returnedAt?: string
  extended?: Record<string, string>
}

export async function updateTarget (tx: Queryable, whistleId: string, department: string, c: TargetChange): Promise<void> {
  await tx.query(
    `UPDATE whistle_targets SET state = $3, responded_at = COALESCE(responded_at, $4), arrived_at = COALESCE(arrived_at, $5),
       done_at = CASE WHEN $9 THEN $6::timestamptz ELSE done_at END, returned_at = COALESCE($7, returned_at),
       extended = COALESCE($8::jsonb, extended)
     WHERE whistle_id = $1 AND department = $2`,
    [whistleId, department, c.state, c.respondedAt ?? null, c.arrivedAt ?? null, c.doneAt ?? null, c.returnedAt ?? null,
      c.extended ? JSON.stringify(c.extended) : null, c.doneAt !== undefined])
}

/** Every target of the whistle not returned moves to `state` (closing finishes them, reopening takes them back on site). */
export async function moveActiveTargets (tx: Queryable, whistleId: string, from: readonly TargetState[], to: TargetState): Promise<void> {
  await tx.query('UPDATE whistle_targets SET state = $3 WHERE whistle_id = $1 AND state = ANY($2::text[])', [whistleId, from, to])
}

const EVENT_COLUMNS = 'seq, department, action, from_state, to_state, actor, at, data'

function toEvent (r: Record<string, unknown>): WhistleEvent {
  return {
    seq: r.seq as number,
    department: (r.department ?? null) as string | null,
    action: r.action as string,
    fromState: (r.from_state ?? null) as string | null,
    toState: r.to_state as string,
    actor: r.actor as WhistleActor,
    at: iso(r.at),
    data: r.data as Record<string, unknown>,
  }
}

export async function whistleEvents (db: Queryable, whistleId: string): Promise<WhistleEvent[]> {
  const { rows } = await db.query(`SELECT ${EVENT_COLUMNS} FROM whistle_events WHERE whistle_id = $1 ORDER BY seq`, [whistleId])
  return rows.map(toEvent)
}

/** The event a client's request id already made on this whistle, if any. */
export async function eventOfRequest (db: Queryable, whistleId: string, requestId: string): Promise<WhistleEvent | undefined> {
  const { rows } = await db.query(`SELECT ${EVENT_COLUMNS} FROM whistle_events WHERE whistle_id = $1 AND request_id = $2`, [whistleId, requestId])
  return rows[0] && toEvent(rows[0])
}

/** The whistle a blow with this request id by this actor already made, if any. */
export async function whistleOfBlowRequest (db: Queryable, actorId: string, requestId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ whistle_id: string }>(
    `SELECT whistle_id FROM whistle_events WHERE seq = 1 AND action = 'blow' AND request_id = $1 AND actor->>'id' = $2 LIMIT 1`, [requestId, actorId])
  return rows[0]?.whistle_id
}

export type NewWhistleEvent = Omit<WhistleEvent, 'seq'>

/** Appends the event after the whistle's last one and returns its sequence number. */
export async function appendWhistleEvent (tx: Queryable, whistleId: string, e: NewWhistleEvent, requestId: string | undefined): Promise<number> {
  const { rows } = await tx.query<{ seq: number }>(
    `INSERT INTO whistle_events (whistle_id, seq, department, action, from_state, to_state, actor, at, data, request_id)
     SELECT $1, COALESCE(max(seq), 0) + 1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb, $9 FROM whistle_events WHERE whistle_id = $1
     RETURNING seq`,
    [whistleId, e.department, e.action, e.fromState, e.toState, JSON.stringify(e.actor), e.at, JSON.stringify(e.data), requestId ?? null])
  return rows[0]!.seq
}

/**
 * The ladder's escalations, many whistles at once: each event after its whistle's last one (the
 * caller holds the whistles' locks), in the order given. `to_state`/`from_state` are the
 * department's answer state, which an escalation does not change.
 */
export async function appendEscalations (tx: Queryable, events: ReadonlyArray<{ whistleId: string, department: string, at: string, data: Record<string, unknown> }>, actor: WhistleActor): Promise<void> {
  if (events.length === 0) return
  await tx.query(
    `INSERT INTO whistle_events (whistle_id, seq, department, action, from_state, to_state, actor, at, data)
     SELECT e."whistleId", COALESCE(m.last, 0) + row_number() OVER (PARTITION BY e."whistleId" ORDER BY e.n), e.department, 'escalate',
       t.state, COALESCE(t.state, 'whistled'), $2::jsonb, e.at, e.data
     FROM jsonb_to_recordset($1::jsonb) AS e("whistleId" text, department text, at timestamptz, data jsonb, n int)
     LEFT JOIN whistle_targets t ON t.whistle_id = e."whistleId" AND t.department = e.department
     LEFT JOIN LATERAL (SELECT max(seq) AS last FROM whistle_events x WHERE x.whistle_id = e."whistleId") m ON true`,
    [JSON.stringify(events.map((e, i) => ({ ...e, n: i + 1 }))), JSON.stringify(actor)])
}

/** Locks the whistles, in id order (the order every locker takes them in), and returns them. */
export async function lockWhistles (tx: Queryable, ids: readonly string[]): Promise<WhistleRow[]> {
  const { rows } = await tx.query(`SELECT ${COLUMNS} FROM whistles WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, [ids])
  return rows.map(toWhistle)
}

export interface RoutingVersion { town: string, version: number, rules: RoutingRule[], createdBy: WhistleActor, createdAt: string }

export async function latestRouting (db: Queryable, town: string): Promise<RoutingVersion | undefined> {
  const { rows } = await db.query(
    'SELECT town, version, rules, created_by, created_at FROM routing_versions WHERE town = $1 ORDER BY version DESC LIMIT 1', [town])
  const r = rows[0]
  return r && { town: r.town as string, version: r.version as number, rules: r.rules as RoutingRule[], createdBy: r.created_by as WhistleActor, createdAt: iso(r.created_at) }
}

/** Adds the town's next version (1 when it has none); `onlyFirst`: add version 1 only if the town has none yet, else nothing. */
export async function addRouting (tx: Queryable, town: string, rules: readonly RoutingRule[], by: WhistleActor, at: string, onlyFirst = false): Promise<number | undefined> {
  const { rows } = await tx.query<{ version: number }>(
    `INSERT INTO routing_versions (town, version, rules, created_by, created_at)
     SELECT $1, COALESCE(max(version), 0) + 1, $2::jsonb, $3::jsonb, $4 FROM routing_versions WHERE town = $1
     HAVING NOT $5 OR count(*) = 0
     ON CONFLICT (town, version) DO NOTHING RETURNING version`,
    [town, JSON.stringify(rules), JSON.stringify(by), at, onlyFirst])
  return rows[0]?.version
}

/** The work order a whistle is blown from: its town and the hotline's revisit (回访), if any. */
export async function orderForWhistle (db: Queryable, orderNo: string): Promise<{ town: string, division: string | null, revisit: unknown } | undefined> {
  const { rows } = await db.query<{ town: string, division: string | null, revisit: unknown }>('SELECT town, division, revisit FROM orders WHERE order_no = $1', [orderNo])
  return rows[0] && { town: rows[0].town, division: rows[0].division, revisit: rows[0].revisit ?? null }
}

/** The town and village of a risk report a whistle is blown from, if it exists. */
export async function riskPlace (db: Queryable, id: string): Promise<{ town: string, division: string | null } | undefined> {
  const { rows } = await db.query<{ town: string, village: string | null }>('SELECT town, village FROM risks WHERE id = $1', [id])
  return rows[0] && { town: rows[0].town, division: rows[0].village }
}

export interface DeliveryRow { id: number, instance: string, operation: string, state: string, attempts: number, lastError: string | null, createdAt: string }

/** The whistle's outbox rows (to the departments' systems, to the hotline): what was delivered and what not. */
export async function whistleDeliveries (db: Queryable, whistleId: string): Promise<DeliveryRow[]> {
  const { rows } = await db.query(
    'SELECT id, instance, operation, state, attempts, last_error, created_at FROM outbox WHERE subject = $1 ORDER BY id', [`whistle:${whistleId}`])
  return rows.map((r) => ({
    id: Number(r.id), instance: r.instance as string, operation: r.operation as string, state: r.state as string,
    attempts: r.attempts as number, lastError: (r.last_error ?? null) as string | null, createdAt: iso(r.created_at),
  }))
}

export interface WhistleListFilter {
  /** Division prefix the caller may see. */
  townPrefix: string
  /** Only whistles summoning this department (a liaison's own, or a filter). */
  department?: string
  states?: readonly WhistleState[]
  type?: string
  /** Open whistles with a department's clock past its deadline and not met. */
  overdueAt?: string
  after?: { blownAt: string, id: string }
  limit: number
}

export interface WhistleListItem {
  id: string
  town: string
  division: string | null
  type: string
  typeName: string
  title: string
  state: WhistleState
  source: { kind: string, id: string | null }
  blownAt: string
  departments: string[]
  /** The earliest deadline of a running (unmet) clock. */
  nextDeadline: string | null
}

/** An unmet clock of an active department: its answer has not reached what the clock waits for. */
const UNMET = `t.state NOT IN ('returned', 'finished') AND CASE r.clock WHEN 'respond' THEN t.responded_at IS NULL AND t.arrived_at IS NULL
  WHEN 'arrive' THEN t.arrived_at IS NULL ELSE t.done_at IS NULL END`

/** Newest first, keyset-paged on (blown_at, id). */
export async function listWhistles (db: Queryable, f: WhistleListFilter): Promise<WhistleListItem[]> {
  const [where, params]: [string[], unknown[]] = f.townPrefix.length >= 9
    ? [['w.town = $1'], [f.townPrefix.padEnd(12, '0')]]
    : [['w.town BETWEEN $1 AND $2'], [f.townPrefix.padEnd(12, '0'), f.townPrefix.padEnd(12, '9')]]
  const add = (sql: string, value: unknown): void => { params.push(value); where.push(sql.replaceAll('?', `$${params.length}`)) }
  if (f.department) add('EXISTS (SELECT 1 FROM whistle_targets t WHERE t.whistle_id = w.id AND t.department = ?)', f.department)
  if (f.states?.length) add('w.state = ANY(?::text[])', f.states)
  if (f.type) add('w.type = ?', f.type)
  if (f.overdueAt) {
    add(`w.state = 'open' AND EXISTS (SELECT 1 FROM whistle_targets t JOIN deadline_rungs r ON r.subject = 'whistle:' || t.whistle_id AND r.party = t.department AND r.rung = 'head'
      WHERE t.whistle_id = w.id AND r.deadline < ?::timestamptz AND ${UNMET})`, f.overdueAt)
  }
  if (f.after) {
    params.push(f.after.blownAt, f.after.id)
    where.push(`(w.blown_at, w.id) < ($${params.length - 1}::timestamptz, $${params.length})`)
  }
  params.push(f.limit)
  const { rows } = await db.query(
    `SELECT w.id, w.town, w.division, w.type, w.type_snapshot->>'name' AS type_name, w.title, w.state, w.source_kind, w.source_id, w.blown_at,
       (SELECT array_agg(t.department ORDER BY t.role DESC, t.department) FROM whistle_targets t WHERE t.whistle_id = w.id) AS departments,
       (SELECT min(r.deadline) FROM whistle_targets t JOIN deadline_rungs r ON r.subject = 'whistle:' || t.whistle_id AND r.party = t.department AND r.rung = 'head'
         WHERE t.whistle_id = w.id AND w.state = 'open' AND ${UNMET}) AS next_deadline
     FROM whistles w WHERE ${where.join(' AND ')}
     ORDER BY w.blown_at DESC, w.id DESC LIMIT $${params.length}`, params)
  return rows.map((r) => ({
    id: r.id as string,
    town: r.town as string,
    division: (r.division ?? null) as string | null,
    type: r.type as string,
    typeName: r.type_name as string,
    title: r.title as string,
    state: r.state as WhistleState,
    source: { kind: r.source_kind as string, id: (r.source_id ?? null) as string | null },
    blownAt: iso(r.blown_at),
    departments: (r.departments ?? []) as string[],
    nextDeadline: isoOrNull(r.next_deadline),
  }))
}
