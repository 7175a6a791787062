// A department that writes a day's files and then one manifest listing them all (the health
// commission's daily exchange), through the scheduler, queue, worker and the gateway over HTTP: no
// file is taken before its day's manifest; each listed file is checked against its own line; a
// file the manifest does not list and a truncated upload are set aside whole and reported (the
// file API, the department page, the tongban_files_set_aside gauge) until a later day's file
// corrects them; a day without files changes nothing; files the department deletes stay in the
// file inbox with their bytes.
import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/runtime/app.ts'
import { localDirectory } from '../../src/department/files/local.ts'
import { FileBytes } from '../../src/store/file-bytes.ts'
import { dueFiles } from '../../src/sync/file-drop.ts'
import { BOOTSTRAP_TOKEN, callApi, eventually, operatorAuth, stores, tempDir, type Json } from '../helpers.ts'
import { dropPlatform, files, fromFile } from './drop-kit.ts'
import { dailyDrop, writeDay } from './daily-drop.ts'
import { writeDrop } from './drop-data.ts'

const SEED = 13

t.test('a per-day manifest over several files; set-aside files reported until corrected', async (t) => {
  const { db } = await stores.pglite(t)
  const drop = await tempDir(t)
  const kit = await dropPlatform(t, db, { redisIndex: 30, instance: { id: 'daily-drop', adapter: 'daily-drop', files: { dir: drop } }, adapter: dailyDrop })
  const app = await buildApp({ platform: kit.platform, adminToken: BOOTSTRAP_TOKEN })
  t.teardown(async () => { await app.close() })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const auth = await operatorAuth(base)
  const ctx = { platform: kit.platform, instance: kit.instance, source: localDirectory(drop), bytes: new FileBytes(join(kit.dataDir, 'files', 'daily-drop')), stopping: () => false }

  // The day's files are written; until its manifest is there, none is taken.
  await writeDrop(drop, 'RK_20261120_001.csv', { seed: SEED, count: 30, manifest: false })
  t.same(await dueFiles(ctx), [], 'no file before its day\'s manifest')
  await writeDay(drop, '20261120', [{ seq: 1, from: 0, count: 30 }, { seq: 2, from: 30, count: 20 }, { seq: 3, from: 50, count: 5, unlisted: true }], SEED)
  t.same((await dueFiles(ctx)).map((f) => f.name).sort(), ['RK_20261120_001.csv', 'RK_20261120_002.csv', 'RK_20261120_003.csv'], 'one manifest completes all of its day\'s files')

  await kit.start()
  const day1 = await eventually(async () => { const f = await files(db); return f.length === 3 && f.every((x) => x.status === 'done' || x.status === 'rejected') && f })
  const byName = (rows: typeof day1, name: string) => rows.find((f) => f.name === name)
  t.match(byName(day1, 'RK_20261120_001.csv'), { status: 'done', rows_total: 30, rows_done: 30 }, 'each file checked against its own line')
  t.match(byName(day1, 'RK_20261120_002.csv'), { status: 'done', rows_total: 20, rows_done: 20 })
  t.match(byName(day1, 'RK_20261120_003.csv'), { status: 'rejected', rows_done: 0, reason_code: 'TB_FILE_INTEGRITY', error: /RK_20261120_003\.csv failed its integrity check: it is not in its manifest \(2 file\(s\) listed\)/ })
  t.same(await fromFile(db, 'RK_20261120_003.csv'), { persons: 0, quarantined: 0 }, 'none of its rows imported')

  // The next day's only file is a truncated upload: its SM3 does not match its line.
  await writeDay(drop, '20261121', [{ seq: 1, from: 100, count: 40, truncate: 0.5 }], SEED)
  const truncated = await eventually(async () => (await files(db)).find((f) => f.name === 'RK_20261121_001.csv' && f.status === 'rejected'))
  t.match(truncated, { reason_code: 'TB_FILE_INTEGRITY', rows_done: 0, error: /sm3 digest is [0-9a-f]{64}, but its manifest says/ })
  t.same(await fromFile(db, 'RK_20261121_001.csv'), { persons: 0, quarantined: 0 }, 'never half-imported')

  // Reported: through the API, on the department page, in /metrics.
  const setAside = await callApi(base, 'GET', '/api/v1/adapters/daily-drop/files?status=rejected&superseded=false', { headers: auth })
  t.equal(setAside.status, 200)
  t.same(setAside.body.items.map((f: Json) => f.name), ['RK_20261121_001.csv', 'RK_20261120_003.csv'], 'newest first')
  t.match(setAside.body.items[0], { status: 'rejected', rowsImported: 0, rowsTotal: null, reasonCode: 'TB_FILE_INTEGRITY', reason: /sm3 digest/, supersededBy: null, sha256: /^[0-9a-f]{64}$/, fetchedAt: String, finishedAt: String, bytesRemovedAt: null })
  const gauge = async (): Promise<string | undefined> => /tongban_files_set_aside\{adapter="daily-drop"\} (\d+)/.exec((await callApi(base, 'GET', '/metrics')).text)?.[1]
  t.equal(await gauge(), '2', 'two files set aside now')
  const page = await departmentPage(base)
  t.match(page, /<h2 id="set-aside-h">搁置的文件<\/h2>/)
  t.match(page, /<td>RK_20261121_001\.csv<\/td>[\s\S]*?<td>TB_FILE_INTEGRITY<\/td><td>(<span title=")?File RK_20261121_001\.csv failed its integrity check: its sm3 digest/, 'each with its reason')
  t.match(page, /<td>RK_20261120_003\.csv<\/td>[\s\S]*?not in its manifest/)

  // Paging, filters, permission and an unknown instance.
  const first = await callApi(base, 'GET', '/api/v1/adapters/daily-drop/files?limit=2', { headers: auth })
  t.same(first.body.items.map((f: Json) => f.name), ['RK_20261121_001.csv', 'RK_20261120_003.csv'])
  const second = await callApi(base, 'GET', `/api/v1/adapters/daily-drop/files?limit=2&cursor=${first.body.next as string}`, { headers: auth })
  t.same(second.body.items.map((f: Json) => f.name).sort(), ['RK_20261120_001.csv', 'RK_20261120_002.csv'])
  t.equal(second.body.next, null)
  t.match((await callApi(base, 'GET', '/api/v1/adapters/daily-drop/files?status=done', { headers: auth })).body.items, [{ status: 'done', rowsImported: Number, rowsTotal: Number }, { status: 'done' }])
  t.match(await callApi(base, 'GET', '/api/v1/adapters/nowhere/files', { headers: auth }), { status: 404, body: { code: 'TB_ADAPTER_NOT_FOUND' } })
  t.match(await callApi(base, 'GET', '/api/v1/adapters/daily-drop/files?cursor=x', { headers: auth }), { status: 400, body: { code: 'TB_CURSOR_INVALID' } })
  t.equal((await callApi(base, 'GET', '/api/v1/adapters/daily-drop/files', { headers: await operatorAuth(base, { roles: ['window-staff'], town: '320412120000' }) })).status, 403, 'operations:read only')

  // The department deletes the first day's files (after 30 days): their inbox rows and bytes stay.
  for (const name of ['RK_20261120_001.csv', 'RK_20261120_002.csv', 'RK_20261120_003.csv', 'RK_20261120.ok']) await rm(join(drop, name))

  // A day without any file and without a manifest changes nothing; then the correction, a new file
  // on a later day, is imported and supersedes the files set aside before it.
  await writeDay(drop, '20261123', [{ seq: 1, from: 100, count: 40 }], SEED)
  const corrected = await eventually(async () => (await files(db)).find((f) => f.name === 'RK_20261123_001.csv' && f.status === 'done'))
  t.equal(corrected!.rows_done, 40)
  const imported = await fromFile(db, 'RK_20261123_001.csv')
  t.equal(imported.persons + imported.quarantined, 40, 'every row of the correction unified or quarantined')
  await eventually(async () => await gauge() === '0')
  t.pass('the gauge is back to 0 once the correction is imported')
  const after = await callApi(base, 'GET', '/api/v1/adapters/daily-drop/files?status=rejected&superseded=true', { headers: auth })
  t.same(after.body.items.map((f: Json) => f.name), ['RK_20261121_001.csv', 'RK_20261120_003.csv'], 'still listed, superseded')
  const correctedId = (await callApi(base, 'GET', '/api/v1/adapters/daily-drop/files?status=done&limit=1', { headers: auth })).body.items[0].id as number
  t.ok(after.body.items.every((f: Json) => f.supersededBy === correctedId), 'by the correction')
  t.match(await departmentPage(base), /没有搁置的文件。/, 'the department page has none left')

  const kept = (await callApi(base, 'GET', '/api/v1/adapters/daily-drop/files?status=done', { headers: auth })).body.items as Json[]
  const deleted = kept.filter((f) => (f.name as string).startsWith('RK_20261120_'))
  t.equal(deleted.length, 2, 'files the department deleted stay in the file inbox')
  for (const f of deleted) {
    t.equal(f.bytesRemovedAt, null)
    t.ok((await stat(join(kit.dataDir, 'files', 'daily-drop', (f.sha256 as string).slice(0, 2), f.sha256 as string))).isFile(), `${f.name as string}: its bytes kept until files.keep`)
  }
  t.equal((await files(db)).length, 5, 'nothing fetched twice')
})

/** The department page's HTML for a county admin (operations:read), signed in over HTTP. */
async function departmentPage (base: string): Promise<string> {
  const username = `ops.${Math.random().toString(36).slice(2, 8)}`
  const password = 'Portal-Staff-2026'
  const made = await callApi(base, 'POST', '/api/v1/staff', { headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, body: { username, name: '运维', town: '320000000000', roles: ['county-admin'], password } })
  if (made.status !== 201) throw new Error(`staff: ${made.status} ${made.text}`)
  const res = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  const session = /tb_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1]
  if (!session) throw new Error(`sign-in: ${res.status}`)
  const page = await fetch(`${base}/portal/departments/daily-drop?lang=zh`, { headers: { cookie: `tb_session=${session}` } })
  if (page.status !== 200) throw new Error(`department page: ${page.status}`)
  return await page.text()
}
