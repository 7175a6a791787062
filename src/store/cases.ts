// Cases in the store (migration 013): the case row, its append-only events, its daily number, its
// legal clocks and the listing the window and the town leader read. The transition service calls
// these inside one transaction; nothing here decides what a case may do.
import type { Queryable } from './db.ts'
import type { Actor, CaseDeadline, CaseEvent, CaseState, FieldCorrection, MaterialProvided, ResultType } from '../model/case.ts'

export interface CaseRow {
  projectNo: string
  town: string
  taskHandleItem: string
  taskVersion: number
  matterName: string
  state: CaseState
  applicant: { kind: 'person' | 'enterprise', key: string, name: string }
  contact: { name: string, certNo: string, phone: string } | undefined
  formData: Record<string, string>
  corrections: FieldCorrection[]
  materials: MaterialProvided[]
  result: ResultType | null
  receivedBy: Actor
  receivedAt: string
  acceptedAt: string | null
  concludedAt: string | null
  version: number
}

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString()
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v))

const CASE_COLUMNS = `project_no, town, task_handle_item, task_version, matter_name, state, applicant_kind, applicant_key,
  applicant_name, contact, form_data, corrections, materials, result, received_by, received_at, accepted_at, concluded_at, version`

function toCase (r: Record<string, unknown>): CaseRow {
  return {
    projectNo: r.project_no as string,
    town: r.town as string,
    taskHandleItem: r.task_handle_item as string,
    taskVersion: r.task_version as number,
    matterName: r.matter_name as string,
    state: r.state as CaseState,
    applicant: { kind: r.applicant_kind as 'person' | 'enterprise', key: r.applicant_key as string, name: r.applicant_name as string },
    contact: (r.contact ?? undefined) as CaseRow['contact'],
    formData: r.form_data as Record<string, string>,
    corrections: r.corrections as FieldCorrection[],
    materials: r.materials as MaterialProvided[],
    result: (r.result ?? null) as ResultType | null,
    receivedBy: r.received_by as Actor,
    receivedAt: iso(r.received_at),
    acceptedAt: isoOrNull(r.accepted_at),
    concludedAt: isoOrNull(r.concluded_at),
    version: r.version as number,
  }
}

/**
 * The next number of the day for a matter: the row lock makes concurrent openings wait for each
 * other, and the increment rolls back with a case that is not committed, so the sequence has no
 * gaps and no duplicates.
 */
export async function nextCaseSequence (tx: Queryable, taskCode: string, day: string): Promise<number> {
  const { rows } = await tx.query<{ last: number }>(
    `INSERT INTO case_numbers AS n (task_code, day, last) VALUES ($1, $2, 1)
     ON CONFLICT (task_code, day) DO UPDATE SET last = n.last + 1 RETURNING last`, [taskCode, day])
  return rows[0]!.last
}

export async function insertCase (tx: Queryable, c: Omit<CaseRow, 'version' | 'acceptedAt' | 'concludedAt' | 'result'>): Promise<void> {
  await tx.query(
    `INSERT INTO cases (project_no, town, task_handle_item, task_version, matter_name, state, applicant_kind, applicant_key, applicant_name,
       contact, form_data, corrections, materials, received_by, received_by_id, received_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12::jsonb, $13::jsonb, $14::jsonb, $15, $16, $16)`,
    [c.projectNo, c.town, c.taskHandleItem, c.taskVersion, c.matterName, c.state, c.applicant.kind, c.applicant.key, c.applicant.name,
      c.contact ? JSON.stringify(c.contact) : null, JSON.stringify(c.formData), JSON.stringify(c.corrections), JSON.stringify(c.materials),
      JSON.stringify(c.receivedBy), `${c.receivedBy.kind}:${c.receivedBy.id}`, c.receivedAt])
}

export async function getCase (db: Queryable, projectNo: string): Promise<CaseRow | undefined> {
  const { rows } = await db.query(`SELECT ${CASE_COLUMNS} FROM cases WHERE project_no = $1`, [projectNo])
  return rows[0] && toCase(rows[0])
}

/** The case, locked until the transaction ends: transitions on one case take turns. */
export async function lockCase (tx: Queryable, projectNo: string): Promise<CaseRow | undefined> {
  const { rows } = await tx.query(`SELECT ${CASE_COLUMNS} FROM cases WHERE project_no = $1 FOR UPDATE`, [projectNo])
  return rows[0] && toCase(rows[0])
}

export interface CaseChange {
  state: CaseState
  result?: ResultType
  acceptedAt?: string
  concludedAt?: string
  materials?: MaterialProvided[]
}

