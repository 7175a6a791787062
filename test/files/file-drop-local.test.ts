// File drops from a local directory, through the scheduler, queue and worker: a GB18030 CSV with
// CRLF line ends and quoted line breaks is stored, checked against its manifest and imported once;
// the same bytes seen again are skipped; a file failing its check is set aside whole and reported;
// its corrected version is imported; an import stopped midway, or killed, resumes without
// repeating or losing a row.
import { stat, utimes, writeFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { eventually, REDIS_BASE_URL, stores, tempDir } from '../helpers.ts'
import { dropPlatform, files, fromFile } from './drop-kit.ts'
import { writeDrop, writeManifest } from './drop-data.ts'
import { isQuirky } from '../../adapters/household-registration/data.ts'
import { processFile, fileJobId } from '../../src/sync/file-drop.ts'
import { FileBytes } from '../../src/store/file-bytes.ts'
import { syncStatus } from '../../src/sync/status.ts'
import { queuesOf } from '../../src/queues/queues.ts'
import { localDirectory } from '../../src/department/files/local.ts'
import { createHash } from 'node:crypto'

const SEED = 11
const quirky = (from: number, count: number): number => Array.from({ length: count }, (_, i) => isQuirky(SEED, from + i)).filter(Boolean).length

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`a file drop in a directory is imported once, failures set aside whole (${store})`, async (t) => {
    const { db } = await stores[store](t)
    const drop = await tempDir(t)
    const kit = await dropPlatform(t, db, { redisIndex: store === 'pglite' ? 20 : 21, instance: { files: { dir: drop } } })
    const first = await writeDrop(drop, 'RK_20261201.csv', { seed: SEED, count: 300 })
    // A data file without its manifest is still uploading: not taken.
    await writeDrop(drop, 'RK_20261203.csv', { seed: SEED, from: 900, count: 10, manifest: false })
    await kit.start()

    const [imported] = await eventually(async () => { const f = await files(db); return f[0]?.status === 'done' && f })
    t.match(imported, { name: 'RK_20261201.csv', rows_total: 300, rows_done: 300, rows_quarantined: quirky(0, 300), rows_ok: 300 - quirky(0, 300) })
    t.equal(imported!.content_hash, createHash('sha256').update(await readFile(first.path)).digest('hex'), 'recorded under the SHA-256 of its bytes')
    t.equal((await stat(join(kit.dataDir, 'files', 'persons-drop', imported!.content_hash.slice(0, 2), imported!.content_hash))).size, first.bytes, 'its bytes are kept in the data directory')
    const counts = await fromFile(db, 'RK_20261201.csv')
    t.same(counts, { persons: 300 - quirky(0, 300), quarantined: quirky(0, 300) }, 'every row unified or quarantined')
    // One row in ten has a remark over two lines: each sourceId names the line its row starts on.
    const { rows: ids } = await db.query<{ id: string }>(
      `SELECT s.value->>'sourceId' AS id FROM persons, jsonb_each(sources) s WHERE s.value->>'sourceId' LIKE 'RK_20261201.csv#%'
       UNION SELECT source_id FROM quarantine WHERE source_id LIKE 'RK_20261201.csv#%'`)
    const startLine = (i: number): number => 2 + i + Math.ceil(i / 10)
    t.same(ids.map((r) => r.id).sort(), Array.from({ length: 300 }, (_, i) => `RK_20261201.csv#${startLine(i)}`).sort())
    t.equal((await files(db)).length, 1, 'the file without its manifest waits')
    t.match((await syncStatus(kit.platform))[0], { adapter: 'persons-drop', mode: 'files', lastSuccess: String, backlog: Number }, 'the status board shows a file drop')
    t.same(queuesOf(kit.instance.queues).map(([kind]) => kind), ['ingest', 'files'])

    // The same bytes again (rewritten: a new modification time) are recognised and skipped.
    const history = async (): Promise<number> => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM record_history')).rows[0]!.n
    const before = await history()
    const later = new Date(Date.now() + 5000)
    await utimes(first.path, later, later)
    await eventually(async () => kit.logLines.some((l) => l.includes('same bytes: skipped')))
    t.equal((await files(db)).length, 1, 'seen again: no second file')
    t.equal(await history(), before, 'nothing imported again')

    // A truncated file whose manifest says more: set aside, none of its rows imported.
    const full = await writeDrop(drop, 'RK_20261202.csv', { seed: SEED, from: 300, count: 200 })
    const bytes = await readFile(full.path)
    await writeFile(full.path, bytes.subarray(0, Math.floor(bytes.length * 0.6)))
    const rejected = await eventually(async () => (await files(db)).find((f) => f.name === 'RK_20261202.csv' && f.status === 'rejected'))
    t.match(rejected, { reason_code: 'TB_FILE_INTEGRITY', rows_done: 0, error: /sm3 digest is [0-9a-f]{64}, but its manifest says/ })
    t.same(await fromFile(db, 'RK_20261202.csv'), { persons: 0, quarantined: 0 }, 'never half-imported')
    t.ok(kit.logLines.some((l) => l.includes('file set aside') && l.includes('TB_FILE_INTEGRITY')), 'reported in the log')
    const metrics = await kit.platform.metrics.registry.getSingleMetricAsString('tongban_files_total')
    t.match(metrics, /tongban_files_total\{adapter="persons-drop",outcome="rejected"\} 1/, 'and counted')

    // The department delivers it again, whole: a different hash, imported.
    await writeFile(full.path, bytes)
    const corrected = await eventually(async () => (await files(db)).find((f) => f.name === 'RK_20261202.csv' && f.status === 'done'))
    t.equal(corrected!.rows_done, 200)
    const { rows: superseded } = await db.query<{ status: string, by: string | null }>("SELECT status, superseded_by::text AS by FROM file_inbox WHERE name = 'RK_20261202.csv' ORDER BY id")
    t.match(superseded, [{ status: 'rejected', by: String }, { status: 'done', by: null }], 'the same name with other bytes supersedes the file set aside')
    t.same(await fromFile(db, 'RK_20261202.csv'), { persons: 200 - quirky(300, 200), quarantined: quirky(300, 200) })

    // A file that is not GB18030 (a manifest that matches it): unreadable, set aside whole.
    const broken = Buffer.concat([Buffer.from('GMSFHM,XM\r\n320412199001011234,'), Buffer.from([0x81, 0x20]), Buffer.from('\r\n')])
    await writeFile(join(drop, 'RK_20261204.csv'), broken)
    await writeManifest(drop, 'RK_20261204.csv', 1, createHash('sm3').update(broken).digest('hex'))
    const unreadable = await eventually(async () => (await files(db)).find((f) => f.name === 'RK_20261204.csv' && f.status === 'rejected'))
    t.match(unreadable, { reason_code: 'TB_FILE_UNREADABLE', error: /not valid GB18030 text/ })
  })
}

