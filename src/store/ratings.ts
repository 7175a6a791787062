// 好差评 in the store (migration 015): ratings, the one-time links the tablet rates through,
// rectifications with their follow-ups, appeals with their decisions. Rows are only added; each
// state (link spent, rectification re-rated, appeal decided) is read from the rows that exist.
// The rating service calls these inside its transactions; nothing here decides what is allowed.
import type { Queryable } from './db.ts'
import type { Actor } from '../model/case.ts'

export type RatingStage = 'accept' | 'conclude'

export interface RatingRow {
  id: number
  projectNo: string
  stage: RatingStage
  level: number
  channel: string
  comment: string | null
  town: string
  taskHandleItem: string
  matterName: string
  staff: Actor
  staffId: string
  ratedAt: string
  reratingOf: number | null
  /** The re-rating that followed this rating, if any. */
  reratedBy: number | null
  /** The appeal's state: none, pending, upheld (the rating no longer counts) or dismissed. */
  appeal: 'none' | 'pending' | 'upheld' | 'dismissed'
}

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString()
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v))
const num = (v: unknown): number => Number(v)
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

const RATING_SELECT = `SELECT r.id, r.project_no, r.stage, r.level, r.channel, r.comment, r.town, r.task_handle_item, r.matter_name,
    r.staff, r.staff_id, r.rated_at, r.rerating_of,
    (SELECT n.id FROM ratings n WHERE n.rerating_of = r.id) AS rerated_by,
    (SELECT COALESCE(d.decision, 'pending') FROM rating_appeals a LEFT JOIN rating_appeal_decisions d ON d.appeal_id = a.id WHERE a.rating_id = r.id) AS appeal
  FROM ratings r`

function toRating (r: Record<string, unknown>): RatingRow {
  return {
    id: num(r.id),
    projectNo: r.project_no as string,
    stage: r.stage as RatingStage,
    level: r.level as number,
    channel: r.channel as string,
    comment: (r.comment ?? null) as string | null,
    town: r.town as string,
    taskHandleItem: r.task_handle_item as string,
    matterName: r.matter_name as string,
    staff: r.staff as Actor,
    staffId: r.staff_id as string,
    ratedAt: iso(r.rated_at),
    reratingOf: numOrNull(r.rerating_of),
    reratedBy: numOrNull(r.rerated_by),
    appeal: (r.appeal ?? 'none') as RatingRow['appeal'],
  }
}

/** Who took the rated step: the actor of the case's last accept (or conclude) event, if any. */
export async function stageActor (db: Queryable, projectNo: string, stage: RatingStage): Promise<Actor | undefined> {
  const { rows } = await db.query<{ actor: Actor }>(
    'SELECT actor FROM case_events WHERE project_no = $1 AND action = $2 ORDER BY seq DESC LIMIT 1', [projectNo, stage])
  return rows[0]?.actor
}

export type NewRating = Omit<RatingRow, 'id' | 'reratedBy' | 'appeal'>

