// The file inbox: each file a file drop delivered, its bytes' hash and where it came from, and how
// its import went — checked, set aside with the reason, or imported (with the rows done so far, the
// checkpoint an interrupted import resumes from).
import type { Queryable } from './db.ts'
import { whereClause } from './filters.ts'

export const FILE_STATUSES = ['stored', 'importing', 'done', 'rejected'] as const
export type FileStatus = (typeof FILE_STATUSES)[number]

export interface IncomingFile {
  adapter: string
  name: string
  /** Where it was fetched from (`sftp://host:port/dir`, a directory path). */
  source: string
  hash: string
  size: number
  modifiedAt: Date
  /** The manifest's bytes as delivered beside the file. */
  manifest: Buffer | undefined
}

export interface FileRow {
  id: number
  adapter: string
  name: string
  source: string
  contentHash: string
  size: number
  modifiedAt: Date
  fetchedAt: Date
  manifest: Buffer | null
  status: FileStatus
  rowsTotal: number | null
  rowsDone: number
  rowsOk: number
  rowsQuarantined: number
  reasonCode: string | null
  error: string | null
  finishedAt: Date | null
  bytesRemovedAt: Date | null
  /** A set-aside file's correction, once imported: it no longer counts as set aside. */
  supersededBy: number | null
}

const COLUMNS = `id, adapter, name, source, content_hash, size, modified_at, fetched_at, manifest, status, rows_total, rows_done,
  rows_ok, rows_quarantined, reason_code, error, finished_at, bytes_removed_at, superseded_by`

interface Row {
  id: number, adapter: string, name: string, source: string, content_hash: string, size: number, modified_at: Date, fetched_at: Date,
  manifest: Uint8Array | null, status: FileStatus, rows_total: number | null, rows_done: number, rows_ok: number, rows_quarantined: number,
  reason_code: string | null, error: string | null, finished_at: Date | null, bytes_removed_at: Date | null, superseded_by: string | number | null
}

function toFile (r: Row): FileRow {
  return {
    id: r.id,
    adapter: r.adapter,
    name: r.name,
    source: r.source,
    contentHash: r.content_hash,
    size: r.size,
    modifiedAt: r.modified_at,
    fetchedAt: r.fetched_at,
    manifest: r.manifest && Buffer.from(r.manifest),
    status: r.status,
    rowsTotal: r.rows_total,
    rowsDone: r.rows_done,
    rowsOk: r.rows_ok,
    rowsQuarantined: r.rows_quarantined,
    reasonCode: r.reason_code,
    error: r.error,
    finishedAt: r.finished_at,
    bytesRemovedAt: r.bytes_removed_at,
    supersededBy: r.superseded_by === null ? null : Number(r.superseded_by),
  }
}

/** The file recorded for a listing entry (same name, size and modification time), if any: the drop shows it again. */
export async function fileByListing (db: Queryable, adapter: string, file: { name: string, size: number, modifiedAt: Date }): Promise<FileRow | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM file_inbox WHERE adapter = $1 AND name = $2 AND size = $3 AND modified_at = $4 ORDER BY id DESC LIMIT 1`,
    [adapter, file.name, file.size, file.modifiedAt])
  return rows[0] && toFile(rows[0])
}

/**
 * Records a stored file. The same name with the same bytes is the file already recorded (`fresh:
 * false`), whatever its status: it is never imported twice. It then takes the listing's modification
 * time, so the drop showing it again is recognised without fetching it.
 */
export async function recordFile (db: Queryable, file: IncomingFile): Promise<{ row: FileRow, fresh: boolean }> {
  const { rows } = await db.query<Row & { fresh: boolean }>(
    `INSERT INTO file_inbox (adapter, name, source, content_hash, size, modified_at, manifest) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (adapter, name, content_hash) DO UPDATE SET modified_at = EXCLUDED.modified_at
     RETURNING ${COLUMNS}, (xmax = 0) AS fresh`,
    [file.adapter, file.name, file.source, file.hash, file.size, file.modifiedAt, file.manifest ?? null])
  return { row: toFile(rows[0]!), fresh: rows[0]!.fresh }
}

export async function loadFile (db: Queryable, id: number): Promise<FileRow | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM file_inbox WHERE id = $1`, [id])
  return rows[0] && toFile(rows[0])
}

