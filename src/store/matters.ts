// Service matters per town: every version from the catalogue or a local grant, the county's 赋权
// decisions, and which matters a town's window offers on a given day.
import type { Db, Queryable } from './db.ts'
import type { Matter } from '../model/matter.ts'
import { recordPage, saveCursor } from './sync.ts'

export type MatterOrigin = 'catalogue' | 'local'

export interface StoredMatterVersion {
  town: string
  origin: MatterOrigin
  /** The adapter instance whose catalogue sent it; null for a local matter. */
  source: string | null
  storedAt: string
  matter: Matter
}

/** A matter as the window offers it on a day: `local` when a county grant puts it there. */
export interface OfferedMatter {
  origin: MatterOrigin
  /** The grant that offers it (origin local). */
  decisionId: number | null
  matter: Matter
}

export type DecisionAction = 'grant' | 'withdraw'

export interface MatterDecision {
  id: number
  town: string
  taskHandleItem: string
  action: DecisionAction
  /** The local matter version a grant brought; null when it grants the town's catalogue matter. */
  localVersion: number | null
  docNo: string
  decidedOn: string
  effectiveFrom: string
  reason: string
  decidedBy: string
  recordedAt: string
}

/** Of versions sent twice in one batch, the later `updatedAt` (one INSERT may not touch a row twice). */
function latestOfEach (matters: readonly Matter[]): Matter[] {
  const byKey = new Map<string, Matter>()
  for (const m of matters) {
    const key = `${m.taskHandleItem}/${m.version}`
    const seen = byKey.get(key)
    if (!seen || Date.parse(m.updatedAt) > Date.parse(seen.updatedAt)) byKey.set(key, m)
  }
  return [...byKey.values()]
}

/**
 * Stores matter versions of one town; a version already stored is replaced only by one with a
 * later `updatedAt`. Returns how many rows were written (new or replaced).
 */
export async function storeMatterVersions (db: Queryable, town: string, origin: MatterOrigin, source: string | null, matters: readonly Matter[]): Promise<number> {
  if (matters.length === 0) return 0
  const { rows } = await db.query(
    `INSERT INTO matter_versions (town, task_handle_item, origin, version, name, state, effective_from, effective_until, source, updated_at, matter)
     SELECT $1, m->>'taskHandleItem', $2, (m->>'version')::int, m->>'name', m->>'state', (m->>'effectiveFrom')::date,
       (m->>'effectiveUntil')::date, $3, (m->>'updatedAt')::timestamptz, m
     FROM jsonb_array_elements($4::jsonb) AS m
     ON CONFLICT (town, task_handle_item, origin, version) DO UPDATE SET
       name = EXCLUDED.name, state = EXCLUDED.state, effective_from = EXCLUDED.effective_from,
       effective_until = EXCLUDED.effective_until, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at,
       matter = EXCLUDED.matter, stored_at = now()
     WHERE matter_versions.updated_at < EXCLUDED.updated_at
     RETURNING 1 AS written`,
    [town, origin, source, JSON.stringify(latestOfEach(matters))])
  return rows.length
}

export interface CataloguePageToStore {
  instance: string
  /** The cursor's stream name (one per town, see src/matters/sync.ts). */
  stream: string
  town: string
  matters: readonly Matter[]
  cursor: unknown
  runId: number
  /** Versions that failed the model and were not stored. */
  rejected: number
  done: boolean
}

/** One catalogue page: its valid versions, the cursor after it and the run's counts, in one transaction. */
export async function storeCataloguePage (db: Db, page: CataloguePageToStore): Promise<number> {
  return await db.transaction(async (tx) => {
    const written = await storeMatterVersions(tx, page.town, 'catalogue', page.instance, page.matters)
    await saveCursor(tx, page.instance, page.stream, page.cursor, page.done ? null : page.runId)
    await recordPage(tx, page.runId, page.matters.length, page.rejected, page.done)
    return written
  })
}