/** Applies a transition's effect; false when the case is no longer at `version` (someone else moved it first). */
export async function updateCase (tx: Queryable, projectNo: string, version: number, change: CaseChange, at: string): Promise<boolean> {
  const { rows } = await tx.query(
    `UPDATE cases SET state = $3, result = COALESCE($4, result), accepted_at = COALESCE($5, accepted_at),
       concluded_at = COALESCE($6, concluded_at), materials = COALESCE($7::jsonb, materials), version = version + 1, updated_at = $8
     WHERE project_no = $1 AND version = $2 RETURNING 1`,
    [projectNo, version, change.state, change.result ?? null, change.acceptedAt ?? null, change.concludedAt ?? null,
      change.materials ? JSON.stringify(change.materials) : null, at])
  return rows.length === 1
}

function toEvent (r: Record<string, unknown>): CaseEvent {
  return {
    seq: r.seq as number,
    action: r.action as CaseEvent['action'],
    from: (r.from_state ?? null) as CaseState | null,
    to: r.to_state as CaseState,
    actor: r.actor as Actor,
    at: iso(r.at),
    reason: (r.reason ?? null) as string | null,
    data: r.data as Record<string, unknown>,
  }
}

const EVENT_COLUMNS = 'seq, action, from_state, to_state, actor, at, reason, data'

export async function caseEvents (db: Queryable, projectNo: string): Promise<CaseEvent[]> {
  const { rows } = await db.query(`SELECT ${EVENT_COLUMNS} FROM case_events WHERE project_no = $1 ORDER BY seq`, [projectNo])
  return rows.map(toEvent)
}

/** The event a client's request id already made on this case, if any. */
export async function eventOfRequest (db: Queryable, projectNo: string, requestId: string): Promise<CaseEvent | undefined> {
  const { rows } = await db.query(`SELECT ${EVENT_COLUMNS} FROM case_events WHERE project_no = $1 AND request_id = $2`, [projectNo, requestId])
  return rows[0] && toEvent(rows[0])
}

/** Appends the event after the case's last one and returns its sequence number. */
export async function appendCaseEvent (tx: Queryable, projectNo: string, event: Omit<CaseEvent, 'seq'>, requestId: string | undefined): Promise<number> {
  const { rows } = await tx.query<{ seq: number }>(
    `INSERT INTO case_events (project_no, seq, action, from_state, to_state, actor, at, reason, data, request_id)
     SELECT $1, COALESCE(max(seq), 0) + 1, $2, $3, $4, $5::jsonb, $6, $7, $8::jsonb, $9 FROM case_events WHERE project_no = $1
     RETURNING seq`,
    [projectNo, event.action, event.from, event.to, JSON.stringify(event.actor), event.at, event.reason, JSON.stringify(event.data), requestId ?? null])
  return rows[0]!.seq
}

/** The case an opening request id already opened, if any. */
export async function caseOfOpenRequest (db: Queryable, receiverId: string, requestId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ project_no: string }>('SELECT project_no FROM case_open_requests WHERE received_by_id = $1 AND request_id = $2', [receiverId, requestId])
  return rows[0]?.project_no
}

export async function recordOpenRequest (tx: Queryable, receiverId: string, requestId: string, projectNo: string): Promise<void> {
  await tx.query('INSERT INTO case_open_requests (received_by_id, request_id, project_no) VALUES ($1, $2, $3)', [receiverId, requestId, projectNo])
}

/** Replaces the case's clocks with freshly computed ones; an alert already claimed stays claimed for an unchanged due day. */
export async function writeCaseDeadlines (tx: Queryable, projectNo: string, town: string, deadlines: readonly CaseDeadline[], calendar: string): Promise<void> {
  await tx.query(
    `INSERT INTO case_deadlines AS d (project_no, kind, state, due, met_at, explanation, problem, calendar, town)
     SELECT $1, r.kind, r.state, r.due, r."metAt", r.explanation, r.problem, $2, $3
     FROM jsonb_to_recordset($4::jsonb) AS r(kind text, state text, due text, "metAt" timestamptz, explanation jsonb, problem text)
     ON CONFLICT (project_no, kind) DO UPDATE SET state = excluded.state, due = excluded.due, met_at = excluded.met_at,
       explanation = excluded.explanation, problem = excluded.problem, calendar = excluded.calendar,
       alerted_soon_at = CASE WHEN d.due IS NOT DISTINCT FROM excluded.due THEN d.alerted_soon_at END,
       alerted_overdue_at = CASE WHEN d.due IS NOT DISTINCT FROM excluded.due THEN d.alerted_overdue_at END`,
    [projectNo, calendar, town, JSON.stringify(deadlines)])
}

