// Who may call /api/v1 and how often: the per-caller rate limit, what each role and the bootstrap
// token may do, and the refusals of input a schema alone cannot judge. A whole gateway on PGlite.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { API_RATE } from '../src/server/auth.ts'
import { PERMISSIONS, can, grantsOf } from '../src/auth/access.ts'
import { ROLES } from '../src/auth/principal.ts'
import { BOOTSTRAP_TOKEN, callApi, operatorAuth, startTestGateway, type Json } from './helpers.ts'

/** The rows of the markdown table whose header row starts with `| <first> |`, as cells. */
function tableRows (markdown: string, first: string): string[][] {
  const lines = markdown.split('\n')
  const start = lines.findIndex((l) => l.startsWith(`| ${first} |`))
  const rows: string[][] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    rows.push(line.split('|').slice(1, -1).map((c) => c.trim()))
  }
  return rows
}
const codeSpans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)

t.test('/api/v1 access', async (t) => {
  const { gateway } = await startTestGateway(t, { store: 'pglite', redisIndex: 15 })
  const base = gateway.url
  const bootstrap = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }

  t.test(`the rate limit: ${API_RATE.max} requests a minute per caller, then 429 TB_RATE_LIMITED with Retry-After`, async (t) => {
    const runaway = await operatorAuth(base)
    const other = await operatorAuth(base)
    let answered = 0
    const statuses = new Map<number, number>()
    // Several routes, several at a time: the limit counts the caller, not the route.
    const paths = ['/api/v1/sync/status', '/api/v1/conflicts?limit=1', '/api/v1/persons?limit=1', '/api/v1/conflicts/999999']
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (answered < API_RATE.max) {
        const res = await fetch(`${base}${paths[answered++ % paths.length]!}`, { headers: runaway })
        await res.arrayBuffer()
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      }
    }))
    t.notOk(statuses.has(429), `the first ${API_RATE.max} requests pass (${JSON.stringify([...statuses])})`)
    const over = await fetch(`${base}/api/v1/sync/status`, { headers: runaway })
    t.equal(over.status, 429, 'one more is refused')
    const body = await over.json() as Record<string, unknown>
    t.same(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'])
    t.match(body, { statusCode: 429, code: 'TB_RATE_LIMITED', error: 'Too Many Requests', message: /try again in \d+ seconds/ })
    const retryAfter = Number(over.headers.get('retry-after'))
    t.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After: ${retryAfter} seconds`)
    t.equal((await callApi(base, 'GET', '/api/v1/sync/status', { headers: other })).status, 200, 'another caller is not slowed')
  })

  t.test("the README's role table says exactly which routes each role has", async (t) => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    const doc = (await callApi(base, 'GET', '/docs/json')).body
    const byPermission = new Map<string, string[]>()
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      if (!path.startsWith('/api/v1/')) continue
      for (const [method, op] of Object.entries(ops)) {
        const permission = op['x-permission'] as string | null
        t.ok(permission, `${method.toUpperCase()} ${path} names its permission`)
        byPermission.set(permission!, [...byPermission.get(permission!) ?? [], `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`])
      }
    }
    const documented = tableRows(readme, 'permission')
    t.same(documented.map(([p]) => codeSpans(p!)[0]).sort(), [...PERMISSIONS].sort(), 'every permission has a row')
    for (const [cell, routes] of documented) {
      const permission = codeSpans(cell!)[0]!
      t.same(codeSpans(routes!).sort(), (byPermission.get(permission) ?? []).sort(), `the routes of ${permission}`)
    }
    const roles = tableRows(readme, 'role')
    for (const role of ROLES) {
      const row = roles.find(([r]) => r === `\`${role}\``)
      t.same(codeSpans(row?.[1] ?? '').sort(), grantsOf([role]).sort(), `the permissions of ${role}`)
    }
    const bootstrapRow = roles.find(([r]) => r === 'bootstrap token')
    const bootstrapPrincipal = { kind: 'bootstrap', id: 'bootstrap', username: 'admin', name: 'bootstrap', town: null, roles: [] } as const
    t.same(codeSpans(bootstrapRow?.[1] ?? '').sort(), PERMISSIONS.filter((p) => can(bootstrapPrincipal, p)).sort(), 'the permissions of the bootstrap token')
  })

  t.test('the bootstrap token only sets up: staff, tokens, migrations, vault status', async (t) => {
    const day = { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() }
    for (const [method, path] of [['GET', '/api/v1/staff'], ['GET', '/api/v1/tokens'], ['POST', '/api/v1/admin/migrate'], ['GET', '/api/v1/vault/status']] as const) {
      t.equal((await callApi(base, method, path, { headers: bootstrap })).status, 200, `bootstrap may ${method} ${path}`)
    }
    for (const [method, path, body] of [
      ['POST', '/api/v1/inbox/replay', { adapter: 'household-registration', ...day }],
      ['POST', '/api/v1/jobs/retry', { adapter: 'household-registration', queue: 'ingest' }],
      ['PUT', '/api/v1/vault/credentials/household-registration', { credentials: { clientId: 'x' } }],
      ['DELETE', '/api/v1/vault/credentials/household-registration'],
      ['GET', '/api/v1/staff/nobody-here/accounts'],
      ['PUT', '/api/v1/staff/nobody-here/accounts/household-registration', { username: 'x', password: 'y' }],
      ['GET', '/api/v1/inbox'],
      ['GET', '/api/v1/jobs/failed'],
      ['GET', '/api/v1/sync/status'],
      ['GET', '/api/v1/persons'],
      ['GET', '/api/v1/quarantine'],
      ['GET', '/api/v1/audit'],
    ] as const) {
      const res = await callApi(base, method, path, { headers: bootstrap, ...(body ? { body } : {}) })
      t.same([res.status, res.body.code], [403, 'TB_FORBIDDEN'], `bootstrap may not ${method} ${path}`)
    }
  })

  t.test("town leaders see how department systems are doing, not the county's inbox or failed jobs", async (t) => {
    const leader = await operatorAuth(base, { roles: ['town-leader'], town: '320412120000' })
    const county = await operatorAuth(base, { roles: ['county-admin'], town: '320412000000' })
    for (const path of ['/api/v1/inbox', '/api/v1/jobs/failed']) {
      const res = await callApi(base, 'GET', path, { headers: leader })
      t.same([res.status, res.body.code], [403, 'TB_FORBIDDEN'], `a town leader may not GET ${path}`)
      t.match(res.body.message, /intake:read/)
      t.equal((await callApi(base, 'GET', path, { headers: county })).status, 200, `a county admin may GET ${path}`)
    }
    t.equal((await callApi(base, 'GET', '/api/v1/sync/status', { headers: leader })).status, 200, 'a town leader reads the sync status')
    t.equal((await callApi(base, 'GET', '/api/v1/sync/household-registration/runs', { headers: leader })).status, 200, 'and pull runs')
  })

  t.test('a token for a division that does not exist is refused', async (t) => {
    const create = async (town: string) => await callApi(base, 'POST', '/api/v1/tokens', { headers: bootstrap, body: { name: `d-${town}`, roles: ['grid-staff'], town } })
    for (const town of ['999999999999', '329999999999', '320412999000', '320412000001']) {
      const res = await create(town)
      t.same([res.status, res.body.code], [400, 'TB_VALIDATION'], town)
      t.match(res.body.message, /body\.town: not a division that exists/, `${town}: the message says why`)
    }
    for (const town of ['320412120000', '320412000000', '320400000000', '320000000000', '320412120001']) {
      t.equal((await create(town)).status, 201, `${town} exists`)
    }
  })

  t.test('an inbox replay whose range ends before it starts is refused', async (t) => {
    const county = await operatorAuth(base)
    const now = Date.now()
    const replay = async (from: number, to: number) => await callApi(base, 'POST', '/api/v1/inbox/replay', { headers: county, body: { adapter: 'household-registration', from: new Date(from).toISOString(), to: new Date(to).toISOString() } })
    const backwards = await replay(now, now - 3_600_000)
    t.same([backwards.status, backwards.body.code], [400, 'TB_VALIDATION'])
    t.match(backwards.body.message, /body\.to: the range ends before it starts/)
    t.same(await replay(now, now).then((r) => [r.status, r.body]), [202, { replayed: 0 }], 'an empty range is fine')
  })

  t.test('the OpenAPI document names schemas as clients expect, without spurious integer bounds', async (t) => {
    const doc = (await callApi(base, 'GET', '/docs/json')).body
    const names = Object.keys(doc.components.schemas as Json)
    t.same(names.filter((n) => n.endsWith('Input')), [], 'no schema named …Input')
    for (const name of ['Error', 'Person', 'PersonDetail', 'Enterprise', 'Conflict', 'QuarantineItem', 'InboxItem', 'StaffAccount', 'ApiToken']) t.ok(names.includes(name), `component ${name}`)
    const text = JSON.stringify(doc)
    const refs = new Set([...text.matchAll(/#\/components\/schemas\/([\w.-]+)/g)].map((m) => m[1]!))
    t.same([...refs].filter((r) => !names.includes(r)), [], 'every $ref resolves')
    t.notMatch(text, /9007199254740991/, 'no ±(2^53 − 1) bounds')
    t.same(doc.components.schemas.HistoryItem.properties.id, { type: 'integer' })
    const limit = (doc.paths['/api/v1/persons'].get.parameters as Json[]).find((p) => p.name === 'limit')
    t.match(limit?.schema, { type: 'integer', minimum: 1, maximum: 200 }, 'real bounds stay')
    t.match(JSON.stringify(doc.paths['/api/v1/persons/{idNumber}'].get.responses['404']), /#\/components\/schemas\/Error"/)
  })

  t.test("the README's examples work as written", async (t) => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    t.notMatch(readme, /\?q=[^\s'"&]*[^\x00-\x7f]/, 'no raw non-ASCII query in a URL')
    t.match(readme, /curl -s -G -H "Authorization: Bearer \$TOKEN" --data-urlencode 'q=机械' http:\/\/127\.0\.0\.1:8080\/api\/v1\/enterprises/)
    // What curl -G --data-urlencode sends.
    const res = await callApi(base, 'GET', `/api/v1/enterprises?${new URLSearchParams({ q: '机械' }).toString()}`, { headers: await operatorAuth(base) })
    t.same([res.status, res.body.items], [200, []])
  })
})