t.test('an import stopped midway resumes from its checkpoint and repeats no row', async (t) => {
  const { db } = await stores.postgres(t)
  const drop = await tempDir(t)
  const kit = await dropPlatform(t, db, { redisIndex: 22, instance: { files: { dir: drop } }, adapter: undefined })
  const adapter = { ...kit.instance.adapter, files: { ...kit.instance.adapter.files!, batchRows: 50 } }
  kit.instance.adapter = adapter
  const written = await writeDrop(drop, 'RK_20261205.csv', { seed: SEED, count: 230 })
  const info = await stat(written.path)
  const data = { name: 'RK_20261205.csv', size: info.size, modifiedAt: info.mtime.toISOString() }
  const bytes = new FileBytes(join(kit.dataDir, 'files', 'persons-drop'))
  const source = localDirectory(drop)
  let batches = 0
  const ctx = { platform: kit.platform, instance: kit.instance, source, bytes, stopping: () => ++batches >= 2 }
  await t.rejects(processFile(ctx, data), { name: 'ImportPaused', message: /paused at row 100/ }, 'the worker stops after the batch in hand')
  t.match((await files(db))[0], { status: 'importing', rows_done: 100, rows_total: 230 }, 'two batches committed, with the checkpoint')

  // The retry finds the stored file and goes on from row 100.
  const outcome = await processFile({ ...ctx, stopping: () => false }, data)
  t.match(outcome, { status: 'imported', ok: 130 - quirky(100, 130), quarantined: quirky(100, 130) })
  t.match((await files(db))[0], { status: 'done', rows_done: 230, rows_ok: 230 - quirky(0, 230), rows_quarantined: quirky(0, 230) })
  t.same(await fromFile(db, 'RK_20261205.csv'), { persons: 230 - quirky(0, 230), quarantined: quirky(0, 230) })
  t.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM record_history')).rows[0]!.n, 0, 'no row applied twice')
  t.match(await processFile(ctx, data), { status: 'skipped' }, 'and once done, it is done')
  t.ok(fileJobId(data).startsWith('file-'))
})

