// Risk reports in the store (migrations 016, 018): the report row (its state and the values the
// lists show, kept in step with its events), its append-only events (a trigger refuses UPDATE and
// DELETE), its daily number and the town's and county's lists. The risk service calls these inside
// one transaction; nothing here decides what a report may do.
import type { Queryable } from './db.ts'
import type { RiskActor, RiskEvent, RiskState, Severity } from '../model/risk.ts'

export interface RiskRow {
  id: string
  town: string
  village: string | null
  category: string
  severity: Severity
  state: RiskState
  reportedBy: RiskActor
  reportedAt: string
  closedAt: string | null
  version: number
  updatedAt: string
}

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString()
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v))

const RISK_COLUMNS = 'id, town, village, category, severity, state, reported_by, reported_at, closed_at, version, updated_at'

function toRisk (r: Record<string, unknown>): RiskRow {
  return {
    id: r.id as string,
    town: r.town as string,
    village: (r.village ?? null) as string | null,
    category: r.category as string,
    severity: r.severity as Severity,
    state: r.state as RiskState,
    reportedBy: r.reported_by as RiskActor,
    reportedAt: iso(r.reported_at),
    closedAt: isoOrNull(r.closed_at),
    version: r.version as number,
    updatedAt: iso(r.updated_at),
  }
}

/** The next number of the day for a town; the row lock makes concurrent reports take turns and a rolled-back one leaves no gap. */
export async function nextRiskSequence (tx: Queryable, town: string, day: string): Promise<number> {
  const { rows } = await tx.query<{ last: number }>(
    `INSERT INTO risk_numbers AS n (town, day, last) VALUES ($1, $2, 1)
     ON CONFLICT (town, day) DO UPDATE SET last = n.last + 1 RETURNING last`, [town, day])
  return rows[0]!.last
}

export async function insertRisk (tx: Queryable, r: Omit<RiskRow, 'version' | 'closedAt' | 'updatedAt'>, requestId: string | undefined): Promise<void> {
  await tx.query(
    `INSERT INTO risks (id, town, village, category, severity, state, reported_by, reported_by_id, reported_at, updated_at, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $9, $10)`,
    [r.id, r.town, r.village, r.category, r.severity, r.state, JSON.stringify(r.reportedBy), `${r.reportedBy.kind}:${r.reportedBy.id}`, r.reportedAt, requestId ?? null])
}

/** The report a reporter's request id already made, if any. */
export async function riskOfRequest (db: Queryable, reporter: RiskActor, requestId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM risks WHERE reported_by_id = $1 AND request_id = $2', [`${reporter.kind}:${reporter.id}`, requestId])
  return rows[0]?.id
}

export async function getRisk (db: Queryable, id: string): Promise<RiskRow | undefined> {
  const { rows } = await db.query(`SELECT ${RISK_COLUMNS} FROM risks WHERE id = $1`, [id])
  return rows[0] && toRisk(rows[0])
}

/** The report, locked until the transaction ends: actions on one report take turns. */
export async function lockRisk (tx: Queryable, id: string): Promise<RiskRow | undefined> {
  const { rows } = await tx.query(`SELECT ${RISK_COLUMNS} FROM risks WHERE id = $1 FOR UPDATE`, [id])
  return rows[0] && toRisk(rows[0])
}

export interface RiskChange {
  state: RiskState
  village?: string
  category?: string
  severity?: Severity
  closedAt?: string
}

/** Keeps the row in step with an event; false when the report is no longer at `version`. */
export async function updateRisk (tx: Queryable, id: string, version: number, change: RiskChange, at: string): Promise<boolean> {
  const { rows } = await tx.query(
    `UPDATE risks SET state = $3, village = COALESCE($4, village), category = COALESCE($5, category), severity = COALESCE($6, severity),
       closed_at = COALESCE($7, closed_at), version = version + 1, updated_at = $8
     WHERE id = $1 AND version = $2 RETURNING 1`,
    [id, version, change.state, change.village ?? null, change.category ?? null, change.severity ?? null, change.closedAt ?? null, at])
  return rows.length === 1
}

function toEvent (r: Record<string, unknown>): RiskEvent {
  return { seq: r.seq as number, action: r.action as RiskEvent['action'], actor: r.actor as RiskActor, at: iso(r.at), data: r.data as Record<string, unknown> }
}

