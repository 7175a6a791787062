// Real Redis topologies for tests, on private ports in temporary directories: a master with a
// replica watched by three Sentinels, and a six-node Cluster (three masters, one replica each).
// Every server is a child of the test process, stopped (SIGKILL: nothing to keep) at teardown.
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'

interface Teardown { teardown: (fn: () => unknown) => void }

const run = promisify(execFile)

export interface Topology {
  /** REDIS_URL for tongban. */
  url: string
  /** The masters, host:port, as a test would reach them directly (one for Sentinel, three for Cluster). */
  masters: () => Promise<Array<{ host: string, port: number }>>
}

async function answers (port: number): Promise<boolean> {
  const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  r.on('error', () => {}) // a refused connection is the answer "no", not an error to print
  try { await r.connect(); return (await r.ping()) === 'PONG' } catch { return false } finally { r.disconnect() }
}

async function until (what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`redis topology: ${what} not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Starts redis-server with `args`, waits for it to answer on `port`, and stops it at teardown. */
async function server (t: Teardown, port: number, args: string[]): Promise<ChildProcess> {
  if (await answers(port)) throw new Error(`redis topology: port ${port} is taken; stop what listens there`)
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  await until(`redis-server on port ${port}`, async () => await answers(port))
  return child
}

async function workDir (t: Teardown, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `tongban-${name}-`))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

const plain = (port: number, dir: string): string[] => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no']

async function info (port: number, section: string): Promise<string> {
  const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 })
  try { return await r.info(section) } finally { r.disconnect() }
}

/** A master (`ports.master`), its replica and three Sentinels monitoring it as `mymaster`. */
export async function startSentinel (t: Teardown, ports: { master: number, replica: number, sentinels: [number, number, number] }): Promise<Topology> {
  const dir = await workDir(t, 'sentinel')
  await server(t, ports.master, plain(ports.master, dir))
  await server(t, ports.replica, [...plain(ports.replica, dir), '--replicaof', '127.0.0.1', String(ports.master)])
  await until('the replica in sync', async () => /master_link_status:up/.test(await info(ports.replica, 'replication')))
  for (const port of ports.sentinels) {
    // Sentinel rewrites its configuration file, so each has its own.
    const conf = join(dir, `sentinel-${port}.conf`)
    await writeFile(conf, [
      `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
      `sentinel monitor mymaster 127.0.0.1 ${ports.master} 2`,
      'sentinel down-after-milliseconds mymaster 2000',
      'sentinel failover-timeout mymaster 10000',
    ].join('\n') + '\n')
    await server(t, port, [conf, '--sentinel'])
  }
  // Each Sentinel has found the replica and the other Sentinels (they talk through the master).
  await until('sentinels that know each other', async () => {
    for (const port of ports.sentinels) {
      if (!/slaves=1,sentinels=3/.test(await info(port, 'sentinel'))) return false
    }
    return true
  })
  return {
    url: `redis+sentinel://${ports.sentinels.map((p) => `127.0.0.1:${p}`).join(',')}/mymaster`,
    masters: async () => {
      const r = new Redis(ports.sentinels[0], '127.0.0.1', { maxRetriesPerRequest: 1 })
      try {
        const [host, port] = await r.call('SENTINEL', 'get-master-addr-by-name', 'mymaster') as [string, string]
        return [{ host, port: Number(port) }]
      } finally { r.disconnect() }
    },
  }
}

/** Six cluster nodes on `ports`, joined by redis-cli into three masters with a replica each. */
export async function startCluster (t: Teardown, ports: [number, number, number, number, number, number]): Promise<Topology> {
  const dir = await workDir(t, 'cluster')
  await Promise.all(ports.map(async (port) => await server(t, port, [
    ...plain(port, dir), '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
  ])))
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 })
  await until('the cluster ok on every node, three masters each with a replica', async () => {
    for (const port of ports) {
      if (!/cluster_state:ok/.test(await clusterInfo(port))) return false
    }
    return (await clusterNodes(ports[0])).filter((node) => node.flags.includes('slave')).length === 3
  })
  // Masters that serve slots: a node on its way to being a replica is briefly a master of none.
  const masters = async (): Promise<Array<{ host: string, port: number }>> =>
    (await clusterNodes(ports[0])).filter((node) => node.flags.includes('master') && node.slots > 0).map(({ host, port }) => ({ host, port }))
  return { url: `redis+cluster://127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}`, masters }
}

/** CLUSTER NODES as one node sees them: "<id> <host:port@bus> <flags> <master> … <slot ranges…>". */
async function clusterNodes (port: number): Promise<Array<{ host: string, port: number, flags: string[], slots: number }>> {
  const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 })
  try {
    const lines = (await r.call('CLUSTER', 'NODES') as string).split('\n').filter((line) => line.trim() !== '')
    return lines.map((line) => {
      const fields = line.split(' ')
      const [host, nodePort] = fields[1]!.split('@')[0]!.split(':')
      return { host: host!, port: Number(nodePort), flags: fields[2]!.split(','), slots: fields.length - 8 }
    })
  } finally { r.disconnect() }
}

async function clusterInfo (port: number): Promise<string> {
  const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 })
  try { return await r.call('CLUSTER', 'INFO') as string } finally { r.disconnect() }
}

/** Sets a server's maxmemory-policy (to provoke tongban's refusal, and to put it back). */
export async function setEvictionPolicy (at: { host: string, port: number }, policy: string): Promise<void> {
  const r = new Redis(at.port, at.host, { maxRetriesPerRequest: 1 })
  try { await r.config('SET', 'maxmemory-policy', policy) } finally { r.disconnect() }
}
