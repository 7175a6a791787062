// File drops from a real SFTP server (the kit's, ssh2's server on 127.0.0.1): key and password
// authentication, the host key checked, at most `sessions` sessions, and the import through the worker.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import SftpClient from 'ssh2-sftp-client'
import ssh2 from 'ssh2'
import t from 'tap'
import { eventually, stores, tempDir } from '../helpers.ts'
import { dropPlatform, files, fromFile } from './drop-kit.ts'
import { writeDrop } from './drop-data.ts'
import { sftpKeyPair, startSftpServer } from '../../src/adapter-sdk/testkit/sftp-server.ts'
import { personsDrop } from './persons-drop.ts'
import { openFileSource, readSmall } from '../../src/department/files/index.ts'
import { isQuirky } from '../../adapters/household-registration/data.ts'

const SEED = 13
const quirky = (from: number, count: number): number => Array.from({ length: count }, (_, i) => isQuirky(SEED, from + i)).filter(Boolean).length

/** The kit's server with one user by password and key, the drop served as `/drop`. */
async function startSftpDrop (t: { teardown: (fn: () => unknown) => void }): Promise<{ drop: string, server: Awaited<ReturnType<typeof startSftpServer>>, user: { username: string, password: string, privateKey: string } }> {
  const root = await tempDir(t)
  const drop = join(root, 'drop')
  await mkdir(drop)
  const key = sftpKeyPair()
  const user = { username: 'town-drop', password: 'drop-password-0123', privateKey: key.privateKey }
  const server = await startSftpServer({ root, users: [{ username: user.username, password: user.password, publicKey: key.publicKey }] })
  t.teardown(server.close)
  return { drop, server, user }
}

