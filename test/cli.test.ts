// The `tongban` command as an operator runs it: the real CLI in child processes, on the embedded
// defaults (private redis-server, PGlite) and on PostgreSQL and shared Redis.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import t from 'tap'
import { freePort } from '../src/runtime/redis-child.ts'
import { sign } from '../src/crypto/webhook-signature.ts'
import { Config } from '../src/config/schema.ts'
import { startGateway } from '../src/runtime/gateway.ts'
import { buildMessage, residentAt, residentFacts } from '../adapters/household-registration/data.ts'
import { captureLogger, eventually, freshPostgresUrl, freshRedis, operatorAuth, tempDir } from './helpers.ts'

// Every case starts whole processes (tsx compiles on each start); the default 180 s is too tight
// for a slow machine.
t.setTimeout(600_000)

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const WORKER_REDIS_INDEX = 13

type Teardown = Parameters<typeof tempDir>[0]

interface Exit { code: number | null, signal: NodeJS.Signals | null }

interface Cli {
  child: ChildProcess
  pid: number
  output: { stdout: string, stderr: string }
  exited: Promise<Exit>
}

/** The test runner's environment without anything that would change what the CLI does. */
function baseEnv (): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(TAP|TONGBAN_|NODE_OPTIONS$|REDIS_URL$|DATABASE_URL$|PORT$|HOST$|LOG_LEVEL$)/.test(k)) continue
    env[k] = v
  }
  return env
}

const isAlive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true } catch { return false }
}

/** Spawns `tongban <args>` as bin/tongban.js would (minus the build); killed at teardown. */
function cli (t: Teardown, args: string[], env: NodeJS.ProcessEnv, input?: string): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...baseEnv(), ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  })
  if (input !== undefined) child.stdin!.end(input)
  const output = { stdout: '', stderr: '' }
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { output.stdout += d })
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { output.stderr += d })
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => { resolve({ code, signal }) }))
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    // SIGTERM first so a gateway stops its redis-server child; SIGKILL if it hangs.
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    await exited
    clearTimeout(timer)
  })
  return { child, pid: child.pid!, output, exited }
}

/** Waits for a process to exit; a hang is a failure, but only after a generous while. */
async function exitOf (p: Cli, timeoutMs = 120_000): Promise<Exit & { stdout: string, stderr: string }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`tongban did not exit within ${timeoutMs} ms; stderr: ${p.output.stderr}`)) }, timeoutMs)
  })
  try {
    const exit = await Promise.race([p.exited, timeout])
    return { ...exit, ...p.output }
  } finally {
    clearTimeout(timer)
  }
}

async function run (t: Teardown, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Exit & { stdout: string, stderr: string }> {
  return await exitOf(cli(t, args, env, input))
}

/** `eventually`, but giving up at once (with its stderr) if the process dies meanwhile. */
async function whileRunning<T> (p: Cli, check: Parameters<typeof eventually<T>>[0], timeoutMs = 120_000): Promise<T> {
  const died = p.exited.then(({ code, signal }) => {
    throw new Error(`tongban exited (${code ?? signal}) while waiting; stderr: ${p.output.stderr}`)
  })
  return await Promise.race([eventually(check, timeoutMs, 250), died])
}

const lines = (text: string): string[] => text.trimEnd().split('\n').filter(Boolean)

/** The private redis-server's URL, from the gateway's start-up log line (pino JSON on stdout). */
function privateRedisUrl (p: Cli): string {
  for (const line of lines(p.output.stdout)) {
    const entry = JSON.parse(line) as { msg?: string, redis?: string }
    if (entry.redis && entry.msg?.includes('private redis-server')) return entry.redis
  }
  throw new Error(`no private redis-server in the gateway log: ${p.output.stdout}`)
}

/** The local addresses listening on a TCP port (Linux: /proc/net/tcp and tcp6). */
async function listeners (port: number): Promise<string[]> {
  const found: string[] = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of (await readFile(file, 'utf8').catch(() => '')).split('\n').slice(1)) {
      const [, local, , state] = row.trim().split(/\s+/)
      if (state !== '0A' || !local) continue
      const [hex, portHex] = local.split(':')
      if (Number.parseInt(portHex!, 16) !== port) continue
      // IPv4 addresses are little-endian hex; IPv6 ones are listed as hex as they are.
      found.push(hex!.length === 8 ? hex!.match(/../g)!.reverse().map((b) => Number.parseInt(b, 16)).join('.') : hex!)
    }
  }
  return found
}