export async function insertRating (tx: Queryable, r: NewRating): Promise<number> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO ratings (project_no, stage, level, channel, comment, town, task_handle_item, matter_name, staff, staff_id, rated_at, rerating_of)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12) RETURNING id`,
    [r.projectNo, r.stage, r.level, r.channel, r.comment, r.town, r.taskHandleItem, r.matterName, JSON.stringify(r.staff), r.staffId, r.ratedAt, r.reratingOf])
  return num(rows[0]!.id)
}

export async function getRating (db: Queryable, id: number): Promise<RatingRow | undefined> {
  const { rows } = await db.query(`${RATING_SELECT} WHERE r.id = $1`, [id])
  return rows[0] && toRating(rows[0])
}

/** The first rating of a case at a stage (re-ratings follow it). */
export async function firstRating (db: Queryable, projectNo: string, stage: RatingStage): Promise<RatingRow | undefined> {
  const { rows } = await db.query(`${RATING_SELECT} WHERE r.project_no = $1 AND r.stage = $2 AND r.rerating_of IS NULL`, [projectNo, stage])
  return rows[0] && toRating(rows[0])
}

export interface RatingFilter {
  townPrefix: string
  taskHandleItem?: string | undefined
  staffId?: string | undefined
  /** Rated at or after this instant. */
  from?: string | undefined
  /** Rated before this instant. */
  to?: string | undefined
  projectNo?: string | undefined
  limit: number
}

/** Newest first. */
export async function listRatings (db: Queryable, f: RatingFilter): Promise<RatingRow[]> {
  const where = ['r.town LIKE $1']
  const params: unknown[] = [`${f.townPrefix}%`]
  const add = (sql: string, value: unknown): void => { params.push(value); where.push(sql.replace('?', `$${params.length}`)) }
  if (f.taskHandleItem) add('r.task_handle_item = ?', f.taskHandleItem)
  if (f.staffId) add('r.staff_id = ?', f.staffId)
  if (f.from) add('r.rated_at >= ?', f.from)
  if (f.to) add('r.rated_at < ?', f.to)
  if (f.projectNo) add('r.project_no = ?', f.projectNo)
  params.push(f.limit)
  const { rows } = await db.query(`${RATING_SELECT} WHERE ${where.join(' AND ')} ORDER BY r.rated_at DESC, r.id DESC LIMIT $${params.length}`, params)
  return rows.map(toRating)
}

export interface RatingLinkRow {
  id: number
  projectNo: string
  stage: RatingStage
  reratingOf: number | null
  createdBy: Actor
  createdAt: string
  expiresAt: string
  usedAt: string | null
}

function toLink (r: Record<string, unknown>): RatingLinkRow {
  return {
    id: num(r.id),
    projectNo: r.project_no as string,
    stage: r.stage as RatingStage,
    reratingOf: numOrNull(r.rerating_of),
    createdBy: r.created_by as Actor,
    createdAt: iso(r.created_at),
    expiresAt: iso(r.expires_at),
    usedAt: isoOrNull(r.used_at),
  }
}

export async function insertRatingLink (db: Queryable, tokenHash: string, l: Omit<RatingLinkRow, 'id' | 'usedAt'>): Promise<void> {
  await db.query(
    `INSERT INTO rating_links (token_hash, project_no, stage, rerating_of, created_by, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)`,
    [tokenHash, l.projectNo, l.stage, l.reratingOf, JSON.stringify(l.createdBy), l.createdAt, l.expiresAt])
}

const LINK_COLUMNS = 'id, project_no, stage, rerating_of, created_by, created_at, expires_at, used_at'

export async function ratingLinkByHash (db: Queryable, tokenHash: string): Promise<RatingLinkRow | undefined> {
  const { rows } = await db.query(`SELECT ${LINK_COLUMNS} FROM rating_links WHERE token_hash = $1`, [tokenHash])
  return rows[0] && toLink(rows[0])
}

/** The link, locked until the transaction ends: two taps on one link take turns, and the second sees it spent. */
export async function lockRatingLink (tx: Queryable, tokenHash: string): Promise<RatingLinkRow | undefined> {
  const { rows } = await tx.query(`SELECT ${LINK_COLUMNS} FROM rating_links WHERE token_hash = $1 FOR UPDATE`, [tokenHash])
  return rows[0] && toLink(rows[0])
}

export async function spendRatingLink (tx: Queryable, id: number, ratingId: number, at: string): Promise<void> {
  await tx.query('UPDATE rating_links SET used_at = $2, rating_id = $3 WHERE id = $1 AND used_at IS NULL', [id, at, ratingId])
}

export type RectificationStatus = 'open' | 're-rated' | 'void'

export interface RectificationRow {
  id: number
  ratingId: number
  projectNo: string
  town: string
  matterName: string
  stage: RatingStage
  level: number
  staff: Actor
  openedAt: string
  due: string | null
  dueProblem: string | null
  withinDays: number
  followUps: number
  /** open until re-rated; void when an appeal found the rating abusive. */
  status: RectificationStatus
  rerating: { id: number, level: number, ratedAt: string } | null
}

const RECTIFICATION_SELECT = `SELECT x.id, x.rating_id, x.project_no, x.town, r.matter_name, r.stage, r.level, r.staff, x.opened_at, x.due, x.due_problem, x.within_days,
    (SELECT count(*) FROM rectification_follow_ups f WHERE f.rectification_id = x.id)::int AS follow_ups,
    n.id AS rerating_id, n.level AS rerating_level, n.rated_at AS rerated_at,
    (SELECT d.decision FROM rating_appeals a JOIN rating_appeal_decisions d ON d.appeal_id = a.id WHERE a.rating_id = x.rating_id) AS appeal
  FROM rectifications x JOIN ratings r ON r.id = x.rating_id LEFT JOIN ratings n ON n.rerating_of = x.rating_id`

function toRectification (r: Record<string, unknown>): RectificationRow {
  const rerating = r.rerating_id === null || r.rerating_id === undefined ? null : { id: num(r.rerating_id), level: r.rerating_level as number, ratedAt: iso(r.rerated_at) }
  return {
    id: num(r.id),
    ratingId: num(r.rating_id),
    projectNo: r.project_no as string,
    town: r.town as string,
    matterName: r.matter_name as string,
    stage: r.stage as RatingStage,
    level: r.level as number,
    staff: r.staff as Actor,
    openedAt: iso(r.opened_at),
    due: (r.due ?? null) as string | null,
    dueProblem: (r.due_problem ?? null) as string | null,
    withinDays: r.within_days as number,
    followUps: r.follow_ups as number,
    status: rerating ? 're-rated' : r.appeal === 'upheld' ? 'void' : 'open',
    rerating,
  }
}

export async function insertRectification (tx: Queryable, x: { ratingId: number, projectNo: string, town: string, openedAt: string, due: string | null, dueProblem: string | null, withinDays: number }): Promise<number> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO rectifications (rating_id, project_no, town, opened_at, due, due_problem, within_days) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [x.ratingId, x.projectNo, x.town, x.openedAt, x.due, x.dueProblem, x.withinDays])
  return num(rows[0]!.id)
}

export async function getRectification (db: Queryable, id: number): Promise<RectificationRow | undefined> {
  const { rows } = await db.query(`${RECTIFICATION_SELECT} WHERE x.id = $1`, [id])
  return rows[0] && toRectification(rows[0])
}

/** Oldest due first (no date last); `open` keeps only those neither re-rated nor voided by an appeal. */
export async function listRectifications (db: Queryable, f: { townPrefix: string, open?: boolean, staffId?: string | undefined, limit: number }): Promise<RectificationRow[]> {
  const where = ['x.town LIKE $1']
  const params: unknown[] = [`${f.townPrefix}%`]
  if (f.open) {
    where.push(`n.id IS NULL AND NOT EXISTS (SELECT 1 FROM rating_appeals a JOIN rating_appeal_decisions d ON d.appeal_id = a.id
      WHERE a.rating_id = x.rating_id AND d.decision = 'upheld')`)
  }
  if (f.staffId) { params.push(f.staffId); where.push(`r.staff_id = $${params.length}`) }
  params.push(f.limit)
  const { rows } = await db.query(`${RECTIFICATION_SELECT} WHERE ${where.join(' AND ')} ORDER BY x.due ASC NULLS LAST, x.id LIMIT $${params.length}`, params)
  return rows.map(toRectification)
}

export interface FollowUpRow {
  id: number
  rectificationId: number
  /** Who called the resident. */
  contactedBy: string
  contactedAt: string
  /** What was done. */
  action: string
  recordedBy: Actor
  recordedAt: string
}

export async function insertFollowUp (tx: Queryable, f: Omit<FollowUpRow, 'id'>): Promise<number> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO rectification_follow_ups (rectification_id, contacted_by, contacted_at, action, recorded_by, recorded_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING id`,
    [f.rectificationId, f.contactedBy, f.contactedAt, f.action, JSON.stringify(f.recordedBy), f.recordedAt])
  return num(rows[0]!.id)
}

