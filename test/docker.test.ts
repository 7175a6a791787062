// The Docker files read as a county IT team would run them (no Docker engine here): compose builds
// one image, mounts the county's configuration, requires every secret; the build context leaves
// out var/ (admin token, master key), node_modules and .git.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
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