async function withRedis<T> (url: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 })
  try { return await fn(r) } finally { r.disconnect() }
}

// ---------------------------------------------------------------------------------------------

t.test('tongban start on the embedded defaults', async (t) => {
  const dataDir = await tempDir(t)
  const redisPidFile = join(dataDir, 'redis', 'redis.pid')
  // If a gateway had to be SIGKILLed its redis-server would outlive it: stop it by its pid.
  // (Registered before the gateways, so it runs after their teardowns.)
  t.teardown(async () => {
    const pid = Number(await readFile(redisPidFile, 'utf8').catch(() => ''))
    if (pid && isAlive(pid)) process.kill(pid, 'SIGTERM')
  })
  const port = await freePort()
  // No HOST: the default must be loopback, since the demo's passwords are published.
  const env = {
    TONGBAN_DATA_DIR: dataDir,
    PORT: String(port),
    TONGBAN_DEMO_MARKET_PORT: String(await freePort()),
    TONGBAN_DEMO_CIVIL_PORT: String(await freePort()),
    TONGBAN_DEMO_APP_PORT: String(await freePort()),
    TONGBAN_DEMO_SOCIAL_PORT: String(await freePort()),
    TONGBAN_DEMO_HEALTH_PORT: String(await freePort()),
  }
  const url = `http://127.0.0.1:${port}`

  async function startAndWait (): Promise<Cli> {
    const gateway = cli(t, ['start'], env)
    await whileRunning(gateway, async () => existsSync(join(dataDir, 'gateway.json')) && (await fetch(`${url}/healthz`)).ok)
    return gateway
  }
  let token = ''
  let reader: Record<string, string> = {}
  const list = async (kind: 'persons' | 'enterprises', cursor?: string): Promise<{ items: unknown[], next: string | null }> => {
    const res = await fetch(`${url}/api/v1/${kind}?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: reader })
    if (!res.ok) throw new Error(`GET ${kind}: ${res.status}`)
    return await res.json() as { items: unknown[], next: string | null }
  }
  const countPersons = async (): Promise<number> => {
    let n = 0
    let cursor: string | undefined
    do {
      const page = await list('persons', cursor)
      n += page.items.length
      cursor = page.next ?? undefined
    } while (cursor)
    return n
  }

  const started = Date.now()
  const gateway = await startAndWait()
  const ready = Date.now()
  t.comment(`gateway up in ${ready - started} ms`)
  t.same(await listeners(port), ['127.0.0.1'], 'without HOST the gateway listens on 127.0.0.1 only')
  // The human line follows the listening log line; it may take a moment after /healthz answers.
  await whileRunning(gateway, () => gateway.output.stderr.includes('sign in'))
  t.match(gateway.output.stderr, `tongban: open ${url}/ and sign in as window / Tongban-Demo-2026\n`, 'one human line on stderr')
  t.doesNotThrow(() => lines(gateway.output.stdout).map((l) => JSON.parse(l)), 'stdout stays JSON')

  // The private redis-server: AOF under the data dir, its pid alive.
  const redisFiles = await readdir(join(dataDir, 'redis'))
  t.ok(redisFiles.some((f) => f.startsWith('appendonly')), `AOF in ${dataDir}/redis (${redisFiles.join(', ')})`)
  const redisPid = Number(await readFile(redisPidFile, 'utf8'))
  t.ok(redisPid > 0 && isAlive(redisPid), 'the redis-server in redis.pid is running')
  t.ok(existsSync(join(dataDir, 'pglite', 'PG_VERSION')), 'PGlite database under <dataDir>/pglite')
  t.same(JSON.parse(await readFile(join(dataDir, 'gateway.json'), 'utf8')), { pid: gateway.pid, url })
  token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim()
  t.ok(token.length >= 16, 'admin token generated into <dataDir>/admin-token')
  reader = await operatorAuth(url, { bootstrap: token })
  const demoSignIn = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'window', password: 'Tongban-Demo-2026' }) })
  t.equal(demoSignIn.status, 200, 'the demo seeds its staff accounts (README): window / Tongban-Demo-2026')
  t.match(await demoSignIn.json(), { username: 'window', town: '320412120000', roles: ['window-staff'] })

  // Both simulated departments deliver: household pushes every 3 s; market is polled every 15 s
  // with the first run at once.
  await whileRunning(gateway, async () => (await list('persons')).items.length > 0)
  t.pass(`residents arrived ${Date.now() - ready} ms after start-up`)
  await whileRunning(gateway, async () => (await list('enterprises')).items.length > 0)
  t.pass(`enterprises arrived ${Date.now() - ready} ms after start-up`)

  // The demo seeds a conflict in 湟里镇 (config/demo.yaml's town) for window to resolve.
  const windowAuth = await operatorAuth(url, { bootstrap: token, roles: ['window-staff'], town: '320412120000' })
  const seeded = await whileRunning(gateway, async () => {
    const res = await fetch(`${url}/api/v1/conflicts?status=open&town=320412120000&kind=person&field=name`, { headers: windowAuth })
    const page = await res.json() as { items: Array<{ candidates: Array<{ adapter: string, value: unknown }> }> }
    return page.items[0]
  }, 60_000)
  t.pass(`an open conflict in 湟里镇 ${Date.now() - ready} ms after start-up`)
  t.same(seeded.candidates.map((c) => c.adapter).sort(), ['household-registration', 'market-regulation'], 'the two registers disagree on the name')

  // Social insurance (v1sm3, SM4 fields) and the family-doctor files (SFTP) reach the town's
  // residents within minutes: a resident carries both facets, each entry with its source.
  const facetsOf = async (idNumber: string): Promise<Array<{ name: string, entries: number | null, access: string }>> =>
    (await (await fetch(`${url}/api/v1/persons/${idNumber}`, { headers: windowAuth })).json() as { facets: Array<{ name: string, entries: number | null, access: string }> }).facets
  const resident = await whileRunning(gateway, async () => {
    // the residents in ID number order, page by page, until one has both
    let cursor: string | undefined
    do {
      const page = await list('persons', cursor) as { items: Array<{ idNumber: string, divisionCode: string | null }>, next: string | null }
      for (const person of page.items) {
        if (!person.divisionCode?.startsWith('320412120')) continue
        const facets = await facetsOf(person.idNumber)
        const insured = facets.find((f) => f.name === 'insurance-enrolment')?.entries ?? 0
        if (insured === 0 || !facets.some((f) => f.name === 'family-doctor')) continue
        const doctor = await fetch(`${url}/api/v1/persons/${person.idNumber}/facets/family-doctor?purpose=${encodeURIComponent('核对家庭医生签约')}`, { headers: windowAuth })
        const items = (await doctor.json() as { items: unknown[] }).items
        if (items.length > 0) return { idNumber: person.idNumber, facets, doctor: items }
      }
      cursor = page.next ?? undefined
    } while (cursor)
    // a pass reads many facets (each read audited): the next in a few seconds
    await new Promise((resolve) => setTimeout(resolve, 5000))
    return undefined
  }, 240_000)
  t.pass(`a resident of 湟里镇 with insurance and family-doctor facets ${Date.now() - ready} ms after start-up`)
  t.match(resident.facets.find((f) => f.name === 'family-doctor'), { entries: null, access: 'purpose' }, 'the family-doctor facet is sensitive: read with a purpose')
  t.match(resident.doctor, [{ data: { state: String, clinic: String }, source: { adapter: 'health-files' } }], 'its entry says where it came from')
  const enrolment = await (await fetch(`${url}/api/v1/persons/${resident.idNumber}/facets/insurance-enrolment`, { headers: windowAuth })).json() as { items: unknown[] }
  t.match(enrolment.items[0], { data: { insuranceType: String, state: String }, source: { adapter: 'social-insurance' } }, 'an enrolment entry from social insurance')
  const noPurpose = await fetch(`${url}/api/v1/persons/${resident.idNumber}/facets/family-doctor`, { headers: windowAuth })
  t.match({ status: noPurpose.status, body: await noPurpose.json() }, { status: 400, body: { code: 'TB_PURPOSE_REQUIRED' } }, 'without a purpose the family-doctor facet is refused')

  // Awaited: these must run while this gateway is up, not after the body returns.
  await t.test('migrate goes through the running gateway', async (t) => {
    const migrate = await run(t, ['migrate'], { TONGBAN_DATA_DIR: dataDir })
    t.equal(migrate.code, 0, 'exits 0', { stderr: migrate.stderr })
    t.match(migrate.stdout, /through the running gateway \(pid \d+\): none pending/)
  })

  await t.test('refusals through the running gateway are one line and exit 1', async (t) => {
    const add = ['staff', 'add', 'li.na', '--town', '320412120000', '--role', 'window-staff']
    const weak = await run(t, add, { TONGBAN_DATA_DIR: dataDir }, 'short\n')
    t.equal(weak.code, 1, 'exits 1')
    t.same(lines(weak.stderr), [weak.stderr.trimEnd()], 'one line on stderr', { stderr: weak.stderr })
    t.match(weak.stderr, /^tongban: TB_PASSWORD_WEAK: The password does not meet the policy/)
    const exists = await run(t, ['staff', 'add', 'window', '--town', '320412120000', '--role', 'window-staff'], { TONGBAN_DATA_DIR: dataDir }, 'Another-Long-Passw0rd-2026\n')
    t.equal(exists.code, 1, 'exits 1')
    t.same(lines(exists.stderr), [exists.stderr.trimEnd()], 'one line on stderr', { stderr: exists.stderr })
    t.match(exists.stderr, /^tongban: TB_STAFF_EXISTS: A staff account named window already exists/)
    const badOption = await run(t, [...add, '--frob'], { TONGBAN_DATA_DIR: dataDir })
    t.equal(badOption.code, 2, 'an unknown option exits 2')
    t.match(badOption.stderr, /^tongban: Unknown option '--frob'.*see tongban help\n$/)
  })

  await t.test('vault status and audit verify go through the running gateway', async (t) => {
    const vault = await run(t, ['vault', 'status'], { TONGBAN_DATA_DIR: dataDir })
    t.equal(vault.code, 0, 'vault status exits 0', { stderr: vault.stderr })
    t.match(vault.stderr, `tongban: asking the running gateway (pid ${gateway.pid})`)
    t.match(vault.stdout, /^database: pglite\nalgorithm for new secrets: aes-256-gcm\nmaster key: \S+ from \S+master-key/)

    const noToken = await run(t, ['audit', 'verify'], { TONGBAN_DATA_DIR: dataDir })
    t.equal(noToken.code, 2, 'audit verify without an auditor token exits 2')
    t.match(noToken.stderr, /takes an auditor's API token in TONGBAN_API_TOKEN/)
    const created = await run(t, ['token', 'create', '--name', 'audit-cli', '--role', 'auditor', '--town', '320412120000'], { TONGBAN_DATA_DIR: dataDir })
    t.equal(created.code, 0, 'token create exits 0', { stderr: created.stderr })
    const audit = await run(t, ['audit', 'verify'], { TONGBAN_DATA_DIR: dataDir, TONGBAN_API_TOKEN: created.stdout.trim() })
    t.equal(audit.code, 0, 'audit verify exits 0', { stderr: audit.stderr })
    t.match(JSON.parse(audit.stdout), { ok: true, head: { id: Number } })
    const wrongRole = await run(t, ['audit', 'verify'], { TONGBAN_DATA_DIR: dataDir, TONGBAN_API_TOKEN: token })
    t.equal(wrongRole.code, 2, 'a token that may not verify exits 2')
    t.match(wrongRole.stderr, /^tongban audit: TB_FORBIDDEN: .*set TONGBAN_API_TOKEN to an API token of a role that may do this/)
  })

  await t.test('a second start on the same data dir refuses', async (t) => {
    const second = await run(t, ['start'], { ...env, PORT: String(await freePort()) })
    t.equal(second.code, 1, 'exits 1')
    t.equal(lines(second.stderr).length, 1, 'one line on stderr', { stderr: second.stderr })
    t.match(second.stderr, /^tongban: TB_DATA_DIR_LOCKED: .*held by a running gateway \(pid \d+\)/)
    t.ok(isAlive(gateway.pid), 'the first gateway keeps running')
  })

  const persons = await countPersons()
  t.ok(persons > 0, 'residents before the restart')
  // A marker in the private Redis: after the restart it must come back from the AOF.
  const marker = `cli-test-${process.pid}-${Date.now()}`
  await withRedis(privateRedisUrl(gateway), async (r) => await r.set('tongban-test:marker', marker))

  // SIGTERM: drain, stop the redis-server child, remove gateway.json, exit 0.
  gateway.child.kill('SIGTERM')
  const stopped = await exitOf(gateway)
  t.same({ code: stopped.code, signal: stopped.signal }, { code: 0, signal: null }, 'exits 0 on SIGTERM', { stderr: stopped.stderr })
  t.match(stopped.stderr, /\ntongban: stopped\n$/, 'one human line when stopped')
  t.notOk(isAlive(redisPid), 'the redis-server child is gone')
  t.notOk(existsSync(join(dataDir, 'gateway.json')), 'gateway.json is removed')

  // A restart finds everything again: PGlite on disk, Redis from its AOF.
  const again = await startAndWait()
  t.ok(await countPersons() >= persons, `at least the ${persons} residents from before the restart`)
  t.ok((await list('enterprises')).items.length > 0, 'enterprises too')
  t.equal(await withRedis(privateRedisUrl(again), async (r) => await r.get('tongban-test:marker')), marker, 'Redis data came back from the AOF')
  again.child.kill('SIGTERM')
  t.equal((await exitOf(again)).code, 0, 'the restarted gateway exits 0 on SIGTERM')
})

t.test('tongban migrate on PostgreSQL', async (t) => {
  const env = { TONGBAN_DATA_DIR: await tempDir(t), DATABASE_URL: await freshPostgresUrl(t) }
  const first = await run(t, ['migrate'], env)
  t.equal(first.code, 0, 'exits 0', { stderr: first.stderr })
  t.match(first.stdout, /^migrations applied on postgres: 001_init\.sql/)
  const second = await run(t, ['migrate'], env)
  t.equal(second.code, 0, 'exits 0', { stderr: second.stderr })
  t.match(second.stdout, /^migrations applied on postgres: none pending$/m)
})

t.test('a bad configuration file stops start-up with one line', async (t) => {
  const dir = await tempDir(t)
  const configPath = join(dir, 'town.yaml')
  await writeFile(configPath, [
    'towns:',
    '  - { code: "320412120000", name: 武进区湟里镇 }',
    'adapters:',
    '  - id: market-regulation',
    '    adapter: market-regulation',
    '    baseUrl: not-a-url',
    '    credentials: { clientId: a, clientSecret: b }',
    '',
  ].join('\n'))
  const res = await run(t, ['start'], { TONGBAN_DATA_DIR: dir, TONGBAN_CONFIG: configPath, PORT: String(await freePort()), HOST: '127.0.0.1' })
  t.equal(res.code, 1, 'exits 1')
  t.equal(lines(res.stderr).length, 1, 'one line on stderr', { stderr: res.stderr })
  t.match(res.stderr, /^tongban: TB_CONFIG_INVALID: .*town\.yaml.*adapters\[0\]\.baseUrl/)
})

t.test('without redis-server on PATH (and no REDIS_URL) start-up says what to install', async (t) => {
  const dir = await tempDir(t)
  // A PATH with node only: tsx and the CLI run, redis-server is not found.
  const bin = join(dir, 'bin')
  await mkdir(bin)
  await symlink(process.execPath, join(bin, 'node'))
  const res = await run(t, ['start'], {
    PATH: bin, TONGBAN_DATA_DIR: join(dir, 'var'), PORT: String(await freePort()), HOST: '127.0.0.1', TONGBAN_DEMO_MARKET_PORT: String(await freePort()), TONGBAN_DEMO_CIVIL_PORT: String(await freePort()), TONGBAN_DEMO_APP_PORT: String(await freePort()),
  })
  t.equal(res.code, 1, 'exits 1')
  t.equal(lines(res.stderr).length, 1, 'one line on stderr', { stderr: res.stderr })
  t.match(res.stderr, /^tongban: TB_REDIS_SERVER_MISSING: .*install.*redis-server/)
  t.notOk(existsSync(join(dir, 'var', 'gateway.json')))
})

/** Not the demo's secret: outside config/demo.yaml that one is refused. */
const WORKER_SECRET = 'whsec_d29ya2VyLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk='

t.test('tongban worker', async (t) => {
  t.test('needs DATABASE_URL', async (t) => {
    const res = await run(t, ['worker', '--adapter', 'household-registration'], { TONGBAN_DATA_DIR: await tempDir(t) })
    t.equal(res.code, 1, 'exits 1')
    t.equal(lines(res.stderr).length, 1, 'one line on stderr', { stderr: res.stderr })
    t.match(res.stderr, /^tongban: TB_CONFIG_INVALID: .*DATABASE_URL/)
  })

  t.test('processes webhooks the gateway received', async (t) => {
    const dir = await tempDir(t)
    const databaseUrl = await freshPostgresUrl(t)
    const redisUrl = await freshRedis(t, WORKER_REDIS_INDEX)
    const configPath = join(dir, 'household.yaml')
    await writeFile(configPath, [
      'towns:',
      '  - { code: "320412120000", name: 武进区湟里镇 }',
      'adapters:',
      '  - id: household-registration',
      '    adapter: household-registration',
      `    webhook: { secrets: [ "${WORKER_SECRET}" ] }`,
      '',
    ].join('\n'))
    const env = { TONGBAN_DATA_DIR: join(dir, 'worker'), TONGBAN_CONFIG: configPath, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl }
    const worker = cli(t, ['worker', '--adapter', 'household-registration'], env)
    await whileRunning(worker, () => worker.output.stdout.includes('tongban worker started'))

    // The gateway in-process without workers: whatever gets unified, the worker process did it.
    const adminToken = 'test-admin-token-0123456789'
    const config = Config.parse({
      towns: [{ code: '320412120000', name: '武进区湟里镇' }],
      adapters: [{ id: 'household-registration', adapter: 'household-registration', webhook: { secrets: [WORKER_SECRET] } }],
    })
    const gateway = await startGateway(
      { port: 0, host: '127.0.0.1', dataDir: join(dir, 'gateway'), configPath: '(test)', redisUrl, databaseUrl, adminToken },
      { config, workers: false, logger: captureLogger().logger },
    )
    t.teardown(gateway.stop)
    const auth = await operatorAuth(gateway.url, { bootstrap: adminToken })

    const facts = residentFacts(21, 4)
    const msg = { ...buildMessage(21, 1, { records: [residentAt(21, 4)], eventType: 'QR' }), msgId: `HRCLI${process.pid}${Date.now()}` }
    const body = JSON.stringify(msg)
    const ts = Math.floor(Date.now() / 1000)
    const res = await fetch(`${gateway.url}/webhooks/household-registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': msg.msgId, 'webhook-timestamp': String(ts), 'webhook-signature': sign(WORKER_SECRET, msg.msgId, ts, body) },
      body,
    })
    t.equal(res.status, 202)

    const person = await whileRunning(worker, async () => {
      const r = await fetch(`${gateway.url}/api/v1/persons/${facts.idNumber}`, { headers: auth })
      return r.status === 200 ? await r.json() as Record<string, unknown> : undefined
    })
    t.match(person, { idNumber: facts.idNumber, name: facts.name })

    worker.child.kill('SIGTERM')
    const exit = await exitOf(worker)
    t.same({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, 'exits 0 on SIGTERM', { stderr: exit.stderr })
  })
})

t.test('help and unknown commands', async (t) => {
  const help = await run(t, ['help'], {})
  t.equal(help.code, 0, 'exits 0')
  t.match(help.stdout, /^Usage: tongban <command>/)
  for (const command of ['start', 'worker', 'migrate']) t.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'), command)

  const unknown = await run(t, ['frobnicate'], {})
  t.equal(unknown.code, 2, 'exits 2')
  t.match(unknown.stderr, /unknown command "frobnicate"/)
  t.match(unknown.stderr, /Usage: tongban/)
})
