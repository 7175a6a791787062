// Every Redis connection of tongban starts here, from REDIS_URL, whatever the topology:
//
//   redis://[[user]:password@]host[:port][/db]         one server (rediss:// with TLS), as ioredis reads it
//   redis+sentinel://[[user]:password@]host[:port][,host[:port]…]/master[/db][?sentinelPassword=…]
//                                                      the master Sentinel names (port 26379 by default)
//   redis+cluster://[[user]:password@]host[:port][,host[:port]…]
//                                                      a Redis Cluster, found from any of its nodes (6379)
//
// The password and database in a Sentinel URL are the data nodes'; the Sentinels' own password, when
// they have one, is `sentinelPassword`. A cluster has only database 0, so its URL names none.
// Multi-key commands on a cluster need keys of one slot: see the hash tags in src/queues/queues.ts,
// src/auth/provider/redis-adapter.ts and the notes in src/auth/sessions.ts.
import { Cluster, Redis as Server } from 'ioredis'
import { z } from 'zod'
import { TongbanError } from '../errors.ts'

/** The Redis tongban talks to: one server (Sentinel's master is one) or a Cluster; they share the commands. */
export type Redis = Server | Cluster

const Port = z.coerce.number().int().min(1).max(65535)
const Host = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)$/, 'a host name or address')
const MasterName = z.string().regex(/^[A-Za-z0-9._-]+$/, 'the master\'s name as the Sentinels know it (letters, digits, . _ -)')
const Db = z.coerce.number().int().min(0).max(15)

const MULTI_HOST = /^(redis\+sentinel|redis\+cluster):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/

export type RedisTarget =
  | { kind: 'standalone', url: string }
  | { kind: 'sentinel', sentinels: Array<{ host: string, port: number }>, name: string, db: number, username?: string, password?: string, sentinelPassword?: string }
  | { kind: 'cluster', nodes: Array<{ host: string, port: number }>, username?: string, password?: string }

type Parsed = { ok: true, target: RedisTarget } | { ok: false, problem: string }

const problem = (text: string): Parsed => ({ ok: false, problem: text })

function hostsOf (list: string, defaultPort: number): Array<{ host: string, port: number }> | string {
  if (list === '') return 'no host: give host:port, separated by commas'
  const hosts: Array<{ host: string, port: number }> = []
  for (const item of list.split(',')) {
    const m = /^(\[[^\]]*\]|[^:]*)(?::([^:]*))?$/.exec(item)
    const host = Host.safeParse(m?.[1])
    if (!host.success) return `"${item}" is not host:port (${host.error.issues[0]!.message})`
    const port = m?.[2] === undefined ? { success: true as const, data: defaultPort } : Port.safeParse(m[2])
    if (!port.success) return `"${item}" has no port number between 1 and 65535`
    hosts.push({ host: host.data.replace(/^\[|\]$/g, ''), port: port.data })
  }
  return hosts
}


/** Reads REDIS_URL; a wrong URL says what is wrong and never repeats a password. */
export function parseRedisUrl (url: string): Parsed {
  if (/^rediss?:\/\//.test(url)) {
    if (!URL.canParse(url)) return problem('not a URL ioredis can read (redis://[[user]:password@]host[:port][/db])')
    return { ok: true, target: { kind: 'standalone', url } }
  }
  const m = MULTI_HOST.exec(url)
  if (!m) return problem('a redis://, rediss://, redis+sentinel://host:26379,…/master or redis+cluster://host:port,… URL')
  const [, scheme, user, pass, list, path, query] = m
  // An @ left after the user name and password means one of them holds an unencoded @ or /: say
  // so without quoting any part, which would be part of the password.
  if (`${list ?? ''}${path ?? ''}`.includes('@')) return problem('the user name or password holds an unencoded @, : or /: percent-encode them (encodeURIComponent)')
  let username: string | undefined
  let password: string | undefined
  try {
    username = user ? decodeURIComponent(user) : undefined
    password = pass ? decodeURIComponent(pass) : undefined
  } catch {
    return problem('the user name or password has a malformed %-escape: percent-encode it with encodeURIComponent')
  }
  const params = new URLSearchParams(query ?? '')
  if (scheme === 'redis+cluster') {
    if (path !== undefined && path !== '') return problem('a Redis Cluster has only database 0: leave the path out (redis+cluster://host:port,host:port)')
    if (params.size > 0) return problem(`a redis+cluster URL takes no parameters (got ${[...params.keys()].join(', ')})`)
    const nodes = hostsOf(list ?? '', 6379)
    if (typeof nodes === 'string') return problem(nodes)
    return { ok: true, target: { kind: 'cluster', nodes, ...(username ? { username } : {}), ...(password ? { password } : {}) } }
  }
  const sentinels = hostsOf(list ?? '', 26379)
  if (typeof sentinels === 'string') return problem(sentinels)
  const [nameText, dbText, ...rest] = (path ?? '').split('/')
  const name = MasterName.safeParse(nameText)
  if (!name.success) return problem(`the path names the master: redis+sentinel://host:26379,…/mymaster (${name.error.issues[0]!.message})`)
  if (rest.length > 0) return problem('the path is /master or /master/db, nothing more')
  const db = dbText === undefined || dbText === '' ? { success: true as const, data: 0 } : Db.safeParse(dbText)
  if (!db.success) return problem(`"${dbText}" is not a database number (0–15)`)
  const unknown = [...params.keys()].filter((k) => k !== 'sentinelPassword')
  if (unknown.length > 0) return problem(`a redis+sentinel URL takes only the sentinelPassword parameter (got ${unknown.join(', ')})`)
  const sentinelPassword = params.get('sentinelPassword') ?? undefined
  return {
    ok: true,
    target: { kind: 'sentinel', sentinels, name: name.data, db: db.data, ...(username ? { username } : {}), ...(password ? { password } : {}), ...(sentinelPassword ? { sentinelPassword } : {}) },
  }
}

