// The Docker files read as a county IT team would run them (no Docker engine here): compose builds
// one image, mounts the county's configuration, requires every secret; the build context leaves
// out var/ (admin token, master key), node_modules and .git. The Sentinel variant goes over it.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parse } from 'yaml'
import { loadConfig } from '../src/config/load.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const read = async (file: string): Promise<string> => await readFile(join(ROOT, file), 'utf8')

interface Service {
  image?: string
  build?: unknown
  command?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  healthcheck?: { test?: unknown, disable?: boolean }
  depends_on?: Record<string, { condition: string }>
}

t.test('docker-compose.yml', async (t) => {
  const text = await read('docker-compose.yml')
  const compose = parse(text, { merge: true }) as { services: Record<string, Service>, volumes: Record<string, unknown> }
  const services = compose.services
  const tongban = Object.entries(services).filter(([, s]) => s.image?.startsWith('tongban:'))
  t.same(tongban.map(([name]) => name).sort(), ['gateway', 'worker-household', 'worker-market'])

  t.equal(Object.values(services).filter((s) => s.build !== undefined).length, 1, 'one service builds')
  t.equal(new Set(tongban.map(([, s]) => s.image)).size, 1, 'the others run the image it builds')

  for (const [name, s] of tongban) {
    t.ok(s.volumes?.includes('./config/town.yaml:/app/config/town.yaml:ro'), `${name} mounts the county's configuration read-only`)
    t.equal(s.environment?.TONGBAN_CONFIG, '/app/config/town.yaml', `${name} reads it`)
    t.match(s.environment?.DATABASE_URL, /^postgres:\/\/tongban:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/tongban$/)
    t.match(s.environment?.REDIS_URL, /^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379$/)
    for (const key of ['TONGBAN_ADMIN_TOKEN', 'TONGBAN_MASTER_KEY']) t.match(s.environment?.[key], new RegExp(`^\\$\\{${key}:\\?`), `${name}: ${key} is required`)
    t.notOk(Object.keys(s.environment ?? {}).some((k) => k.startsWith('TONGBAN_DEMO_')), `${name}: nothing of the demo`)
  }
  t.same(services.gateway!.command, ['start', '--no-workers'])
  t.same(services['worker-household']!.command, ['worker', '--adapter', 'household-registration'])
  t.same(services['worker-market']!.command, ['worker', '--adapter', 'market-regulation'])

  // Every secret is required: no ${NAME:-default} or ${NAME-default} for anything secret.
  const refs = [...text.matchAll(/\$\{([A-Z0-9_]+)(:?[-?+]?)/g)].map(([, name, op]) => ({ name: name!, op: op! }))
  const secret = refs.filter((r) => /PASSWORD|SECRET|TOKEN|KEY/.test(r.name))
  t.ok(secret.length >= 5, 'the secrets are referenced')
  t.same(secret.filter((r) => r.op !== ':?'), [], 'every secret reference is ${NAME:?message}')
  t.notMatch(text, /tongban:tongban@|POSTGRES_PASSWORD: tongban/, 'no password written out')

  for (const name of ['postgres', 'redis']) {
    const s = services[name]!
    t.ok(s.healthcheck?.test, `${name} has a health check`)
    const volume = s.volumes?.[0]?.split(':')[0]
    t.ok(volume && volume in compose.volumes, `${name} keeps its data in a named volume`)
    t.same(services.gateway!.depends_on?.[name], { condition: 'service_healthy' }, `the gateway waits for ${name}`)
  }
  t.match(services.redis!.command, ['redis-server', '--appendonly', 'yes'])
  t.ok(services.redis!.command!.includes('--requirepass'), 'redis asks for its password')
  t.match(services.postgres!.environment?.POSTGRES_PASSWORD, /^\$\{POSTGRES_PASSWORD:\?/)
})

t.test('docker-compose.sentinel.yml: Redis as a master, a replica and three Sentinels', async (t) => {
  const base = parse(await read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> }
  const text = await read('docker-compose.sentinel.yml')
  const compose = parse(text, { merge: true }) as { services: Record<string, Service>, volumes: Record<string, unknown> }
  const services = compose.services
  const tongban = Object.keys(base.services).filter((name) => base.services[name]!.image?.startsWith('tongban:'))
  const sentinels = ['sentinel1', 'sentinel2', 'sentinel3']

  const url = /^redis\+sentinel:\/\/:\$\{REDIS_PASSWORD:\?[^}]+\}@([^/]+)\/([^?]+)\?sentinelPassword=\$\{REDIS_PASSWORD:\?[^}]+\}$/
  for (const name of tongban) {
    const s = services[name]
    t.ok(s, `${name} is overridden`)
    const [, hosts, master] = url.exec(s?.environment?.REDIS_URL ?? '') ?? []
    t.same(hosts?.split(','), sentinels.map((h) => `${h}:26379`), `${name} finds Redis through the three Sentinels`)
    t.equal(master, 'mymaster', `${name}: the master's name`)
    for (const h of sentinels) t.same(s?.depends_on?.[h], { condition: 'service_healthy' }, `${name} waits for ${h}`)
  }
  const { parseRedisUrl } = await import('../src/redis/connect.ts')
  const resolved = services.gateway!.environment!.REDIS_URL!.replace(/\$\{REDIS_PASSWORD:\?[^}]+\}/g, '0123abcd')
  t.match(parseRedisUrl(resolved), { ok: true, target: { kind: 'sentinel', name: 'mymaster', password: '0123abcd', sentinelPassword: '0123abcd', sentinels: sentinels.map((host) => ({ host, port: 26379 })) } }, 'tongban reads the URL')

  // Both data nodes: persistent, never evicting, password-guarded, and each able to follow the other.
  for (const name of ['redis', 'redis-replica']) {
    const command = services[name]!.command!
    const flag = (f: string): string | undefined => command[command.indexOf(f) + 1]
    t.equal(flag('--appendonly'), 'yes', `${name}: AOF`)
    t.equal(flag('--maxmemory-policy'), 'noeviction', `${name}: noeviction (tongban refuses anything else)`)
    for (const f of ['--requirepass', '--masterauth']) t.match(flag(f), /^\$\{REDIS_PASSWORD:\?/, `${name}: ${f}`)
    t.equal(flag('--replica-announce-ip'), name, `${name} is announced by a name the network resolves`)
  }
  t.same(services['redis-replica']!.command!.slice(-3), ['--replicaof', 'redis', '6379'], 'the replica follows redis')

  for (const name of sentinels) {
    const s = services[name]!
    const script = s.command!.join(' ')
    t.match(script, /sentinel monitor mymaster redis 6379 2\n/, `${name} watches redis, quorum 2 of 3`)
    for (const line of ['requirepass $$REDIS_PASSWORD', 'sentinel auth-pass mymaster $$REDIS_PASSWORD', 'sentinel sentinel-pass $$REDIS_PASSWORD', 'sentinel resolve-hostnames yes']) t.ok(script.includes(`${line}\n`), `${name}: ${line}`)
    t.match(script, /\[ -f \/data\/sentinel\.conf \] \|\|/, `${name} writes its configuration only once (it rewrites it with what it learns)`)
    t.ok(s.healthcheck?.test, `${name} has a health check`)
    const volume = s.volumes?.[0]?.split(':')[0]
    t.ok(volume && volume in compose.volumes, `${name} keeps its configuration in a named volume`)
  }
  t.equal(new Set(sentinels.map((name) => services[name]!.volumes![0])).size, 3, 'a volume each')

  const refs = [...text.matchAll(/\$\{([A-Z0-9_]+)(:?[-?+]?)/g)].map(([, name, op]) => ({ name: name!, op: op! }))
  t.same(refs.filter((r) => r.op !== ':?'), [], 'every secret reference is ${NAME:?message}')

  // docker-compose (Debian's) merges and validates the two files without a Docker engine.
  const which = spawnSync('docker-compose', ['version'], { encoding: 'utf8' })
  if (which.error) { t.comment('docker-compose not installed: the merged configuration is not checked'); return }
  const dir = await mkdtemp(join(tmpdir(), 'tongban-compose-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  for (const file of ['docker-compose.yml', 'docker-compose.sentinel.yml']) await writeFile(join(dir, file), await read(file))
  await writeFile(join(dir, '.env'), '')
  const env = { PATH: process.env.PATH, POSTGRES_PASSWORD: 'pg0123', REDIS_PASSWORD: 'redis0123', TONGBAN_ADMIN_TOKEN: 'admin0123admin0123', TONGBAN_MASTER_KEY: 'a2V5' }
  const config = spawnSync('docker-compose', ['-f', 'docker-compose.yml', '-f', 'docker-compose.sentinel.yml', 'config'], { cwd: dir, env, encoding: 'utf8' })
  t.equal(config.status, 0, `docker-compose config: ${config.stderr}`)
  const merged = parse(config.stdout) as { services: Record<string, Service> }
  t.same(Object.keys(merged.services).sort(), [...Object.keys(base.services), 'redis-replica', ...sentinels].sort(), 'the services of both files')
  t.equal(merged.services.gateway?.environment?.REDIS_URL, 'redis+sentinel://:redis0123@sentinel1:26379,sentinel2:26379,sentinel3:26379/mymaster?sentinelPassword=redis0123')
  t.same(merged.services.gateway?.command, base.services.gateway!.command, 'the rest of the gateway is docker-compose.yml\'s')
  t.equal(merged.services.gateway?.environment?.DATABASE_URL, 'postgres://tongban:pg0123@postgres:5432/tongban')
})

t.test('.dockerignore keeps secrets and bulk out of the build context', async (t) => {
  const lines = (await read('.dockerignore')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  for (const entry of ['var', 'node_modules', '.git', '.env']) t.ok(lines.includes(entry), entry)
  // The configuration directory: the demo and the examples only, a county's own file stays out.
  t.ok(lines.includes('config/*'), 'config/ is excluded…')
  for (const file of ['demo.yaml', 'example.yaml', 'town.example.yaml']) t.ok(lines.includes(`!config/${file}`), `…but config/${file}`)
})

t.test('the Dockerfile', async (t) => {
  const dockerfile = await read('Dockerfile')
  t.match(dockerfile, /^ENV .*\bHOST=0\.0\.0\.0\b/m, 'the image listens beyond loopback (the default is 127.0.0.1)')
  for (const [, from] of dockerfile.matchAll(/^COPY (?!--from)(\S+(?: \S+)*) \S+$/gm)) {
    for (const path of from!.split(' ')) t.ok(existsSync(join(ROOT, path)), `COPY ${path} exists`)
  }
  t.match(dockerfile, /^FROM node:(2[2-9]|[3-9]\d)-/m, 'a supported Node.js line')
})

t.test('config/town.example.yaml is a valid start for a county', async (t) => {
  const env = {
    HOUSEHOLD_WEBHOOK_SECRET: 'whsec_Y291bnR5LWhvdXNlaG9sZC1zZWNyZXQtMDEyMzQ1Njc=',
    MARKET_BASE_URL: 'https://scjg.example.gov.cn/share',
    MARKET_CLIENT_ID: 'wujin',
    MARKET_CLIENT_SECRET: 'a-county-secret-0123456789',
  }
  const config = await loadConfig(join(ROOT, 'config', 'town.example.yaml'), env)
  t.same(config.adapters.map((a) => a.id), ['household-registration', 'market-regulation'])
  t.notOk(config.simulators, 'no simulated departments')
  await t.rejects(loadConfig(join(ROOT, 'config', 'town.example.yaml'), { ...env, MARKET_CLIENT_SECRET: undefined }), { code: 'TB_CONFIG_ENV_MISSING' }, 'a missing secret stops start-up')
})
