// File drops, from the drop to the store. A scheduled job looks at the drop and queues one job per
// complete file not yet finished (and per file whose import was interrupted). A file job fetches the
// file into the content-addressed store and records it in the file inbox before reading a row of
// it; the same name with the same bytes is the file already recorded, so it is imported once. Then
// the file is checked (and set aside whole if it fails) and imported (file-import.ts).
import { createHash } from 'node:crypto'
import type { Job } from 'bullmq'
import { manifestName, type FileInfo } from '../adapter-sdk/index.ts'
import type { Instance } from '../platform.ts'
import { readSmall, type FileSource } from '../department/files/index.ts'
import type { FileBytes } from '../store/file-bytes.ts'
import type { Queryable } from '../store/db.ts'
import { expiredBytes, fileByListing, importedAfter, markBytesRemoved, openSetAsideBefore, recheck, recordFile, setAside, startImport, supersede, unfinishedFiles, type FileRow } from '../store/file-inbox.ts'
import { checkFile, importFile, type FilePlatform } from './file-import.ts'

/** Name of the jobs the scheduler adds; the jobs of single files are named `file`. */
export const LOOK = 'look'

/**
 * A file as listed: a `file` job's data (the name, size and modification time say which version);
 * `manifest`, the digest of a corrected manifest a file set aside is checked again with.
 */
export interface FileJobData { name: string, size: number, modifiedAt: string, manifest?: string }

export interface FileDropContext {
  platform: FilePlatform
  instance: Pick<Instance, 'config' | 'adapter'>
  source: FileSource
  bytes: FileBytes
  /** True once the worker is shutting down: an import stops after the batch in hand. */
  stopping: () => boolean
}

export type FileOutcome = { status: 'skipped' | 'rejected' | 'imported', file: string, ok: number, quarantined: number }

/** Manifests are small; a bigger one is not a manifest. */
const MANIFEST_MAX_BYTES = 64 * 1024
/** Without a manifest: how long a file must be unchanged before it is taken. */
const DEFAULT_SETTLE_MS = 60_000

export function fileJobId (file: FileJobData): string {
  return `file-${createHash('sha1').update(`${file.name}\u0000${file.size}\u0000${file.modifiedAt}\u0000${file.manifest ?? ''}`).digest('hex').slice(0, 24)}`
}

const jobDataOf = (file: { name: string, size: number, modifiedAt: Date }): FileJobData => ({ name: file.name, size: file.size, modifiedAt: file.modifiedAt.toISOString() })
const finished = (row: FileRow): boolean => row.status === 'done' || row.status === 'rejected'

/** Deletes the bytes of this instance's files finished before its retention (`files.keep`). */
async function dropExpiredBytes (ctx: FileDropContext): Promise<void> {
  const { db } = ctx.platform
  const cutoff = new Date(Date.now() - ctx.instance.config.files!.keep)
  for (const hash of await expiredBytes(db, ctx.instance.config.id, cutoff)) {
    await ctx.bytes.remove(hash)
    await markBytesRemoved(db, ctx.instance.config.id, hash)
  }
}

/**
 * The manifest the drop holds now for a file set aside, when it differs from the one it was checked
 * against: the department corrected the manifest, not the data (whose bytes, and so whose name and
 * hash, are the same).
 */
async function correctedManifest (ctx: FileDropContext, row: FileRow): Promise<Buffer | undefined> {
  const drop = ctx.instance.adapter.files!
  if (row.status !== 'rejected' || !drop.manifest) return undefined
  const now = await readSmall(ctx.source, manifestName(drop.manifest, row.name), MANIFEST_MAX_BYTES).catch(() => undefined)
  return now && !(row.manifest?.equals(now) ?? false) ? now : undefined
}

/**
 * What a look at the drop finds to do: each complete file not yet finished (or set aside and since
 * given a corrected manifest), and each import interrupted (a crash, Redis lost its job), listed or not.
 */
export async function dueFiles (ctx: FileDropContext): Promise<FileJobData[]> {
  const { platform, instance } = ctx
  const drop = instance.adapter.files!
  const listed = await ctx.source.list()
  const names = new Set(listed.map((f) => f.name))
  const settleMs = drop.settleMs ?? DEFAULT_SETTLE_MS
  // A data file is complete once its manifest is there (one manifest may cover several files), or,
  // without one, once it stopped changing.
  const complete = (file: FileInfo): boolean => drop.manifest
    ? names.has(manifestName(drop.manifest, file.name))
    : Date.now() - file.modifiedAt.getTime() >= settleMs
  const jobs = new Map<string, FileJobData>()
  for (const file of listed) {
    if (!drop.match.test(file.name) || !complete(file)) continue
    const known = await fileByListing(platform.db, instance.config.id, file)
    const corrected = known && finished(known) ? await correctedManifest(ctx, known) : undefined
    if (known && finished(known) && !corrected) continue
    const data: FileJobData = jobDataOf(file)
    if (corrected) data.manifest = createHash('sha256').update(corrected).digest('hex')
    jobs.set(fileJobId(data), data)
  }
  for (const row of await unfinishedFiles(platform.db, instance.config.id)) {
    const data = jobDataOf(row)
    jobs.set(fileJobId(data), data)
  }
  return [...jobs.values()]
}

