// `tongban vault status|rotate` as an operator runs it, in child processes: on the embedded
// default (generated master key, the data dir lock) and on PostgreSQL (the key must be given).
import { spawn } from 'node:child_process'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { openPglite, openPostgres, type Db } from '../src/store/db.ts'
import { getServiceCredentials, putServiceCredentials } from '../src/vault/credentials.ts'
import { newMasterKeyText, parseMasterKey } from '../src/vault/master-key.ts'
import { createVault } from '../src/vault/vault.ts'
import { freshPostgresUrl, tempDir } from './helpers.ts'

t.setTimeout(600_000)

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SECRET = 'cli-app-secret-Qw3$-0003'

interface Run { code: number | null, stdout: string, stderr: string }

async function vault (args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TAP|TONGBAN_|NODE_OPTIONS$|REDIS_URL$|DATABASE_URL$|LOG_LEVEL$)/.test(k)))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'vault', ...args], { cwd: ROOT, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, stdout, stderr }
}

async function withPglite<T> (dataDir: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openPglite(join(dataDir, 'pglite'))
  try { return await fn(db) } finally { await db.close() }
}

t.test('embedded default', async (t) => {
  const dataDir = await tempDir(t)
  const env = { TONGBAN_DATA_DIR: dataDir }
  const keyFile = join(dataDir, 'master-key')

  const first = await vault(['status'], env)
  t.equal(first.code, 0, first.stderr)
  t.match(first.stderr, `tongban: TONGBAN_MASTER_KEY is not set: generated a master key for the credential vault into ${keyFile}; keep a copy`)
  t.equal((await stat(keyFile)).mode & 0o777, 0o600)
  t.match(first.stdout, /database: pglite\nalgorithm for new secrets: aes-256-gcm\n/)
  t.match(first.stdout, 'data keys: none yet')
  const again = await vault(['status'], env)
  t.notMatch(again.stderr, 'generated', 'said once')

  const m1 = parseMasterKey(await readFile(keyFile, 'utf8'), keyFile)
  await withPglite(dataDir, async (db) => { await putServiceCredentials(db, createVault({ masterKey: m1 }), 'market-regulation', { appKey: 'k', appSecret: SECRET }) })
  const status = await vault(['status'], env)
  t.equal(status.code, 0)
  t.match(status.stdout, `master key: ${m1.id} from ${keyFile}, seals the active data key`)
  t.match(status.stdout, /data keys:\n {2}1 {2}active/)
  t.match(status.stdout, /department_credentials\.credentials {2}data key 1 {2}aes-256-gcm {2}1/)
  t.notMatch(status.stdout + status.stderr, SECRET)

  t.test('refused while a gateway holds the data dir', async (t) => {
    const lock = join(dataDir, 'gateway.json')
    await writeFile(lock, JSON.stringify({ pid: process.pid, url: 'http://127.0.0.1:1' }))
    const refused = await vault(['rotate'], env)
    t.equal(refused.code, 1)
    t.match(refused.stderr, `tongban: TB_VAULT_GATEWAY_RUNNING: tongban vault needs the embedded database in ${dataDir}, which the running gateway (pid ${process.pid}) holds; stop the gateway`)
    t.same(JSON.parse(await readFile(lock, 'utf8')), { pid: process.pid, url: 'http://127.0.0.1:1' }, 'the gateway keeps its claim')
    // status asks the gateway instead (one that answers: test/cli.test.ts); this one does not.
    const status = await vault(['status'], { ...env, TONGBAN_ADMIN_TOKEN: 'test-admin-token-0123456789' })
    t.equal(status.code, 1)
    t.match(status.stderr, /^tongban: asking the running gateway \(pid \d+\)\ntongban: the gateway \(pid \d+\) at http:\/\/127\.0\.0\.1:1 cannot be reached: .*\n$/)
    await writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 1 })) // a claim left by a dead process is taken over
  })

  t.test('rotate to a new master key replaces the generated key file', async (t) => {
    const newKeyFile = join(await tempDir(t), 'new-key')
    await writeFile(newKeyFile, `${newMasterKeyText()}\n`, { mode: 0o600 })
    const m2 = parseMasterKey(await readFile(newKeyFile, 'utf8'), newKeyFile)
    const rotated = await vault(['rotate', '--new-master-key-file', newKeyFile], env)
    t.equal(rotated.code, 0, rotated.stderr)
    t.match(rotated.stdout, 'vault rotated on pglite: 1 secret(s) (department_credentials 1, staff_accounts 0, staff 0, audit_keys 0) sealed again under data key 2 (aes-256-gcm); retired data key(s): 1')
    t.match(rotated.stdout, `sealed by master key ${m2.id}, which replaced the old one in ${keyFile}`)
    t.equal((await readFile(keyFile, 'utf8')).trim(), m2.key.toString('base64'))
    t.equal((await stat(keyFile)).mode & 0o777, 0o600)
    await t.rejects(stat(join(dataDir, 'gateway.json')), { code: 'ENOENT' }, 'the data dir is released')
    await withPglite(dataDir, async (db) => {
      t.same(await getServiceCredentials(db, createVault({ masterKey: m2 }), 'market-regulation'), { appKey: 'k', appSecret: SECRET })
      await t.rejects(getServiceCredentials(db, createVault({ masterKey: m1 }), 'market-regulation'), { code: 'TB_VAULT_MASTER_KEY_MISMATCH' })
    })
  })

  t.test('usage', async (t) => {
    for (const args of [[], ['frob'], ['status', '--new-master-key-file', 'x'], ['rotate', '--frob']]) {
      const run = await vault(args, env)
      t.equal(run.code, 2, `vault ${args.join(' ')}`)
      t.match(run.stderr, 'Usage: tongban vault status')
    }
  })
})