t.test('a worker killed mid-import: the file is resumed by another and no row is lost or doubled', async (t) => {
  const { db, url } = await stores.postgres(t)
  const drop = await tempDir(t)
  const kit = await dropPlatform(t, db, { redisIndex: 25, instance: { files: { dir: drop } } })
  const written = await writeDrop(drop, 'RK_20261206.csv', { seed: SEED, count: 3000 })
  const info = await stat(written.path)
  const data = { name: 'RK_20261206.csv', size: info.size, modifiedAt: info.mtime.toISOString() }
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./import-child.ts', import.meta.url).pathname,
    JSON.stringify({ databaseUrl: url, redisUrl: `${REDIS_BASE_URL}/25`, dataDir: kit.dataDir, drop, file: data, batchRows: 10 })], { stdio: 'inherit' })
  const exited = once(child, 'exit')
  const rowsDone = async (): Promise<number> => (await files(db))[0]?.rows_done ?? 0
  await eventually(async () => await rowsDone() >= 200, 120_000, 20)
  child.kill('SIGKILL')
  await exited
  const [stopped] = await files(db)
  t.equal(stopped!.status, 'importing', 'killed mid-import')
  t.ok(stopped!.rows_done > 0 && stopped!.rows_done < 3000 && stopped!.rows_done % 10 === 0, `only whole batches committed (${stopped!.rows_done} rows)`)

  const source = localDirectory(drop)
  const bytes = new FileBytes(join(kit.dataDir, 'files', 'persons-drop'))
  const outcome = await processFile({ platform: kit.platform, instance: kit.instance, source, bytes, stopping: () => false }, data)
  t.match(outcome, { status: 'imported' })
  t.match((await files(db))[0], { status: 'done', rows_done: 3000, rows_ok: 3000 - quirky(0, 3000), rows_quarantined: quirky(0, 3000) })
  t.same(await fromFile(db, 'RK_20261206.csv'), { persons: 3000 - quirky(0, 3000), quarantined: quirky(0, 3000) })
  t.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM record_history')).rows[0]!.n, 0, 'no row applied twice')
})

t.test('fetched files are kept for files.keep once finished, then their bytes are deleted', async (t) => {
  const db = (await stores.pglite(t)).db
  const drop = await tempDir(t)
  const kit = await dropPlatform(t, db, { redisIndex: 26, instance: { files: { dir: drop, keep: '1ms' } } })
  await writeDrop(drop, 'RK_20261207.csv', { seed: SEED, count: 20 })
  await kit.start()
  const [done] = await eventually(async () => { const f = await files(db); return f[0]?.status === 'done' && f })
  const kept = join(kit.dataDir, 'files', 'persons-drop', done!.content_hash.slice(0, 2), done!.content_hash)
  await eventually(async () => (await db.query<{ at: Date | null }>('SELECT bytes_removed_at AS at FROM file_inbox')).rows[0]!.at)
  await t.rejects(stat(kept), { code: 'ENOENT' }, 'the bytes are gone')
  t.equal((await files(db)).length, 1, 'the file stays in the inbox, recognised when the drop shows it again')
})

t.test('a file set aside for a wrong manifest is imported once the department corrects the manifest', async (t) => {
  const db = (await stores.pglite(t)).db
  const drop = await tempDir(t)
  const kit = await dropPlatform(t, db, { redisIndex: 27, instance: { files: { dir: drop } } })
  const written = await writeDrop(drop, 'RK_20261208.csv', { seed: SEED, count: 30, manifest: false })
  await writeManifest(drop, 'RK_20261208.csv', 31, written.sm3)
  await kit.start()
  const rejected = await eventually(async () => (await files(db)).find((f) => f.status === 'rejected'))
  t.match(rejected, { reason_code: 'TB_FILE_INTEGRITY', error: /30 rows, but its manifest says 31/ })
  await writeManifest(drop, 'RK_20261208.csv', 30, written.sm3)
  const [done, ...more] = await eventually(async () => { const f = await files(db); return f[0]?.status === 'done' && f })
  t.match(done, { rows_done: 30, reason_code: null, error: null })
  t.equal(more.length, 0, 'the same file, checked again')
})