export async function followUpsOf (db: Queryable, rectificationId: number): Promise<FollowUpRow[]> {
  const { rows } = await db.query(
    `SELECT id, rectification_id, contacted_by, contacted_at, action, recorded_by, recorded_at FROM rectification_follow_ups
     WHERE rectification_id = $1 ORDER BY id`, [rectificationId])
  return rows.map((r) => ({
    id: num(r.id),
    rectificationId: num(r.rectification_id),
    contactedBy: r.contacted_by as string,
    contactedAt: iso(r.contacted_at),
    action: r.action as string,
    recordedBy: r.recorded_by as Actor,
    recordedAt: iso(r.recorded_at),
  }))
}

export interface AppealRow {
  id: number
  ratingId: number
  projectNo: string
  town: string
  matterName: string
  level: number
  reason: string
  appealedBy: Actor
  appealedAt: string
  decision: { decision: 'upheld' | 'dismissed', reason: string, decidedBy: Actor, decidedAt: string } | null
}

const APPEAL_SELECT = `SELECT a.id, a.rating_id, r.project_no, a.town, r.matter_name, r.level, a.reason, a.appealed_by, a.appealed_at,
    d.decision, d.reason AS decision_reason, d.decided_by, d.decided_at
  FROM rating_appeals a JOIN ratings r ON r.id = a.rating_id LEFT JOIN rating_appeal_decisions d ON d.appeal_id = a.id`

