// docker-compose.sentinel.yml run as its containers would run it, without Docker: its two Redis
// command lines and its Sentinels' configuration, as written, on private ports of this machine
// (host names to 127.0.0.1). Password-guarded Sentinels find each other, tongban connects with the
// file's REDIS_URL, start-up's noeviction check passes, and writes go on after the master is killed.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import t from 'tap'
import { parse } from 'yaml'
import { connectRedis, requireNoEviction } from '../src/redis/connect.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PASSWORD = 'c0mp05e5ent1nel'
const PORTS = { master: 16374, replica: 16375, sentinels: [16376, 16377, 16378] }

interface Service { command: string[], environment?: Record<string, string> }
const compose = parse(await readFile(join(ROOT, 'docker-compose.sentinel.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> }
const password = (s: string): string => s.replace(/\$\{REDIS_PASSWORD:\?[^}]+\}/g, PASSWORD)

async function ask<T> (port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(port, '127.0.0.1', { password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  r.on('error', () => {}) // not up yet: the caller asks again
  try { await r.connect(); return await fn(r) } finally { r.disconnect() }
}

async function until (what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

t.test('the Sentinel variant fails over and tongban follows', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tongban-compose-sentinel-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const children: Array<ReturnType<typeof spawn>> = []
  t.teardown(() => { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL') })
  const start = async (name: string, port: number, args: string[]): Promise<ReturnType<typeof spawn>> => {
    const child = spawn('redis-server', args, { stdio: 'ignore' })
    children.push(child)
    await until(`${name} on ${port}`, async () => await ask(port, async (r) => await r.ping()) === 'PONG')
    return child
  }

  // The data nodes: compose's command lines, with this machine's addresses and ports.
  const node = async (name: string, port: number): Promise<ReturnType<typeof spawn>> => {
    const args = compose.services[name]!.command.slice(1).map(password)
    args[args.indexOf('--replica-announce-ip') + 1] = '127.0.0.1'
    const replicaOf = args.indexOf('--replicaof')
    if (replicaOf !== -1) args.splice(replicaOf + 1, 2, '127.0.0.1', String(PORTS.master))
    const data = await mkdtemp(join(dir, `${name}-`))
    return await start(name, port, [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', data, '--save', ''])
  }
  const master = await node('redis', PORTS.master)
  await node('redis-replica', PORTS.replica)
  await until('the replica in sync', async () => /master_link_status:up/.test(await ask(PORTS.replica, async (r) => await r.info('replication'))))

  // The Sentinels: the configuration their command writes, as written but for where the master
  // is and a shorter wait before it is declared down (1 s instead of 5 s, for a quicker test).
  const script = compose.services.sentinel1!.command.join('\n')
  const conf = /<<EOF\n([\s\S]*?)\nEOF/.exec(script)![1]!.replaceAll('$$REDIS_PASSWORD', PASSWORD)
  t.match(conf, /^sentinel monitor mymaster redis 6379 2$/m, 'the Sentinels watch redis')
  for (const port of PORTS.sentinels) {
    const file = join(dir, `sentinel-${port}.conf`)
    await writeFile(file, `bind 127.0.0.1\ndir ${dir}\n` + conf
      .replace(/^port 26379$/m, `port ${port}`)
      .replace(/^sentinel monitor mymaster redis 6379 2$/m, `sentinel monitor mymaster 127.0.0.1 ${PORTS.master} 2`)
      .replace(/^sentinel down-after-milliseconds mymaster \d+$/m, 'sentinel down-after-milliseconds mymaster 1000') + '\n')
    await start(`sentinel ${port}`, port, [file, '--sentinel'])
  }
  // They found the replica and each other: through the master, with their passwords.
  await until('Sentinels that know each other', async () => {
    for (const port of PORTS.sentinels) {
      if (!/slaves=1,sentinels=3/.test(await ask(port, async (r) => await r.info('sentinel')))) return false
    }
    return true
  })

  // tongban with the file's REDIS_URL, the Sentinels' names mapped to this machine.
  const composeUrl = password(compose.services.gateway!.environment!.REDIS_URL!)
  const url = composeUrl.replace(/sentinel(\d):26379/g, (_m, n: string) => `127.0.0.1:${PORTS.sentinels[Number(n) - 1]!}`)
  t.not(url, composeUrl, 'the Sentinels are named host:port')
  await requireNoEviction(url)
  t.pass('start-up\'s noeviction check passes on the master the Sentinels name')
  const redis = connectRedis(url)
  redis.on('error', () => {}) // while the master is gone and not yet replaced: the writes below wait
  t.teardown(() => { redis.disconnect() })
  await redis.set('before', '1')
  t.equal(await ask(PORTS.master, async (r) => await r.get('before')), '1', 'written to the master')

  master.kill('SIGKILL')
  const promoted = async (): Promise<boolean> => {
    const [, port] = await ask(PORTS.sentinels[0]!, async (r) => await r.call('SENTINEL', 'get-master-addr-by-name', 'mymaster')) as [string, string]
    return Number(port) === PORTS.replica
  }
  await until('the replica promoted', promoted, 30_000)
  await until('a write after the failover', async () => await redis.set('after', '2') === 'OK', 30_000)
  t.equal(await ask(PORTS.replica, async (r) => await r.get('after')), '2', 'tongban\'s connection writes to the new master')
  t.equal(await redis.get('before'), '1', 'what was written before is there')
})
