// `tongban audit verify` as an operator runs it, in a child process: on PostgreSQL and on the
// embedded database, exit 0 for a sound chain, 1 for a broken one, 2 when it cannot check.
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { openPglite, type Db } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { appendAudit, type AuditEntry } from '../src/audit/index.ts'
import { freshPostgres, freshPostgresUrl, tempDir } from './helpers.ts'

t.setTimeout(300_000)

const ROOT = fileURLToPath(new URL('..', import.meta.url))

async function tongban (args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const clean: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(TAP|TONGBAN_|NODE_OPTIONS$|DATABASE_URL$|REDIS_URL$)/.test(k)) clean[k] = v
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, stdout, stderr }
}

const entry = (n: number): AuditEntry => ({
  actor: { kind: 'staff', username: 'wang.fang', roles: ['window-staff'], town: '320412120000' }, action: 'person.read', subjectKind: 'person', subject: '320412199001010029', outcome: 'ok', details: { n },
})

async function tamper (db: Db, sql: string): Promise<void> {
  await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change')
  await db.query(sql)
  await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change')
}

t.test('on PostgreSQL (DATABASE_URL)', async (t) => {
  const { db, url } = await freshPostgres(t)
  await appendAudit(db, [1, 2, 3, 4].map(entry))
  const sound = await tongban(['audit', 'verify'], { DATABASE_URL: url })
  t.equal(sound.code, 0, sound.stderr)
  t.equal(sound.stdout.split('\n').length, 2, 'one line')
  const result = JSON.parse(sound.stdout) as { ok: boolean, rows: number, head: { chain: string, seq: number, hash: string } }
  t.match(result, { ok: true, rows: 4, head: { chain: '320412', seq: 4, id: 4 }, chains: [{ chain: '320412', rows: 4 }] })

  await tamper(db, 'DELETE FROM audit_log WHERE id = 4')
  t.match(await tongban(['audit', 'verify'], { DATABASE_URL: url }), { code: 0 }, 'a truncated tail alone looks whole')
  const truncated = await tongban(['audit', 'verify', '--anchor', `${result.head.chain}:${result.head.seq}:${result.head.hash}`], { DATABASE_URL: url })
  t.equal(truncated.code, 1)
  t.match(JSON.parse(truncated.stdout), { ok: false, rows: 3, firstBad: { chain: '320412', seq: 4, reason: /truncated/ } })

  await tamper(db, 'DELETE FROM audit_log WHERE id = 2')
  const deleted = await tongban(['audit', 'verify'], { DATABASE_URL: url })
  t.equal(deleted.code, 1)
  t.match(JSON.parse(deleted.stdout), { ok: false, rows: 1, firstBad: { chain: '320412', seq: 2, reason: /missing/ } })

  t.match(await tongban(['audit', 'verify', '--anchor', 'latest'], { DATABASE_URL: url }), { code: 2, stderr: /--anchor latest is not/ })
  t.match(await tongban(['audit', 'check'], { DATABASE_URL: url }), { code: 2, stderr: /Usage: tongban audit verify/ })

  // Export before detach: a month within retention is refused with its code; exported, it is recorded.
  const month = new Date().toISOString().slice(0, 7)
  t.match(await tongban(['audit', 'detach', '--month', month], { DATABASE_URL: url }), { code: 1, stderr: /TB_AUDIT_DETACH_REFUSED: Audit month .* within the retention of 36 months/ })
  const out = join(await tempDir(t), 'month.jsonl')
  const exported = await tongban(['audit', 'export', '--month', month, '--out', out], { DATABASE_URL: url })
  t.equal(exported.code, 0, exported.stderr)
  t.match(JSON.parse(exported.stdout), { month, file: out, rows: 2, sm3: /^[0-9a-f]{64}$/ })
  t.match(await tongban(['audit', 'detach', '--month', month], { DATABASE_URL: url, TONGBAN_AUDIT_RETENTION_MONTHS: '0' }), { code: 1, stderr: /TB_AUDIT_DETACH_REFUSED: .*within the retention of 0 months/ }, 'the setting is read')
  t.match(await tongban(['audit', 'export', '--month', '2026-13', '--out', out], { DATABASE_URL: url }), { code: 2, stderr: /needs --month YYYY-MM/ })
  t.match(await tongban(['audit', 'verify'], { DATABASE_URL: await freshPostgresUrl(t) }), { code: 2, stderr: /run tongban migrate/ })
})

t.test('on the embedded database', async (t) => {
  const dataDir = await tempDir(t)
  t.match(await tongban(['audit', 'verify'], { TONGBAN_DATA_DIR: dataDir }), { code: 2, stderr: /no embedded database in/ })

  const db = await openPglite(join(dataDir, 'pglite'))
  await migrate(db)
  await appendAudit(db, [1, 2].map(entry))
  await db.close()
  const sound = await tongban(['audit', 'verify'], { TONGBAN_DATA_DIR: dataDir })
  t.equal(sound.code, 0, sound.stderr)
  t.match(JSON.parse(sound.stdout), { ok: true, rows: 2 })

  // A gateway holds the data dir (this test process stands in for it, at an address nobody serves):
  // the command asks the gateway instead of opening PGlite, with an auditor's token.
  await writeFile(join(dataDir, 'gateway.json'), JSON.stringify({ pid: process.pid, url: 'http://127.0.0.1:1' }))
  const held = await tongban(['audit', 'verify'], { TONGBAN_DATA_DIR: dataDir })
  t.equal(held.code, 2)
  t.match(held.stderr, `tongban audit: the running gateway (pid ${process.pid}) holds the embedded database; verifying through it takes an auditor's API token in TONGBAN_API_TOKEN`)
  t.equal(held.stdout, '')
  const unreachable = await tongban(['audit', 'verify'], { TONGBAN_DATA_DIR: dataDir, TONGBAN_API_TOKEN: 'an-auditor-token-0123456789' })
  t.equal(unreachable.code, 2)
  t.match(unreachable.stderr, /^tongban audit: the gateway \(pid \d+\) at http:\/\/127\.0\.0\.1:1 cannot be reached: .*\n$/)
  t.equal(unreachable.stderr.split('\n').length, 2, 'one line, no stack')
})
