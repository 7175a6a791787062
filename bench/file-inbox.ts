// What the file benches share: waiting until the platform has finished the drop's first file, and
// the floor — the same bytes decoded and parsed as they stream (the adapter's reading), rows
// inserted as they are, 1,000 at a time, with no mapping, unify or file inbox.
import { createReadStream } from 'node:fs'
import { readFileRecords, type FileDrop, type FileInfo } from '../src/adapter-sdk/index.ts'
import type { Db } from '../src/store/queryable.ts'
import { openPostgres } from '../src/store/db.ts'
import { createDatabase, dropDatabase } from './database.ts'

export interface FileDone { status: string, rows_done: number, seconds: number | null }

/** Polls the file inbox until the first file is done or set aside; `progress` is told each 50,000 rows. */
export async function waitForFile (db: Db, progress: (rowsDone: number) => void): Promise<FileDone> {
  let status: FileDone | undefined
  for (let shown = 0; status?.status !== 'done' && status?.status !== 'rejected';) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    status = (await db.query<FileDone>(
      'SELECT status, rows_done, extract(epoch FROM finished_at - fetched_at)::float8 AS seconds FROM file_inbox ORDER BY id LIMIT 1')).rows[0]
    if (status && Math.floor(status.rows_done / 50_000) > shown) {
      shown = Math.floor(status.rows_done / 50_000)
      progress(status.rows_done)
    }
  }
  return status
}

/** Seconds to decode, parse and INSERT the file unmapped, in a database of its own made for it. */
export async function floorSeconds (files: FileDrop, path: string, info: FileInfo): Promise<number> {
  const name = `tb_bench_files_floor_${Date.now()}`
  const floor = await openPostgres(await createDatabase(name))
  await floor.query('CREATE TABLE rows (line text, fields jsonb)')
  const started = performance.now()
  let batch: Array<{ line: string, fields: unknown }> = []
  const insert = async (): Promise<void> => {
    await floor.query('INSERT INTO rows (line, fields) SELECT line, fields FROM jsonb_to_recordset($1::jsonb) AS r(line text, fields jsonb)', [JSON.stringify(batch)])
    batch = []
  }
  for await (const raw of readFileRecords(files, createReadStream(path, { highWaterMark: 64 * 1024 }), info)) {
    batch.push({ line: raw.sourceId, fields: raw.fields })
    if (batch.length === 1000) await insert()
  }
  if (batch.length > 0) await insert()
  const seconds = (performance.now() - started) / 1000
  await floor.close()
  await dropDatabase(name)
  return seconds
}
