// tongban on Redis Sentinel and Redis Cluster, real servers on private ports: a gateway started
// with a redis+sentinel:// or redis+cluster:// REDIS_URL takes a signed webhook and unifies it
// (BullMQ's scripts on hash-tagged queues), signs staff in and out (sessions), counts sign-in
// attempts (rate limit) and keeps department SSO state (the OIDC adapter's transactions); and it
// refuses to start while a master may evict keys.
import t, { type Test } from 'tap'
import { sign } from '../src/crypto/webhook-signature.ts'
import { buildMessage, residentAt, residentFacts } from '../adapters/household-registration/data.ts'
import { startGateway, type Gateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'
import { connectRedis, parseRedisUrl } from '../src/redis/connect.ts'
import { readSettings } from '../src/runtime/settings.ts'
import { openSharedPlatform } from '../src/runtime/worker.ts'
import { redisAdapter } from '../src/auth/provider/redis-adapter.ts'
import { BOOTSTRAP_TOKEN, DEMO_SECRET, captureLogger, eventually, freshPostgresUrl, operatorAuth, tempDir } from './helpers.ts'
import { setEvictionPolicy, startCluster, startSentinel, type Topology } from './helpers/redis-topologies.ts'

const TOWN = '320412120000'
const PASSWORD = 'Window-Staff-2026'
const json = { 'content-type': 'application/json' }

async function gatewayOn (t: Test, redisUrl: string, databaseUrl: string): Promise<Gateway> {
  const config = Config.parse({
    towns: [{ code: TOWN, name: '武进区湟里镇' }],
    adapters: [{ id: 'household-registration', adapter: 'household-registration', webhook: { secrets: [DEMO_SECRET] }, concurrency: 2 }],
  })
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: await tempDir(t), configPath: '(test)', redisUrl, databaseUrl, adminToken: BOOTSTRAP_TOKEN,
  }, { config, logger: captureLogger().logger, sweepEveryMs: 1000 })
  t.teardown(gateway.stop)
  return gateway
}