// Per business item: the newest catalogue version that has begun by the day decides whether the
// catalogue offers it (a withdrawal is a newer version carrying its last day), and the latest
// county decision in force by then overrides that: a withdrawal hides the matter, a grant offers
// its own local version or the catalogue's.
const OFFERED = `
WITH cat AS (
  SELECT DISTINCT ON (task_handle_item) task_handle_item, state, effective_until, matter
  FROM matter_versions
  WHERE town = $1 AND origin = 'catalogue' AND effective_from <= $2::date AND ($3::text IS NULL OR task_handle_item = $3)
  ORDER BY task_handle_item, version DESC
), dec AS (
  SELECT DISTINCT ON (task_handle_item) id, task_handle_item, action, local_version
  FROM matter_decisions
  WHERE town = $1 AND effective_from <= $2::date AND ($3::text IS NULL OR task_handle_item = $3)
  ORDER BY task_handle_item, effective_from DESC, id DESC
), offered AS (
  SELECT COALESCE(d.task_handle_item, c.task_handle_item) AS task_handle_item,
    CASE WHEN d.action = 'grant' THEN 'local' ELSE 'catalogue' END AS origin,
    CASE WHEN d.action = 'grant' THEN COALESCE(l.matter, c.matter) ELSE c.matter END AS matter,
    CASE WHEN d.action = 'grant' THEN d.id END AS decision_id
  FROM cat c
  FULL JOIN dec d ON d.task_handle_item = c.task_handle_item
  LEFT JOIN matter_versions l ON l.town = $1 AND l.task_handle_item = d.task_handle_item AND l.origin = 'local' AND l.version = d.local_version
  WHERE CASE
    WHEN d.action = 'withdraw' THEN false
    WHEN d.action = 'grant' AND d.local_version IS NOT NULL THEN l.effective_until IS NULL OR l.effective_until >= $2::date
    WHEN d.action = 'grant' THEN c.matter IS NOT NULL
    ELSE (c.effective_until IS NULL AND c.state = 'in-force') OR c.effective_until >= $2::date
  END
)
SELECT origin, matter, decision_id FROM offered
WHERE $4::text IS NULL OR matter->>'name' ILIKE $4 OR task_handle_item LIKE $5
ORDER BY task_handle_item`

async function offered (db: Queryable, town: string, on: string, item: string | null, q: string | null): Promise<OfferedMatter[]> {
  const escaped = q === null ? null : q.replace(/[\\%_]/g, '\\$&')
  const { rows } = await db.query<{ origin: MatterOrigin, matter: Matter, decision_id: string | number | null }>(OFFERED,
    [town, on, item, escaped === null ? null : `%${escaped}%`, escaped === null ? null : `${escaped}%`])
  return rows.map((r) => ({ origin: r.origin, decisionId: r.decision_id === null ? null : Number(r.decision_id), matter: r.matter }))
}

/** The matters a town's window offers on day `on` (YYYY-MM-DD); `q` matches the name or a code prefix. In business item code order. */
export async function mattersInForce (db: Queryable, opts: { town: string, on: string, q?: string }): Promise<OfferedMatter[]> {
  const q = opts.q?.trim()
  return await offered(db, opts.town, opts.on, null, q ? q : null)
}

interface VersionRow { town: string, origin: MatterOrigin, source: string | null, stored_at: Date, matter: Matter }
const VERSION_COLUMNS = 'town, origin, source, stored_at, matter'
const versionOf = (r: VersionRow): StoredMatterVersion => ({ town: r.town, origin: r.origin, source: r.source, storedAt: r.stored_at.toISOString(), matter: r.matter })

interface DecisionRow { id: string | number, town: string, task_handle_item: string, action: DecisionAction, local_version: number | null, doc_no: string, decided_on: string, effective_from: string, reason: string, decided_by: string, recorded_at: Date }
const DECISION_COLUMNS = 'id, town, task_handle_item, action, local_version, doc_no, decided_on::text AS decided_on, effective_from::text AS effective_from, reason, decided_by, recorded_at'
const decisionOf = (r: DecisionRow): MatterDecision => ({
  id: Number(r.id), town: r.town, taskHandleItem: r.task_handle_item, action: r.action, localVersion: r.local_version, docNo: r.doc_no,
  decidedOn: r.decided_on, effectiveFrom: r.effective_from, reason: r.reason, decidedBy: r.decided_by, recordedAt: r.recorded_at.toISOString(),
})

