// The vault in use: a department's OAuth credentials stored sealed through the API and read only
// for each token request (audited), staff members' department accounts, and no secret in clear in
// the database or in an answer. A whole gateway on PostgreSQL against the market simulator.
import t from 'tap'
import { startSimulator } from '../adapters/market-regulation/simulator.ts'
import { eventually, startTestGateway } from './helpers.ts'

type Json = Record<string, any>
const CLIENT_SECRET = 'market-secret-for-the-vault-test-0001'
const DEPT_PASSWORD = 'Dept-Account-Password-42'

t.test('department credentials from the vault (postgres)', async (t) => {
  const sim = await startSimulator({ seed: 31, enterprises: 30, rateLimitPerSecond: 1000, unavailableRate: 0, churnPerRequest: 0, growPerMinute: 0, clients: [{ clientId: 'vault-client', clientSecret: CLIENT_SECRET }] })
  t.teardown(sim.close)
  const { gateway, bootstrapAuth, auth } = await startTestGateway(t, {
    store: 'postgres',
    redisIndex: 14, // suites run one at a time, each flushes its index
    adapters: [
      { id: 'household-registration', adapter: 'household-registration', webhook: { secrets: ['whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ='] } },
      { id: 'market-regulation', adapter: 'market-regulation', baseUrl: sim.url, credentials: 'vault', every: '1s', retries: { attempts: 50, backoff: '100ms' }, breaker: { volumeThreshold: 1000 } },
    ],
  })
  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number, body: Json }> => {
    const res = await fetch(`${gateway.url}/api/v1${path}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    return { status: res.status, body: await res.json().catch(() => ({})) as Json }
  }
  const token = async (roles: string[]) => ({ authorization: `Bearer ${(await call('POST', '/tokens', bootstrapAuth, { name: `v-${roles[0]}`, roles, town: '320412120000' })).body.token}` })
  const security = await token(['security-admin'])
  const window = await token(['window-staff'])

  // Nothing stored yet: the pull cannot get a token.
  await eventually(async () => (await call('GET', '/sync/market-regulation/runs', auth)).body.items?.some((r: Json) => /no clientId and clientSecret stored in the vault/.test(r.error ?? '')))

  t.same((await call('PUT', '/vault/credentials/market-regulation', window, { credentials: { clientId: 'x', clientSecret: 'y' } })).status, 403, 'window staff may not')
  t.same((await call('PUT', '/vault/credentials/no-such-instance', security, { credentials: { clientId: 'x' } })).body.code, 'TB_ADAPTER_NOT_FOUND')
  t.equal((await call('PUT', '/vault/credentials/market-regulation', security, { credentials: { clientId: 'vault-client', clientSecret: CLIENT_SECRET } })).status, 204)
  await eventually(async () => (await call('GET', '/enterprises?limit=200', auth)).body.items?.length > 20, 60_000)
  t.pass('with the stored credentials the pull signs in and syncs')

  const used = await eventually(async () => {
    const items = (await call('GET', '/audit?action=vault.use', await token(['auditor']))).body.items as Json[] | undefined
    return items?.find((e) => e.outcome === 'ok' && e.subject === 'market-regulation')
  })
  t.match(used, { actor: 'system', action: 'vault.use' }, 'every read of the credentials is audited')

  // Staff members' department accounts.
  t.equal((await call('POST', '/staff', bootstrapAuth, { username: 'qian.li', name: '钱丽', town: '320412120000', roles: ['window-staff'], password: 'Window-Staff-2026' })).status, 201)
  t.equal((await call('PUT', '/staff/qian.li/accounts/market-regulation', security, { username: 'qianli@scjg', password: DEPT_PASSWORD })).status, 204)
  const accounts = await call('GET', '/staff/qian.li/accounts', security)
  t.same(accounts.body.items.map((a: Json) => [a.adapter, a.username, a.hasPassword]), [['market-regulation', 'qianli@scjg', true]])
  t.notOk(JSON.stringify(accounts.body).includes(DEPT_PASSWORD), 'the password is never answered')
  t.equal((await call('GET', '/staff/nobody-here/accounts', security)).body.code, 'TB_STAFF_NOT_FOUND')

  // No secret in clear anywhere in the database.
  const { rows } = await gateway.platform.db.query<{ text: string }>(
    "SELECT string_agg(row_to_json(x)::text, ' ') AS text FROM (SELECT * FROM department_credentials) x UNION ALL SELECT string_agg(row_to_json(y)::text, ' ') FROM (SELECT * FROM staff_accounts) y")
  const dump = rows.map((r) => r.text ?? '').join(' ')
  t.ok(dump.length > 0)
  for (const secret of [CLIENT_SECRET, DEPT_PASSWORD]) {
    t.notOk(dump.includes(secret) || dump.includes(Buffer.from(secret).toString('hex')), 'sealed in the database')
  }
  t.equal((await call('DELETE', '/staff/qian.li/accounts/market-regulation', security)).body.removed, true)
})