/** An adapter's files whose import has not finished (stored but not checked, or interrupted). */
export async function unfinishedFiles (db: Queryable, adapter: string): Promise<FileRow[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM file_inbox WHERE adapter = $1 AND status IN ('stored', 'importing') ORDER BY id`, [adapter])
  return rows.map(toFile)
}

/** A file set aside whose manifest the department has since corrected: checked again with the new one. */
export async function recheck (db: Queryable, id: number, manifest: Buffer): Promise<boolean> {
  const { rows } = await db.query<{ id: number }>(
    "UPDATE file_inbox SET status = 'stored', manifest = $2, reason_code = NULL, error = NULL, finished_at = NULL WHERE id = $1 AND status = 'rejected' RETURNING id",
    [id, manifest])
  return rows.length === 1
}

/** The file passed its check: its import starts, from row 0. */
export async function startImport (db: Queryable, id: number, rowsTotal: number): Promise<void> {
  await db.query("UPDATE file_inbox SET status = 'importing', rows_total = $2 WHERE id = $1 AND status = 'stored'", [id, rowsTotal])
}

/** The file failed its check: set aside whole, with the reason. */
export async function setAside (db: Queryable, id: number, reason: { code: string, message: string }): Promise<void> {
  await db.query("UPDATE file_inbox SET status = 'rejected', reason_code = $2, error = $3, finished_at = now() WHERE id = $1 AND status = 'stored'",
    [id, reason.code, reason.message])
}

/**
 * Moves the checkpoint past a committed batch, in the batch's transaction. False when the file is no
 * longer at `from` (another worker imported these rows): the caller rolls its batch back.
 */
export async function advanceImport (tx: Queryable, id: number, from: number, batch: { rows: number, ok: number, quarantined: number }): Promise<boolean> {
  const { rows } = await tx.query<{ id: number }>(
    `UPDATE file_inbox SET rows_done = rows_done + $3, rows_ok = rows_ok + $4, rows_quarantined = rows_quarantined + $5
     WHERE id = $1 AND status = 'importing' AND rows_done = $2 RETURNING id`,
    [id, from, batch.rows, batch.ok, batch.quarantined])
  return rows.length === 1
}

export async function finishImport (db: Queryable, id: number): Promise<void> {
  await db.query("UPDATE file_inbox SET status = 'done', finished_at = now() WHERE id = $1 AND status = 'importing' AND rows_done = rows_total", [id])
}

/** An adapter's hashes whose files are all finished and were all fetched before `cutoff`: their bytes have been kept long enough. */
export async function expiredBytes (db: Queryable, adapter: string, cutoff: Date, limit = 100): Promise<string[]> {
  const { rows } = await db.query<{ content_hash: string }>(
    `SELECT content_hash FROM file_inbox WHERE adapter = $1 AND bytes_removed_at IS NULL GROUP BY content_hash
     HAVING max(fetched_at) < $2 AND bool_and(status IN ('done', 'rejected')) LIMIT $3`, [adapter, cutoff, limit])
  return rows.map((r) => r.content_hash)
}

export async function markBytesRemoved (db: Queryable, adapter: string, hash: string): Promise<void> {
  await db.query('UPDATE file_inbox SET bytes_removed_at = now() WHERE adapter = $1 AND content_hash = $2 AND bytes_removed_at IS NULL', [adapter, hash])
}

export async function listFiles (db: Queryable, filter: { adapter?: string | undefined, status?: FileStatus | undefined, superseded?: boolean | undefined, beforeId?: number | undefined, limit: number }): Promise<FileRow[]> {
  const { where, params } = whereClause([
    ['adapter = ?', filter.adapter],
    ['status = ?', filter.status],
    ['id < ?', filter.beforeId],
  ])
  const superseded = filter.superseded === undefined ? '' : `${where === '' ? 'WHERE' : ' AND'} superseded_by IS ${filter.superseded ? 'NOT ' : ''}NULL`
  params.push(filter.limit)
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM file_inbox ${where}${superseded} ORDER BY id DESC LIMIT $${params.length}`, params)
  return rows.map(toFile)
}

/** Files set aside and not superseded, by adapter: what someone must still look at. */
export async function setAsideCounts (db: Queryable): Promise<Map<string, number>> {
  const { rows } = await db.query<{ adapter: string, n: number }>(
    "SELECT adapter, count(*)::int AS n FROM file_inbox WHERE status = 'rejected' AND superseded_by IS NULL GROUP BY adapter")
  return new Map(rows.map((r) => [r.adapter, r.n]))
}

/** An adapter's files set aside and not superseded that were fetched before the file `id` (its possible corrections' targets). */
export async function openSetAsideBefore (db: Queryable, adapter: string, id: number): Promise<Array<{ id: number, name: string }>> {
  const { rows } = await db.query<{ id: string | number, name: string }>(
    "SELECT id, name FROM file_inbox WHERE adapter = $1 AND status = 'rejected' AND superseded_by IS NULL AND id < $2 ORDER BY id", [adapter, id])
  return rows.map((r) => ({ id: Number(r.id), name: r.name }))
}

/** An adapter's files imported after the file `id` (fetched later), oldest first: what may already correct it. */
export async function importedAfter (db: Queryable, adapter: string, id: number): Promise<Array<{ id: number, name: string }>> {
  const { rows } = await db.query<{ id: string | number, name: string }>(
    "SELECT id, name FROM file_inbox WHERE adapter = $1 AND status = 'done' AND id > $2 ORDER BY id", [adapter, id])
  return rows.map((r) => ({ id: Number(r.id), name: r.name }))
}

/** Files set aside that the imported file `by` corrects: no longer counted as set aside. */
export async function supersede (db: Queryable, ids: readonly number[], by: number): Promise<void> {
  if (ids.length === 0) return
  await db.query("UPDATE file_inbox SET superseded_by = $2 WHERE id = ANY($1::bigint[]) AND status = 'rejected' AND superseded_by IS NULL", [ids, by])
}