export async function caseDeadlines (db: Queryable, projectNo: string): Promise<CaseDeadline[]> {
  const { rows } = await db.query<{ kind: CaseDeadline['kind'], state: CaseDeadline['state'], due: string | null, met_at: unknown, explanation: Record<string, unknown> | null, problem: string | null }>(
    `SELECT kind, state, due, met_at, explanation, problem FROM case_deadlines WHERE project_no = $1
     ORDER BY array_position(ARRAY['supplement-notice', 'legal', 'promised', 'delivery'], kind)`, [projectNo])
  return rows.map((r) => ({ kind: r.kind, state: r.state, due: r.due, metAt: isoOrNull(r.met_at), explanation: r.explanation, problem: r.problem }))
}

export interface CaseListFilter {
  /** Division prefix the caller may see. */
  townPrefix: string
  states?: readonly CaseState[]
  receivedBy?: string
  /** Received on or after this instant. */
  since?: string
  taskHandleItem?: string
  applicantKey?: string
  /** Cases with a running clock due on or before this day (YYYY-MM-DD). */
  dueBy?: string
  /** Keyset: the (received_at, project_no) of the previous page's last case. */
  after?: { receivedAt: string, projectNo: string }
  limit: number
}

export interface CaseListItem {
  projectNo: string
  town: string
  matterName: string
  taskHandleItem: string
  state: CaseState
  applicant: { kind: 'person' | 'enterprise', key: string, name: string }
  receivedBy: Actor
  receivedAt: string
  /** The earliest running clock's day and kind, if any. */
  due: string | null
  dueKind: CaseDeadline['kind'] | null
}

/** Newest first, keyset-paged on (received_at, project_no). */
export async function listCases (db: Queryable, f: CaseListFilter): Promise<CaseListItem[]> {
  // A town's staff ask for one town: equality lets the (town, received_at) index give the order.
  const [where, params]: [string[], unknown[]] = f.townPrefix.length >= 9
    ? [['c.town = $1'], [f.townPrefix.padEnd(12, '0')]]
    : [['c.town BETWEEN $1 AND $2'], [f.townPrefix.padEnd(12, '0'), f.townPrefix.padEnd(12, '9')]]
  const add = (sql: string, value: unknown): void => { params.push(value); where.push(sql.replace('?', `$${params.length}`)) }
  if (f.states?.length) add('c.state = ANY(?::text[])', f.states)
  if (f.receivedBy) add('c.received_by_id = ?', f.receivedBy)
  if (f.since) add('c.received_at >= ?', f.since)
  if (f.taskHandleItem) add('c.task_handle_item = ?', f.taskHandleItem)
  if (f.applicantKey) add('c.applicant_key = ?', f.applicantKey)
  // From the clocks' side: the few cases due by a day, found by (town, state, due), not by
  // walking every case of the town newest first.
  if (f.dueBy) add(`c.project_no IN (SELECT d.project_no FROM case_deadlines d WHERE ${where[0]!.replace('c.town', 'd.town')} AND d.state = 'running' AND d.due <= ?)`, f.dueBy)
  if (f.after) {
    params.push(f.after.receivedAt, f.after.projectNo)
    where.push(`(c.received_at, c.project_no) < ($${params.length - 1}::timestamptz, $${params.length})`)
  }
  params.push(f.limit)
  const { rows } = await db.query(
    `SELECT c.project_no, c.town, c.matter_name, c.task_handle_item, c.state, c.applicant_kind, c.applicant_key, c.applicant_name,
       c.received_by, c.received_at, d.due, d.kind AS due_kind
     FROM cases c
     LEFT JOIN LATERAL (SELECT due, kind FROM case_deadlines d WHERE d.project_no = c.project_no AND d.state = 'running' ORDER BY due LIMIT 1) d ON true
     WHERE ${where.join(' AND ')}
     ORDER BY c.received_at DESC, c.project_no DESC LIMIT $${params.length}`, params)
  return rows.map((r) => ({
    projectNo: r.project_no as string,
    town: r.town as string,
    matterName: r.matter_name as string,
    taskHandleItem: r.task_handle_item as string,
    state: r.state as CaseState,
    applicant: { kind: r.applicant_kind as 'person' | 'enterprise', key: r.applicant_key as string, name: r.applicant_name as string },
    receivedBy: r.received_by as Actor,
    receivedAt: iso(r.received_at),
    due: (r.due ?? null) as string | null,
    dueKind: (r.due_kind ?? null) as CaseDeadline['kind'] | null,
  }))
}