export interface MatterHistory {
  /** Every version (newest first; catalogue before local for the same number); withdrawn ones too. */
  versions: StoredMatterVersion[]
  /** What the town's window offers on the day asked, if anything (only when a town is given). */
  inForce: OfferedMatter | null
  /** The county's decisions on it, newest first (only when a town is given). */
  decisions: MatterDecision[]
}

/** A business item's versions and decisions; undefined when neither the catalogue nor the county ever named it (for the town). */
export async function matterOf (db: Queryable, opts: { town?: string, taskHandleItem: string, on: string }): Promise<MatterHistory | undefined> {
  const town = opts.town ?? null
  const { rows } = await db.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM matter_versions WHERE task_handle_item = $1 AND ($2::text IS NULL OR town = $2)
     ORDER BY version DESC, origin, town`, [opts.taskHandleItem, town])
  const decisions = town === null ? [] : await decisionsOf(db, { town, taskHandleItem: opts.taskHandleItem })
  if (rows.length === 0 && decisions.length === 0) return undefined
  const inForce = town === null ? null : (await offered(db, town, opts.on, opts.taskHandleItem, null))[0] ?? null
  return { versions: rows.map(versionOf), inForce, decisions }
}

/**
 * Exactly one version of a business item, whatever its state or dates (a case opened under it reads
 * it after a withdrawal): the town's when given, the catalogue's before a local one, else the most
 * recently updated of any town.
 */
export async function matterVersion (db: Queryable, taskHandleItem: string, version: number, town?: string): Promise<StoredMatterVersion | undefined> {
  const { rows } = await db.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM matter_versions WHERE task_handle_item = $1 AND version = $2 AND ($3::text IS NULL OR town = $3)
     ORDER BY origin, updated_at DESC LIMIT 1`, [taskHandleItem, version, town ?? null])
  return rows[0] && versionOf(rows[0])
}

export interface NewDecision {
  town: string
  taskHandleItem: string
  action: DecisionAction
  docNo: string
  decidedOn: string
  effectiveFrom: string
  reason: string
  decidedBy: string
  /** For a grant of a matter the town's catalogue lacks: its local version, stored with the decision. */
  matter?: Matter
}

/** Appends a decision (and the local version a grant brings) in one transaction. */
export async function recordDecision (db: Db, d: NewDecision): Promise<MatterDecision> {
  return await db.transaction(async (tx) => {
    if (d.matter) await storeMatterVersions(tx, d.town, 'local', null, [d.matter])
    const { rows } = await tx.query<DecisionRow>(
      `INSERT INTO matter_decisions (town, task_handle_item, action, local_version, doc_no, decided_on, effective_from, reason, decided_by)
       VALUES ($1, $2, $3, $4, $5, $6::date, $7::date, $8, $9) RETURNING ${DECISION_COLUMNS}`,
      [d.town, d.taskHandleItem, d.action, d.matter?.version ?? null, d.docNo, d.decidedOn, d.effectiveFrom, d.reason, d.decidedBy])
    return decisionOf(rows[0]!)
  })
}

/** Decisions for towns whose code starts with `prefix` (or one town, or one item of it), newest first. */
export async function decisionsOf (db: Queryable, opts: { town?: string, prefix?: string, taskHandleItem?: string, limit?: number }): Promise<MatterDecision[]> {
  const { rows } = await db.query<DecisionRow>(
    `SELECT ${DECISION_COLUMNS} FROM matter_decisions
     WHERE ($1::text IS NULL OR town = $1) AND ($2::text IS NULL OR starts_with(town, $2)) AND ($3::text IS NULL OR task_handle_item = $3)
     ORDER BY id DESC LIMIT $4`,
    [opts.town ?? null, opts.prefix ?? null, opts.taskHandleItem ?? null, opts.limit ?? 1000])
  return rows.map(decisionOf)
}

/** Whether the town's catalogue ever listed the business item (any version, any state). */
export async function inCatalogue (db: Queryable, town: string, taskHandleItem: string): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM matter_versions WHERE town = $1 AND task_handle_item = $2 AND origin = 'catalogue' LIMIT 1", [town, taskHandleItem])
  return rows.length > 0
}