t.test('REDIS_URL: the three forms, and a wrong one refused with what is wrong', async (t) => {
  t.match(parseRedisUrl('redis://:pw@127.0.0.1:6379/2'), { ok: true, target: { kind: 'standalone' } })
  t.same(parseRedisUrl('redis+sentinel://:p%40ss@s1:26379,s2/mymaster/3?sentinelPassword=sp'), {
    ok: true, target: { kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], name: 'mymaster', db: 3, password: 'p@ss', sentinelPassword: 'sp' },
  })
  t.same(parseRedisUrl('redis+cluster://n1:7001,[::1]'), { ok: true, target: { kind: 'cluster', nodes: [{ host: 'n1', port: 7001 }, { host: '::1', port: 6379 }] } })
  const refused = (url: string): unknown => { try { readSettings({ REDIS_URL: url }); return undefined } catch (err) { return err } }
  t.match(refused('redis+sentinel://s1:26379'), { code: 'TB_CONFIG_INVALID', message: /REDIS_URL is invalid: the path names the master/ })
  t.match(refused('redis+cluster://:secret@n1:7001/1'), { code: 'TB_CONFIG_INVALID', message: /only database 0/ })
  t.notMatch(String(refused('redis+cluster://:secret@n1:7001/1')), /secret/, 'the password is not repeated')
  t.match(refused('redis+cluster://n1:70011'), { message: /"n1:70011" has no port number/ })
  for (const url of ['redis+sentinel://:Qz7@Wk@s1/mymaster', 'redis+sentinel://:Qz7/Wk@s1/mymaster', 'redis+cluster://:Qz7%zzWk@n1']) {
    t.match(refused(url), { code: 'TB_CONFIG_INVALID', message: /percent-encode|%-escape/ })
    t.notMatch(String(refused(url)), /Qz7|Wk/, 'no part of the password is repeated')
  }
  t.match(refused('memcached://m1'), { message: /a redis:\/\/, rediss:\/\/, redis\+sentinel:\/\/.* or redis\+cluster:\/\// })
})

const topologies: Array<[string, (t: Test) => Promise<Topology>]> = [
  ['Sentinel', async (t) => await startSentinel(t, { master: 7201, replica: 7202, sentinels: [26371, 26372, 26373] })],
  ['Cluster', async (t) => await startCluster(t, [7203, 7204, 7205, 7206, 7207, 7208])],
]

for (const [name, start] of topologies) {
  t.test(`a gateway on Redis ${name}`, async (t) => {
    const topology = await start(t)
    const databaseUrl = await freshPostgresUrl(t)

    // Awaited: the gateway below starts only once the policy is back.
    await t.test('refuses to start while a master may evict keys', async (t) => {
      const masters = await topology.masters()
      const last = masters[masters.length - 1]!
      await setEvictionPolicy(last, 'allkeys-lru')
      try {
        await t.rejects(gatewayOn(t, topology.url, databaseUrl), { code: 'TB_REDIS_EVICTION_POLICY', message: /maxmemory-policy allkeys-lru.*CONFIG SET maxmemory-policy noeviction/ })
        // Worker and scheduler processes open their platform another way, and refuse the same.
        const opened = openSharedPlatform(readSettings({ REDIS_URL: topology.url, DATABASE_URL: databaseUrl }), captureLogger().logger, 'a worker')
        await t.rejects(opened.then(async (shared) => { await shared.close() }), { code: 'TB_REDIS_EVICTION_POLICY' })
      } finally {
        await setEvictionPolicy(last, 'noeviction')
      }
    })

    const gateway = await gatewayOn(t, topology.url, databaseUrl)
    const base = gateway.url

    t.test('a signed webhook is accepted and unified', async (t) => {
      const auth = await operatorAuth(base)
      const facts = residentFacts(13, 4)
      const msg = { ...buildMessage(13, 1, { records: [residentAt(13, 4)], eventType: 'QR', occurTime: '2026-11-20 09:31:05' }), msgId: `HRTOPO${name}${Date.now()}` }
      const body = JSON.stringify(msg)
      const ts = Math.floor(Date.now() / 1000)
      const res = await fetch(`${base}/webhooks/household-registration`, {
        method: 'POST', body, headers: { ...json, 'webhook-id': msg.msgId, 'webhook-timestamp': String(ts), 'webhook-signature': sign(DEMO_SECRET, msg.msgId, ts, body) },
      })
      t.equal(res.status, 202)
      const person = await eventually(async () => {
        const r = await fetch(`${base}/api/v1/persons/${facts.idNumber}`, { headers: auth })
        return r.status === 200 ? await r.json() as Record<string, unknown> : undefined
      }, 30_000)
      t.match(person, { idNumber: facts.idNumber, name: facts.name })
    })

    t.test('staff sign in, keep a session and end them all; sign-in attempts are counted', async (t) => {
      const created = await fetch(`${base}/api/v1/staff`, {
        method: 'POST', headers: { ...json, authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, body: JSON.stringify({ username: 'li.na', name: '李娜', town: TOWN, roles: ['window-staff'], password: PASSWORD }),
      })
      t.equal(created.status, 201)
      const signIn = async (): Promise<{ cookie: string, csrf: string, remaining: number }> => {
        const res = await fetch(`${base}/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'li.na', password: PASSWORD }) })
        t.equal(res.status, 200)
        const cookie = res.headers.getSetCookie().find((c) => c.startsWith('tb_session='))!.split(';')[0]!
        return { cookie, csrf: (await res.json() as { csrfToken: string }).csrfToken, remaining: Number(res.headers.get('x-ratelimit-remaining')) }
      }
      const first = await signIn()
      const second = await signIn()
      t.equal(second.remaining, first.remaining - 1, 'the rate limit counts each sign-in in Redis')
      for (const s of [first, second]) {
        const me = await fetch(`${base}/auth/me`, { headers: { cookie: s.cookie } })
        t.equal(me.status, 200, 'each session is live')
      }
      const all = await fetch(`${base}/auth/logout-all`, { method: 'POST', headers: { cookie: second.cookie, 'x-csrf-token': second.csrf } })
      t.equal(all.status, 204)
      for (const s of [first, second]) t.equal((await fetch(`${base}/auth/me`, { headers: { cookie: s.cookie } })).status, 401, 'and every session ended at once')
    })

    t.test('department SSO state: written, consumed once and revoked by grant in one slot', async (t) => {
      const redis = connectRedis(topology.url)
      t.teardown(() => { redis.disconnect() })
      const Adapter = redisAdapter(redis)
      const codes = new Adapter('AuthorizationCode')
      const tokens = new Adapter('AccessToken')
      await codes.upsert('code-1', { grantId: 'grant-1', uid: 'uid-1', kind: 'AuthorizationCode' }, 60)
      await tokens.upsert('token-1', { grantId: 'grant-1', kind: 'AccessToken' }, 60)
      t.match(await codes.findByUid('uid-1'), { grantId: 'grant-1' })
      await codes.consume('code-1')
      await t.rejects(codes.consume('code-1'), { name: 'InvalidGrant' }, 'a code redeemed twice revokes its grant')
      t.equal(await tokens.find('token-1'), undefined)
      t.equal(await codes.find('code-1'), undefined)
    })

    t.test('every queue lives on one slot of its own', async (t) => {
      const redis = connectRedis(topology.url)
      t.teardown(() => { redis.disconnect() })
      const slotOf = async (key: string): Promise<number> => await redis.call('CLUSTER', 'KEYSLOT', key) as number
      if (name === 'Cluster') {
        t.equal(await slotOf('tongban:{ingest.household-registration}:wait'), await slotOf('tongban:{ingest.household-registration}:meta'))
        t.not(await slotOf('tongban:{ingest.household-registration}:wait'), await slotOf('tongban:{outbox}:wait'))
      }
      t.ok(await eventually(async () => (await redis.exists('tongban:{ingest.household-registration}:meta')) === 1, 10_000), 'the ingest queue under its hash tag')
    })
  })
}
