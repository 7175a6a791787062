// What an operator does to the servers under the suite: find a Redis server's process and its
// replica, start a killed Redis again, point PgBouncer at another PostgreSQL. The servers
// themselves are started by the tests' topology helpers (test/helpers).
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Redis } from 'ioredis'
import type { PgCluster } from '../test/helpers/pg-cluster.ts'
import { until, type Teardowns } from './support.ts'

async function redisInfo (port: number, section: string): Promise<string> {
  const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, lazyConnect: true })
  r.on('error', () => {})
  try { await r.connect(); return await r.info(section) } finally { r.disconnect() }
}

export async function redisPid (port: number): Promise<number> {
  const pid = /process_id:(\d+)/.exec(await redisInfo(port, 'server'))?.[1]
  if (!pid) throw new Error(`chaos: no process id from the Redis on port ${port}`)
  return Number(pid)
}

/** The port of the master's first replica. */
export async function replicaOf (masterPort: number): Promise<number> {
  const port = /slave0:ip=[^,]+,port=(\d+)/.exec(await redisInfo(masterPort, 'replication'))?.[1]
  if (!port) throw new Error(`chaos: the Redis master on port ${masterPort} has no replica`)
  return Number(port)
}

/**
 * Starts a plain Redis again on the port of one that was killed, empty (the suite's servers keep
 * nothing on disk). Sentinel turns a returning old master into a replica of the new one.
 */
export async function restartRedis (t: Teardowns, port: number, dir: string): Promise<void> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  await until(`Redis on port ${port} again`, async () => /redis_version/.test(await redisInfo(port, 'server')), 20_000)
}

/** The node of a Redis Cluster that serves the slot of `key`'s hash tag, as master. */
export async function clusterMasterOf (anyNode: number, key: string): Promise<number> {
  const r = new Redis(anyNode, '127.0.0.1', { maxRetriesPerRequest: 1 })
  try {
    const slot = await r.call('CLUSTER', 'KEYSLOT', key) as number
    const ranges = await r.call('CLUSTER', 'SLOTS') as Array<[number, number, [string, number, ...unknown[]]]>
    const range = ranges.find(([from, to]) => slot >= from && slot <= to)
    if (!range) throw new Error(`chaos: no cluster node serves slot ${slot}`)
    return Number(range[2][1])
  } finally { r.disconnect() }
}

/**
 * PgBouncer's configuration file as the pg-cluster helper writes it (beside the primary's
 * directory), with `database` named explicitly — so that pointing it elsewhere later is a
 * one-line change and a RELOAD, as an operator would make it after a promotion.
 */
function iniOf (pg: PgCluster): string {
  return join(dirname(pg.primary.dir), 'pgbouncer', 'pgbouncer.ini')
}

export async function pinPoolerDatabase (pg: PgCluster, database: string, port: number): Promise<void> {
  const ini = iniOf(pg)
  const text = await readFile(ini, 'utf8')
  const line = `${database} = host=127.0.0.1 port=${port} dbname=${database}`
  const pinned = new RegExp(`^${database} = .*$`, 'm')
  await writeFile(ini, pinned.test(text) ? text.replace(pinned, line) : text.replace('[databases]\n', `[databases]\n${line}\n`))
  await pg.pooler!.admin('RELOAD')
}