t.test('on PostgreSQL', async (t) => {
  const url = await freshPostgresUrl(t)
  const dataDir = await tempDir(t)

  const missing = await vault(['status'], { DATABASE_URL: url, TONGBAN_DATA_DIR: dataDir })
  t.equal(missing.code, 1)
  t.match(missing.stderr, 'tongban: TB_MASTER_KEY_MISSING: TONGBAN_MASTER_KEY is not set; with DATABASE_URL no master key is generated')
  await t.rejects(stat(join(dataDir, 'master-key')), { code: 'ENOENT' })

  const bad = 'c2hvcnQtYnV0LXNlY3JldC12YWx1ZQ=='
  const invalid = await vault(['status'], { DATABASE_URL: url, TONGBAN_MASTER_KEY: bad })
  t.equal(invalid.code, 1)
  t.match(invalid.stderr, 'tongban: TB_MASTER_KEY_INVALID: The master key in TONGBAN_MASTER_KEY must be 32 bytes in base64')
  t.notMatch(invalid.stderr, bad, 'the value is not printed')

  const m1 = parseMasterKey(newMasterKeyText(), 'test')
  const db = await openPostgres(url)
  t.teardown(async () => { await db.close() })
  t.equal((await vault(['status'], { DATABASE_URL: url, TONGBAN_MASTER_KEY: m1.key.toString('base64') })).code, 0, 'migrates and reports')
  await putServiceCredentials(db, createVault({ masterKey: m1 }), 'market-regulation', { appKey: 'k', appSecret: SECRET })

  const newKeyFile = join(dataDir, 'next-key')
  await writeFile(newKeyFile, newMasterKeyText())
  const rotated = await vault(['rotate', '--new-master-key-file', newKeyFile], { DATABASE_URL: url, TONGBAN_MASTER_KEY: m1.key.toString('base64') })
  t.equal(rotated.code, 0, rotated.stderr)
  t.match(rotated.stdout, 'vault rotated on postgres: 1 secret(s)')
  t.match(rotated.stdout, `from ${newKeyFile}: set TONGBAN_MASTER_KEY to it for every tongban process before it starts again`)

  const stale = await vault(['status'], { DATABASE_URL: url, TONGBAN_MASTER_KEY: m1.key.toString('base64') })
  t.equal(stale.code, 1, 'the old master key no longer fits')
  t.match(stale.stdout, 'does NOT seal the active data key')
  const fresh = await vault(['status'], { DATABASE_URL: url, TONGBAN_MASTER_KEY: (await readFile(newKeyFile, 'utf8')).trim() })
  t.equal(fresh.code, 0)
  t.notMatch(stale.stdout + stale.stderr + fresh.stdout + fresh.stderr + rotated.stdout + rotated.stderr, SECRET)
})