t.test('files fetched over SFTP with a private key are imported through the worker', async (t) => {
  const { drop, server, user } = await startSftpDrop(t)
  const { db } = await stores.postgres(t)
  const sftp = { host: '127.0.0.1', port: server.port, path: '/drop', hostKey: server.hostKey, sessions: 2 }
  const kit = await dropPlatform(t, db, {
    redisIndex: 23,
    instance: { files: { sftp }, credentials: { username: user.username, privateKey: user.privateKey } },
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
  const { drop, server, user } = await startSftpDrop(t)
  const { db } = await stores.pglite(t)
  const kit = await dropPlatform(t, db, { redisIndex: 24, instance: { files: { dir: drop } } })
  const sourceFor = (sftp: Record<string, unknown>, credentials: Record<string, string>, auth: 'basic' | 'sftp-key' = 'basic') => {
    const config = { ...kit.instance.config, credentials, files: { keep: 1000, sftp: { host: '127.0.0.1', port: server.port, path: '/drop', hostKey: server.hostKey, sessions: 1, ...sftp } } } as typeof kit.instance.config
    const source = openFileSource({ config, adapter: { ...personsDrop, auth: { type: auth } } }, kit.platform)
    t.teardown(source.close)
    return source
  }
  for (let i = 0; i < 3; i++) await writeDrop(drop, `RK_2026120${i + 1}.csv`, { seed: SEED, from: i * 10, count: 10 })

  const password = sourceFor({}, { username: user.username, password: user.password })
  t.same((await password.list()).map((f) => f.name).sort(), ['RK_20261201.csv', 'RK_20261201.csv.ok', 'RK_20261202.csv', 'RK_20261202.csv.ok', 'RK_20261203.csv', 'RK_20261203.csv.ok'])
  // Three reads at once through one session: they take turns.
  const manifests = await Promise.all(['RK_20261201.csv.ok', 'RK_20261202.csv.ok', 'RK_20261203.csv.ok'].map(async (name) => await readSmall(password, name, 1024)))
  t.same(manifests.map((m) => m!.toString().split('|')[1]), ['10', '10', '10'])
  t.equal(server.peakSessions(), 1, 'one session, as configured')

  const otherKey = sourceFor({ hostKey: `SHA256:${'A'.repeat(43)}` }, { username: user.username, password: user.password })
  await t.rejects(otherKey.list(), { code: 'TB_SFTP_HOST_KEY', message: new RegExp(`presented host key ${server.hostKey.replace(/[+/]/g, '\\$&')}, not the configured SHA256:A{43}`) }, 'a server with another host key is refused')
  const wrong = sourceFor({}, { username: user.username, password: 'not-the-password' })
  await t.rejects(wrong.list(), { code: 'TB_DEPARTMENT_AUTH' })
  const key = sourceFor({}, { username: user.username, privateKey: user.privateKey }, 'sftp-key')
  t.equal((await key.list()).length, 6, 'a private key opens it too')
  const missingKey = sourceFor({}, { username: user.username, password: user.password }, 'sftp-key')
  await t.rejects(missingKey.list(), { code: 'TB_DEPARTMENT_AUTH', message: /sftp-key credentials: privateKey/ }, 'credentials of the wrong shape are named, not shown')
})

t.test("the kit's SFTP server: the root read-only at /, keys and passwords, the third session of a user refused", async (t) => {
  const root = await tempDir(t)
  await mkdir(join(root, 'outbox', '320412120'), { recursive: true })
  await writeFile(join(root, 'outbox', '320412120', 'a.csv'), 'x,y\r\n1,2\r\n')
  const key = sftpKeyPair()
  const rsa = sftpKeyPair('rsa')
  const server = await startSftpServer({
    root,
    users: [{ username: 'town', publicKey: key.publicKey }, { username: 'other', password: 'other-password', publicKey: rsa.publicKey }],
    maxSessionsPerUser: 2,
  })
  t.teardown(server.close)
  const connect = async (options: Record<string, unknown>): Promise<SftpClient> => {
    const client = new SftpClient('test', { error: () => {}, end: () => {}, close: () => {} })
    await client.connect({ host: '127.0.0.1', port: server.port, readyTimeout: 20_000, ...options })
    t.teardown(async () => { await client.end().catch(() => {}) })
    return client
  }
  const first = await connect({ username: 'town', privateKey: key.privateKey })
  t.same((await first.list('/')).map((e) => [e.name, e.type]), [['outbox', 'd']])
  t.same((await first.list('/outbox/320412120')).map((e) => [e.name, e.size]), [['a.csv', 10]])
  t.equal(String(await first.get('/outbox/320412120/a.csv')), 'x,y\r\n1,2\r\n')
  t.equal(String(await first.get('/../../outbox/320412120/./a.csv')), 'x,y\r\n1,2\r\n', 'nothing above the root')
  await t.rejects(first.put(Buffer.from('no'), '/outbox/320412120/b.csv'), 'read-only')
  await t.rejects(first.delete('/outbox/320412120/a.csv'), 'read-only')
  await connect({ username: 'town', privateKey: key.privateKey })
  await t.rejects(connect({ username: 'town', privateKey: key.privateKey }), 'a third session of the same user is refused')
  await connect({ username: 'other', password: 'other-password' })
  await connect({ username: 'other', privateKey: rsa.privateKey })
  await t.rejects(connect({ username: 'town', password: 'guess' }), /authentication/i, 'a user without a password is not let in by one')
  t.equal(server.peakSessions(), 4)
  t.match(server.hostKey, /^SHA256:[A-Za-z0-9+/]{43}$/)
})

t.test('every key pair the kit makes is one ssh2 reads back (its generator makes about one unreadable ed25519 pair in 256)', async (t) => {
  let unreadable = 0
  for (let i = 0; i < 2000; i++) {
    const pair = sftpKeyPair()
    if (ssh2.utils.parseKey(pair.publicKey) instanceof Error || ssh2.utils.parseKey(pair.privateKey) instanceof Error) unreadable++
  }
  t.equal(unreadable, 0, '2,000 ed25519 pairs, every one readable')
})
