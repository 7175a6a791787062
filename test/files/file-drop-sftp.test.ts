// File drops from a real SFTP server (ssh2's, on 127.0.0.1): key and password authentication, the
// host key checked, at most `sessions` sessions, and the import through the worker.
import t from 'tap'
import { eventually, stores, tempDir } from '../helpers.ts'
import { dropPlatform, files, fromFile } from './drop-kit.ts'
import { writeDrop } from './drop-data.ts'
import { startSftpDrop } from './sftp-drop-server.ts'
import { personsDrop } from './persons-drop.ts'
import { openFileSource, readSmall } from '../../src/department/files/index.ts'
import { isQuirky } from '../../adapters/household-registration/data.ts'

const SEED = 13
const quirky = (from: number, count: number): number => Array.from({ length: count }, (_, i) => isQuirky(SEED, from + i)).filter(Boolean).length

t.test('files fetched over SFTP with a private key are imported through the worker', async (t) => {
  const drop = await tempDir(t)
  const server = await startSftpDrop(drop)
  t.teardown(server.close)
  const { db } = await stores.postgres(t)
  const sftp = { host: '127.0.0.1', port: server.port, path: '/drop', hostKey: server.hostKey, sessions: 2 }
  const kit = await dropPlatform(t, db, {
    redisIndex: 23,
    instance: { files: { sftp }, credentials: { username: server.user.username, privateKey: server.user.privateKey } },
  })
  await writeDrop(drop, 'RK_20261201.csv', { seed: SEED, count: 400 })
  await writeDrop(drop, 'RK_20261202.csv', { seed: SEED, from: 400, count: 150 })
  await kit.start()
  const done = await eventually(async () => { const f = await files(db); return f.length === 2 && f.every((x) => x.status === 'done') && f })
  t.same(done.map((f) => [f.name, f.rows_done]), [['RK_20261201.csv', 400], ['RK_20261202.csv', 150]].sort())
  t.same(await fromFile(db, 'RK_20261202.csv'), { persons: 150 - quirky(400, 150), quarantined: quirky(400, 150) })
  const { rows: [source] } = await db.query<{ source: string }>('SELECT DISTINCT source FROM file_inbox')
  t.equal(source!.source, `sftp://127.0.0.1:${server.port}/drop`, 'the file inbox says where each file came from')
  t.ok(server.peakSessions() <= 2, `at most 2 sessions at once (${server.peakSessions()})`)
})

t.test('SFTP sessions: password, the host key, the limit, refusals', async (t) => {
  const drop = await tempDir(t)
  const server = await startSftpDrop(drop)
  t.teardown(server.close)
  const { db } = await stores.pglite(t)
  const kit = await dropPlatform(t, db, { redisIndex: 24, instance: { files: { dir: drop } } })
  const sourceFor = (sftp: Record<string, unknown>, credentials: Record<string, string>, auth: 'basic' | 'sftp-key' = 'basic') => {
    const config = { ...kit.instance.config, credentials, files: { keep: 1000, sftp: { host: '127.0.0.1', port: server.port, path: '/drop', hostKey: server.hostKey, sessions: 1, ...sftp } } } as typeof kit.instance.config
    const source = openFileSource({ config, adapter: { ...personsDrop, auth: { type: auth } } }, kit.platform)
    t.teardown(source.close)
    return source
  }
  for (let i = 0; i < 3; i++) await writeDrop(drop, `RK_2026120${i + 1}.csv`, { seed: SEED, from: i * 10, count: 10 })

  const password = sourceFor({}, { username: server.user.username, password: server.user.password })
  t.same((await password.list()).map((f) => f.name).sort(), ['RK_20261201.csv', 'RK_20261201.csv.ok', 'RK_20261202.csv', 'RK_20261202.csv.ok', 'RK_20261203.csv', 'RK_20261203.csv.ok'])
  // Three reads at once through one session: they take turns.
  const manifests = await Promise.all(['RK_20261201.csv.ok', 'RK_20261202.csv.ok', 'RK_20261203.csv.ok'].map(async (name) => await readSmall(password, name, 1024)))
  t.same(manifests.map((m) => m!.toString().split('|')[1]), ['10', '10', '10'])
  t.equal(server.peakSessions(), 1, 'one session, as configured')

  const otherKey = sourceFor({ hostKey: `SHA256:${'A'.repeat(43)}` }, { username: server.user.username, password: server.user.password })
  await t.rejects(otherKey.list(), { code: 'TB_SFTP_HOST_KEY', message: new RegExp(`presented host key ${server.hostKey.replace(/[+/]/g, '\\$&')}, not the configured SHA256:A{43}`) }, 'a server with another host key is refused')
  const wrong = sourceFor({}, { username: server.user.username, password: 'not-the-password' })
  await t.rejects(wrong.list(), { code: 'TB_DEPARTMENT_AUTH' })
  const key = sourceFor({}, { username: server.user.username, privateKey: server.user.privateKey }, 'sftp-key')
  t.equal((await key.list()).length, 6, 'a private key opens it too')
  const missingKey = sourceFor({}, { username: server.user.username, password: server.user.password }, 'sftp-key')
  await t.rejects(missingKey.list(), { code: 'TB_DEPARTMENT_AUTH', message: /sftp-key credentials: privateKey/ }, 'credentials of the wrong shape are named, not shown')
})
