// One stored file, checked and then imported. The check reads the whole file before any row is
// committed — size and digest against the manifest, every row readable in the declared charset and
// format, the row count — so a file that fails it is set aside whole, never half-imported. The
// import reads it again, a batch at a time: each batch's records are committed, then its
// quarantine with the file's checkpoint (rows done), in file order (lanes.ts). An import
// interrupted anywhere resumes after the last checkpoint; rows stored past it are applied again,
// which changes nothing, and rows before it are skipped.
import { createHash } from 'node:crypto'
import { readFileRecords, type FileExpectation, type FileInfo, type RawRecord } from '../adapter-sdk/index.ts'
import type { FileDrop } from '../adapter-sdk/index.ts'
import { isTongbanError } from '../errors.ts'
import type { Instance, Platform } from '../platform.ts'
import { fieldKeyOf, mapReceived } from '../pipeline/decrypt.ts'
import { countCommitted } from '../pipeline/commit.ts'
import { laneWriter } from '../pipeline/lanes.ts'
import type { FileBytes } from '../store/file-bytes.ts'
import type { Queryable } from '../store/db.ts'
import { advanceImport, finishImport, type FileRow } from '../store/file-inbox.ts'

/** What a file's import needs of the platform (the conformance kit gives it a store of its own). */
export type FilePlatform = Pick<Platform, 'db' | 'logger' | 'metrics' | 'survivorship' | 'vault' | 'audit'>

export type CheckVerdict = { ok: true, rows: number } | { ok: false, code: string, message: string }

const infoOf = (row: FileRow): FileInfo => ({ name: row.name, size: row.size, modifiedAt: row.modifiedAt })

function expectationOf (drop: FileDrop, row: FileRow): FileExpectation | CheckVerdict {
  if (!drop.manifest) return {}
  if (!row.manifest) return { ok: false, code: 'TB_FILE_INTEGRITY', message: `File ${row.name} failed its integrity check: its manifest was missing or larger than 64 KiB when it was fetched` }
  try {
    return drop.manifest.parse(row.manifest, row.name)
  } catch (err) {
    if (!isTongbanError(err)) throw err
    return { ok: false, code: err.code, message: err.message }
  }
}

const integrity = (row: FileRow, why: string): CheckVerdict => ({ ok: false, code: 'TB_FILE_INTEGRITY', message: `File ${row.name} failed its integrity check: ${why}` })

/** Reads the stored file through: does it hold what its manifest says, and can every row be read? */
export async function checkFile (drop: FileDrop, bytes: FileBytes, row: FileRow): Promise<CheckVerdict> {
  const expected = expectationOf(drop, row)
  if ('ok' in expected) return expected
  if (expected.bytes !== undefined && expected.bytes !== row.size) return integrity(row, `${row.size} bytes, but its manifest says ${expected.bytes} (truncated?)`)
  if (expected.digest) {
    const hasher = createHash(expected.digest.algorithm)
    for await (const chunk of bytes.read(row.contentHash)) hasher.update(chunk)
    const actual = hasher.digest('hex')
    if (actual !== expected.digest.hex.toLowerCase()) return integrity(row, `its ${expected.digest.algorithm} digest is ${actual}, but its manifest says ${expected.digest.hex.toLowerCase()}`)
  }
  let rows = 0
  try {
    for await (const _ of readFileRecords(drop, bytes.read(row.contentHash), infoOf(row))) rows++
  } catch (err) {
    if (!isTongbanError(err)) throw err
    return { ok: false, code: err.code, message: err.message }
  }
  if (expected.rows !== undefined && expected.rows !== rows) return integrity(row, `${rows} rows, but its manifest says ${expected.rows}`)
  return { ok: true, rows }
}

/** How many mapped batches may wait for their commit while the file is read on. */
const BATCHES_AHEAD = 2

/** A worker stopping mid-file: the job is retried, and resumes at the checkpoint. */
export class ImportPaused extends Error {
  constructor (row: FileRow, done: number) {
    super(`import of file ${row.name} paused at row ${done} for shutdown; it resumes there`)
    this.name = 'ImportPaused'
  }
}

/** Imports a checked file from its checkpoint on; answers the rows imported and quarantined in this run. */
export async function importFile (
  ctx: { platform: FilePlatform, instance: Pick<Instance, 'config' | 'adapter'>, bytes: FileBytes, stopping: () => boolean },
  row: FileRow,
  /** Runs in the transaction that marks the file done, so what follows from it is seen with it. */
  finished: (tx: Queryable) => Promise<void>,
): Promise<{ ok: number, quarantined: number }> {
  const { platform, instance } = ctx
  const drop = instance.adapter.files!
  const batchRows = drop.batchRows ?? 1000
  let done = row.rowsDone
  const totals = { ok: 0, quarantined: 0 }
  const key = await fieldKeyOf(platform, instance)
  // Batches commit in file order with their checkpoint; the next ones are read, mapped and split
  // into lanes meanwhile (lanes.ts).
  const writer = laneWriter(platform, instance, BATCHES_AHEAD)
  const commit = async (batch: RawRecord[]): Promise<void> => {
    const mapped = mapReceived(instance.adapter, key, batch)
    const counts = { rows: batch.length, ok: mapped.records.length, quarantined: mapped.rejections.length }
    const from = done
    done += batch.length
    await writer.write(mapped, async (tx) => {
      if (!await advanceImport(tx, row.id, from, counts)) throw new Error(`file ${row.name} (${row.id}) is no longer at row ${from}: another worker imported it`)
    }, () => {
      countCommitted(platform, instance, counts)
      totals.ok += counts.ok
      totals.quarantined += counts.quarantined
    })
  }
  try {
    let index = 0
    let batch: RawRecord[] = []
    for await (const raw of readFileRecords(drop, ctx.bytes.read(row.contentHash), infoOf(row))) {
      if (index++ < done) continue
      batch.push(raw)
      if (batch.length < batchRows) continue
      await commit(batch)
      batch = []
      if (ctx.stopping() && done < (row.rowsTotal ?? Infinity)) {
        await writer.settled()
        throw new ImportPaused(row, done)
      }
    }
    if (batch.length > 0) await commit(batch)
  } finally {
    // A failed import leaves no commit running behind it (its retry resumes at the checkpoint).
    await writer.settled().catch(() => {})
  }
  await writer.settled()
  await platform.db.transaction(async (tx) => {
    await finishImport(tx, row.id)
    await finished(tx)
  })
  return totals
}