function toAppeal (r: Record<string, unknown>): AppealRow {
  return {
    id: num(r.id),
    ratingId: num(r.rating_id),
    projectNo: r.project_no as string,
    town: r.town as string,
    matterName: r.matter_name as string,
    level: r.level as number,
    reason: r.reason as string,
    appealedBy: r.appealed_by as Actor,
    appealedAt: iso(r.appealed_at),
    decision: r.decision
      ? { decision: r.decision as 'upheld' | 'dismissed', reason: r.decision_reason as string, decidedBy: r.decided_by as Actor, decidedAt: iso(r.decided_at) }
      : null,
  }
}

/** The appeal's id, or undefined when the rating was already appealed. */
export async function insertAppeal (tx: Queryable, a: { ratingId: number, town: string, reason: string, appealedBy: Actor, appealedAt: string }): Promise<number | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO rating_appeals (rating_id, town, reason, appealed_by, appealed_at) VALUES ($1, $2, $3, $4::jsonb, $5)
     ON CONFLICT (rating_id) DO NOTHING RETURNING id`,
    [a.ratingId, a.town, a.reason, JSON.stringify(a.appealedBy), a.appealedAt])
  return rows[0] ? num(rows[0].id) : undefined
}

export async function getAppeal (db: Queryable, id: number): Promise<AppealRow | undefined> {
  const { rows } = await db.query(`${APPEAL_SELECT} WHERE a.id = $1`, [id])
  return rows[0] && toAppeal(rows[0])
}

export async function appealOfRating (db: Queryable, ratingId: number): Promise<AppealRow | undefined> {
  const { rows } = await db.query(`${APPEAL_SELECT} WHERE a.rating_id = $1`, [ratingId])
  return rows[0] && toAppeal(rows[0])
}

/** False when the appeal was already decided (the first decision stands). */
export async function insertAppealDecision (tx: Queryable, d: { appealId: number, decision: 'upheld' | 'dismissed', reason: string, decidedBy: Actor, decidedAt: string }): Promise<boolean> {
  const { rows } = await tx.query(
    `INSERT INTO rating_appeal_decisions (appeal_id, decision, reason, decided_by, decided_at) VALUES ($1, $2, $3, $4::jsonb, $5)
     ON CONFLICT (appeal_id) DO NOTHING RETURNING 1`,
    [d.appealId, d.decision, d.reason, JSON.stringify(d.decidedBy), d.decidedAt])
  return rows.length === 1
}

/** Oldest first; `pending` keeps the undecided ones. */
export async function listAppeals (db: Queryable, f: { townPrefix: string, pending?: boolean, limit: number }): Promise<AppealRow[]> {
  const { rows } = await db.query(
    `${APPEAL_SELECT} WHERE a.town LIKE $1 ${f.pending ? 'AND d.appeal_id IS NULL' : ''} ORDER BY a.appealed_at, a.id LIMIT $2`,
    [`${f.townPrefix}%`, f.limit])
  return rows.map(toAppeal)
}