export async function riskEvents (db: Queryable, id: string): Promise<RiskEvent[]> {
  const { rows } = await db.query('SELECT seq, action, actor, at, data FROM risk_events WHERE risk_id = $1 ORDER BY seq', [id])
  return rows.map(toEvent)
}

/** The event a client's request id already made on this report, if any. */
export async function riskEventOfRequest (db: Queryable, id: string, requestId: string): Promise<RiskEvent | undefined> {
  const { rows } = await db.query('SELECT seq, action, actor, at, data FROM risk_events WHERE risk_id = $1 AND request_id = $2', [id, requestId])
  return rows[0] && toEvent(rows[0])
}

/** Appends the event after the report's last one and returns its sequence number. */
export async function appendRiskEvent (tx: Queryable, id: string, event: Omit<RiskEvent, 'seq'>, requestId: string | undefined): Promise<number> {
  const { rows } = await tx.query<{ seq: number }>(
    `INSERT INTO risk_events (risk_id, seq, action, actor, at, data, request_id)
     SELECT $1, COALESCE(max(seq), 0) + 1, $2, $3::jsonb, $4, $5::jsonb, $6 FROM risk_events WHERE risk_id = $1
     RETURNING seq`,
    [id, event.action, JSON.stringify(event.actor), event.at, JSON.stringify(event.data), requestId ?? null])
  return rows[0]!.seq
}

export interface RiskListFilter {
  /** Division prefix the caller may see: a town's 9 digits, a county's 6. */
  townPrefix: string
  states?: readonly RiskState[]
  /** oldest: open the longest first (the county's view); newest: the latest reports first. */
  order: 'oldest' | 'newest'
  /** Keyset: the (reported_at, id) of the previous page's last report. */
  after?: { reportedAt: string, id: string }
  limit: number
}

export interface RiskListItem extends Omit<RiskRow, 'version' | 'updatedAt'> {
  /** The report's address and description as last corrected. */
  address: string
  description: string
}

/** Reports of a town or a county, keyset-paged on (reported_at, id) in the order asked. */
export async function listRisks (db: Queryable, f: RiskListFilter): Promise<RiskListItem[]> {
  const params: unknown[] = [f.townPrefix.padEnd(12, '0'), f.townPrefix.padEnd(12, '9')]
  const where = ['r.town BETWEEN $1 AND $2']
  if (f.states?.length) { params.push(f.states); where.push(`r.state = ANY($${params.length}::text[])`) }
  const cmp = f.order === 'oldest' ? '>' : '<'
  const dir = f.order === 'oldest' ? 'ASC' : 'DESC'
  if (f.after) {
    params.push(f.after.reportedAt, f.after.id)
    where.push(`(r.reported_at, r.id) ${cmp} ($${params.length - 1}::timestamptz, $${params.length})`)
  }
  params.push(f.limit)
  // The address and description as the events leave them: the last event that names each.
  const { rows } = await db.query(
    `SELECT ${RISK_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')}, t.address, t.description
     FROM risks r
     LEFT JOIN LATERAL (
       SELECT (SELECT COALESCE(e.data->'changes'->>'address', e.data->>'address') FROM risk_events e
               WHERE e.risk_id = r.id AND COALESCE(e.data->'changes'->>'address', e.data->>'address') IS NOT NULL AND e.action IN ('report', 'correct') ORDER BY e.seq DESC LIMIT 1) AS address,
              (SELECT COALESCE(e.data->'changes'->>'description', e.data->>'description') FROM risk_events e
               WHERE e.risk_id = r.id AND COALESCE(e.data->'changes'->>'description', e.data->>'description') IS NOT NULL AND e.action IN ('report', 'correct') ORDER BY e.seq DESC LIMIT 1) AS description
     ) t ON true
     WHERE ${where.join(' AND ')}
     ORDER BY r.reported_at ${dir}, r.id ${dir} LIMIT $${params.length}`, params)
  return rows.map((r) => {
    const row = toRisk(r)
    return {
      id: row.id, town: row.town, village: row.village, category: row.category, severity: row.severity, state: row.state,
      reportedBy: row.reportedBy, reportedAt: row.reportedAt, closedAt: row.closedAt, address: (r.address ?? '') as string, description: (r.description ?? '') as string,
    }
  })
}