/** The scheduled look at the drop: queues a job for each file due. */
export async function lookAtDrop (ctx: FileDropContext & { instance: Instance }): Promise<{ queued: number }> {
  await dropExpiredBytes(ctx)
  const due = await dueFiles(ctx)
  // A job id that exists is not added again: a file already queued or running is not doubled.
  await ctx.instance.queues.files!.addBulk(due.map((data) => ({ name: 'file', data, opts: { jobId: fileJobId(data) } })))
  return { queued: due.length }
}

const sameName = (file: string, setAside: string): boolean => file === setAside

/**
 * A file set aside stays reported until a file correcting it is imported: after an import, the
 * files set aside before that it corrects; after a set-aside, whether a file fetched later (files
 * are taken concurrently) already corrected it.
 */
async function settleCorrections (ctx: FileDropContext, db: Queryable, row: FileRow, outcome: 'imported' | 'rejected'): Promise<void> {
  const { logger } = ctx.platform
  const adapter = ctx.instance.config.id
  const corrects = ctx.instance.adapter.files!.corrects ?? sameName
  if (outcome === 'imported') {
    const corrected = (await openSetAsideBefore(db, adapter, row.id)).filter((f) => corrects(row.name, f.name))
    await supersede(db, corrected.map((f) => f.id), row.id)
    if (corrected.length > 0) logger.info({ adapter, file: row.name, fileId: row.id, corrects: corrected.map((f) => f.name) }, 'file imported corrects files set aside before')
    return
  }
  const correction = (await importedAfter(db, adapter, row.id)).find((f) => corrects(f.name, row.name))
  if (correction) await supersede(db, [row.id], correction.id)
}

/** Fetches a listed file into the store and records it in the file inbox (with its manifest's bytes). */
async function fetchFile (ctx: FileDropContext, file: FileInfo): Promise<{ row: FileRow, fresh: boolean }> {
  const drop = ctx.instance.adapter.files!
  const stored = await ctx.bytes.put(ctx.source.read(file.name))
  const manifest = drop.manifest ? await readSmall(ctx.source, manifestName(drop.manifest, file.name), MANIFEST_MAX_BYTES) : undefined
  return await recordFile(ctx.platform.db, {
    adapter: ctx.instance.config.id,
    name: file.name,
    source: ctx.source.location,
    hash: stored.hash,
    size: stored.size,
    modifiedAt: file.modifiedAt,
    manifest,
  })
}

export async function processFile (ctx: FileDropContext, data: FileJobData): Promise<FileOutcome> {
  const { platform, instance } = ctx
  const { db, logger, metrics } = platform
  const adapter = instance.config.id
  const file: FileInfo = { name: data.name, size: data.size, modifiedAt: new Date(data.modifiedAt) }
  const outcome = (status: FileOutcome['status'], counts = { ok: 0, quarantined: 0 }): FileOutcome => {
    metrics.files.inc({ adapter, outcome: status })
    return { status, file: file.name, ...counts }
  }

  let row = await fileByListing(db, adapter, file)
  if (row && finished(row)) {
    const manifest = await correctedManifest(ctx, row)
    if (!manifest || !await recheck(db, row.id, manifest)) return outcome('skipped')
    logger.info({ adapter, file: file.name, fileId: row.id }, 'file set aside before has a new manifest: checked again')
    row = { ...row, status: 'stored', manifest }
  }
  if (!row || !await ctx.bytes.has(row.contentHash)) {
    const recorded = await fetchFile(ctx, file)
    row = recorded.row
    if (!recorded.fresh && finished(row)) {
      logger.info({ adapter, file: file.name, fileId: row.id, status: row.status }, 'file seen again with the same bytes: skipped')
      return outcome('skipped')
    }
  }

  if (row.status === 'stored') {
    const verdict = await checkFile(instance.adapter.files!, ctx.bytes, row)
    if (!verdict.ok) {
      // In one transaction, so no one sees the file set aside and not yet superseded by a correction.
      await db.transaction(async (tx) => {
        await setAside(tx, row!.id, verdict)
        await settleCorrections(ctx, tx, row!, 'rejected')
      })
      logger.warn({ adapter, file: file.name, fileId: row.id, code: verdict.code, reason: verdict.message }, 'file set aside: none of its rows imported')
      return outcome('rejected')
    }
    await startImport(db, row.id, verdict.rows)
    row = { ...row, status: 'importing', rowsTotal: verdict.rows }
  }
  const imported = row
  const counts = await importFile(ctx, row, async (tx) => { await settleCorrections(ctx, tx, imported, 'imported') })
  logger.info({ adapter, file: file.name, fileId: row.id, rows: row.rowsTotal, resumedAt: row.rowsDone || undefined, ...counts }, 'file imported')
  return outcome('imported', counts)
}

export async function processFileDropJob (ctx: FileDropContext & { instance: Instance }, job: Job<FileJobData | Record<string, never>>): Promise<FileOutcome | { queued: number }> {
  if (job.name === LOOK) return await lookAtDrop(ctx)
  return await processFile(ctx, job.data as FileJobData)
}

export async function scheduleFileDrop (instance: Instance): Promise<void> {
  const drop = instance.adapter.files
  if (!drop || !instance.queues.files) return
  await instance.queues.files.upsertJobScheduler('file-drop', { every: instance.config.every ?? drop.everyMs }, { name: LOOK, data: {} })
}
