// Real PostgreSQL topologies for tests, on private ports in a temporary directory: a PostgreSQL 15
// primary made with initdb, a streaming standby made from it with `pg_basebackup -R`, and Debian's
// PgBouncer in transaction mode in front of the primary. Tests run as root and PostgreSQL refuses
// to, so every server runs as the `postgres` OS user (runuser) on directories it owns. The servers
// daemonise; each is stopped by its own pid file at teardown, and the directory removed.
import { execFile } from 'node:child_process'
import { connect } from 'node:net'
import { chown, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'

interface Teardown { teardown: (fn: () => unknown) => void }

const run = promisify(execFile)
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'
const PGBOUNCER = process.env.PGBOUNCER ?? '/usr/sbin/pgbouncer'
const OS_USER = 'postgres'

/** `command` as the postgres OS user, in `cwd` (its own directory: runuser keeps the caller's). */
async function asPostgres (cwd: string, command: string, args: string[]): Promise<string> {
  try {
    return (await run('runuser', ['-u', OS_USER, '--', command, ...args], { cwd, timeout: 60_000 })).stdout
  } catch (err) {
    const e = err as Error & { stderr?: string }
    throw new Error(`${command} ${args.join(' ')}: ${e.stderr ?? e.message}`)
  }
}

const urlOf = (port: number, database: string): string => `postgres://postgres@127.0.0.1:${port}/${database}`

/** Runs `sql` once on a connection of its own (no pool to leave behind). */
export async function queryOnce<T = Record<string, unknown>> (url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  client.on('error', () => {})
  await client.connect()
  try {
    return (await client.query(sql, params)).rows as T[]
  } finally {
    await client.end().catch(() => {})
  }
}

async function until (what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > end) throw new Error(`pg cluster: ${what} not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export interface PgServer {
  port: number
  dir: string
  url: (database?: string) => string
  start: () => Promise<void>
  /** `fast` (a clean shutdown) or `immediate` (as after a crash: the next start recovers). */
  stop: (mode?: 'fast' | 'immediate') => Promise<void>
  running: () => Promise<boolean>
}

function pgServer (dir: string, port: number): PgServer {
  const ctl = async (...args: string[]): Promise<void> => { await asPostgres(dir, join(BIN, 'pg_ctl'), ['-D', dir, ...args]) }
  return {
    port,
    dir,
    url: (database = 'postgres') => urlOf(port, database),
    start: async () => { await ctl('-l', join(dir, 'server.log'), '-w', '-t', '60', 'start') },
    stop: async (mode = 'fast') => { await ctl('-m', mode, '-w', 'stop') },
    running: async () => await ctl('status').then(() => true, () => false),
  }
}

export interface PgStandby extends PgServer {
  /** Stops replaying WAL (it is still received): the standby lags until resumed. */
  pauseReplay: () => Promise<void>
  resumeReplay: () => Promise<void>
  /** Waits until the standby has replayed everything the primary has written so far. */
  caughtUp: () => Promise<void>
  /** Makes it a primary of its own (it stops following). */
  promote: () => Promise<void>
}

export interface PgBouncer {
  port: number
  url: (database?: string) => string
  /** A command on PgBouncer's admin console: `SHOW STATS`, `PAUSE <db>`, `RESUME`, `KILL <db>` (cuts its connections) … */
  admin: <T = Record<string, unknown>>(command: string) => Promise<T[]>
  start: () => Promise<void>
  stop: () => Promise<void>
}

export interface PgCluster {
  primary: PgServer
  standby: PgStandby | undefined
  pooler: PgBouncer | undefined
  /** Creates `database` on the primary and, with a standby, waits until it is there too. */
  createDatabase: (database: string) => Promise<void>
  /** tongban's three URLs for `database`: pooled (or the primary), direct, and the standby's. */
  urls: (database: string) => { databaseUrl: string, databaseDirectUrl: string, databaseReadUrl?: string }
  /** Stops every server (also done at teardown). */
  stop: () => Promise<void>
}

export interface PgClusterOptions {
  /** The primary listens here, the standby on the next port, PgBouncer on the one after. */
  basePort: number
  standby?: boolean
  pooler?: boolean
}

/** A primary, optionally a streaming standby and PgBouncer (both by default), stopped and removed at teardown. */
export async function startPgCluster (t: Teardown, opts: PgClusterOptions): Promise<PgCluster> {
  // Servers daemonise: a run killed before its teardown leaves them behind, on these ports.
  for (const port of [opts.basePort, opts.basePort + 1, opts.basePort + 2]) {
    if (await listening(port)) throw new Error(`pg cluster: port ${port} is taken; stop what listens there (a run that did not tear down: its postmaster.pid and pgbouncer.pid are under /tmp/tongban-pg-*)`)
  }
  const root = await mkdtemp(join(tmpdir(), 'tongban-pg-'))
  const stops: Array<() => Promise<void>> = []
  const stop = async (): Promise<void> => {
    for (const fn of stops.splice(0).reverse()) await fn().catch(() => {})
  }
  t.teardown(async () => {
    await stop()
    await rm(root, { recursive: true, force: true })
  })
  const pgOwned = async (path: string): Promise<void> => {
    const { uid, gid } = await osUser()
    await chown(path, uid, gid)
  }
  await pgOwned(root)

  const primaryDir = join(root, 'primary')
  await asPostgres(root, join(BIN, 'initdb'), ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'])
  await appendFile(primaryDir + '/postgresql.conf', [
    `port = ${opts.basePort}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${root}'`,
    'max_connections = 100',
    'shared_buffers = 32MB',
    'wal_level = replica',
    'max_wal_senders = 4',
    'hot_standby = on',
    // A test's data is thrown away: durability buys nothing here and costs the shared disk.
    'fsync = off',
    'full_page_writes = off',
    '',
  ].join('\n'))
  const primary = pgServer(primaryDir, opts.basePort)
  await primary.start()
  stops.push(async () => { if (await primary.running()) await primary.stop('immediate') })

  let standby: PgStandby | undefined
  if (opts.standby !== false) {
    const dir = join(root, 'standby')
    const port = opts.basePort + 1
    await asPostgres(root, join(BIN, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'])
    // The copied postgresql.conf names the primary's port; a later line wins.
    await appendFile(join(dir, 'postgresql.conf'), `port = ${port}\n`)
    const server = pgServer(dir, port)
    await server.start()
    stops.push(async () => { if (await server.running()) await server.stop('immediate') })
    standby = {
      ...server,
      pauseReplay: async () => { await queryOnce(server.url(), 'SELECT pg_wal_replay_pause()') },
      resumeReplay: async () => { await queryOnce(server.url(), 'SELECT pg_wal_replay_resume()') },
      async caughtUp () {
        const [{ lsn }] = await queryOnce<{ lsn: string }>(primary.url(), 'SELECT pg_current_wal_lsn()::text AS lsn') as [{ lsn: string }]
        await until('the standby replaying the primary', async () =>
          (await queryOnce<{ ok: boolean }>(server.url(), 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]))[0]?.ok === true)
      },
      promote: async () => { await asPostgres(dir, join(BIN, 'pg_ctl'), ['-D', dir, '-w', 'promote']) },
    }
  }

  let pooler: PgBouncer | undefined
  if (opts.pooler !== false) pooler = await startPgBouncer(root, opts.basePort + 2, primary, stops)

  return {
    primary,
    standby,
    pooler,
    async createDatabase (database) {
      await queryOnce(primary.url(), `CREATE DATABASE ${pg.escapeIdentifier(database)}`)
      if (standby) await standby.caughtUp()
    },
    urls: (database) => ({
      databaseUrl: (pooler ?? primary).url(database),
      databaseDirectUrl: primary.url(database),
      ...(standby ? { databaseReadUrl: standby.url(database) } : {}),
    }),
    stop,
  }
}