/** REDIS_URL in the environment's schema: refused at start with the same words connectRedis would use. */
export const RedisUrl = z.string().superRefine((url, ctx) => {
  const parsed = parseRedisUrl(url)
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem })
})

function targetOf (url: string): RedisTarget {
  const parsed = parseRedisUrl(url)
  if (!parsed.ok) throw new TongbanError('TB_CONFIG_INVALID', ['REDIS_URL', parsed.problem])
  return parsed.target
}

/** Where a URL points, for logs and errors: hosts and names, never a password. */
export function describeRedis (url: string): string {
  const parsed = parseRedisUrl(url)
  if (!parsed.ok) return 'an unreadable REDIS_URL'
  const t = parsed.target
  const hosts = (list: Array<{ host: string, port: number }>): string => list.map((h) => `${h.host}:${h.port}`).join(',')
  if (t.kind === 'standalone') { const u = new URL(t.url); return `${u.protocol}//${u.host}${u.pathname}` }
  if (t.kind === 'sentinel') return `Sentinel ${hosts(t.sentinels)} master ${t.name}`
  return `Cluster ${hosts(t.nodes)}`
}

/**
 * A connection for `url`. BullMQ workers block on Redis, so by default commands wait through
 * reconnects (and failovers) rather than fail: `maxRetriesPerRequest: null`, which BullMQ requires.
 * A command-line tool that would rather fail than hang gives a number.
 */
export function connectRedis (url: string, opts: { maxRetriesPerRequest?: number | null } = {}): Redis {
  const target = targetOf(url)
  const common = { maxRetriesPerRequest: opts.maxRetriesPerRequest ?? null, enableReadyCheck: true }
  switch (target.kind) {
    case 'standalone': return new Server(target.url, common)
    case 'sentinel': {
      const { kind: _, ...sentinel } = target
      return new Server({ ...sentinel, ...common })
    }
    case 'cluster': {
      const auth = { ...(target.username ? { username: target.username } : {}), ...(target.password ? { password: target.password } : {}) }
      return new Cluster(target.nodes, { enableReadyCheck: true, redisOptions: { ...auth, maxRetriesPerRequest: common.maxRetriesPerRequest } })
    }
  }
}

/**
 * The masters of a connection, named for errors: every master of a cluster, or the one server
 * (with Sentinel, the current master). Replicas are not asked: ioredis knows a cluster's masters
 * only, and a replica's address as its master reports it is often not one we can reach.
 */
function mastersOf (redis: Redis, url: string): Array<[string, Server]> {
  if (!(redis instanceof Cluster)) return [[describeRedis(url), redis]]
  return redis.nodes('master').map((node) => [`${node.options.host ?? ''}:${node.options.port ?? ''} of ${describeRedis(url)}`, node])
}

/** Waits for `redis` to be ready; `lastError` names what went wrong meanwhile. */
async function whenReady (redis: Redis, url: string, timeoutMs: number, lastError: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      new Promise<void>((resolve) => redis.once('ready', resolve)),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => { reject(new TongbanError('TB_REDIS_UNREACHABLE', [describeRedis(url), timeoutMs / 1000, lastError()])) }, timeoutMs)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Refuses a Redis that may evict keys: BullMQ's jobs and tongban's sessions are data, not a cache,
 * and an evicted job is a webhook nobody processes until the sweeper's next round. Every master
 * of a cluster is asked; INFO rather than CONFIG GET, which managed services often disable.
 */
export async function requireNoEviction (url: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const redis = connectRedis(url)
  let last = 'no answer'
  redis.on('error', (err: Error) => { last = err.message })
  try {
    await whenReady(redis, url, opts.timeoutMs ?? 15_000, () => last)
    for (const [name, master] of mastersOf(redis, url)) {
      const info = await master.info('memory')
      const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown'
      if (policy !== 'noeviction') throw new TongbanError('TB_REDIS_EVICTION_POLICY', [name, policy])
    }
  } finally {
    redis.disconnect()
  }
}