/**
 * PgBouncer as tongban expects it in production: transaction pooling, any database of the primary.
 * Trust authentication: the test's servers listen on loopback only.
 */
async function startPgBouncer (root: string, port: number, primary: PgServer, stops: Array<() => Promise<void>>): Promise<PgBouncer> {
  const dir = join(root, 'pgbouncer')
  await asPostgres(root, 'mkdir', [dir])
  const ini = join(dir, 'pgbouncer.ini')
  const pidfile = join(dir, 'pgbouncer.pid')
  await writeFile(join(dir, 'userlist.txt'), '"postgres" ""\n')
  await writeFile(ini, [
    '[databases]',
    `* = host=127.0.0.1 port=${primary.port}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    `unix_socket_dir = ${dir}`,
    'auth_type = trust',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    'admin_users = postgres',
    'pool_mode = transaction',
    'max_client_conn = 200',
    'default_pool_size = 20',
    'ignore_startup_parameters = extra_float_digits',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    `pidfile = ${pidfile}`,
    '',
  ].join('\n'))
  const url = (database = 'postgres'): string => urlOf(port, database)
  const pidOf = async (): Promise<number | undefined> => {
    const text = await readFile(pidfile, 'utf8').catch(() => '')
    return text.trim() === '' ? undefined : Number(text.trim())
  }
  const bouncer: PgBouncer = {
    port,
    url,
    admin: async (command) => await queryOnce(url('pgbouncer'), command),
    async start () {
      await asPostgres(dir, PGBOUNCER, ['-d', ini])
      await until(`PgBouncer on port ${port}`, async () => (await queryOnce(url('pgbouncer'), 'SHOW VERSION')).length > 0)
    },
    async stop () {
      const pid = await pidOf()
      if (pid === undefined) return
      try { process.kill(pid, 'SIGTERM') } catch { return } // SIGTERM: shut down at once, not waiting for clients to leave
      await until('PgBouncer to stop', async () => { try { process.kill(pid, 0); return false } catch { return true } }, 10_000)
    },
  }
  await bouncer.start()
  stops.push(bouncer.stop)
  return bouncer
}

async function listening (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { resolve(false) })
  })
}

async function osUser (): Promise<{ uid: number, gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', OS_USER]), run('id', ['-g', OS_USER])])
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}
