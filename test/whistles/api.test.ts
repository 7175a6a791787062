// /api/v1/whistles against a real gateway (PostgreSQL): blowing, listing by scope, the department's
// view and answers, the 409 naming state and allowed actions, the routing table, and the proof that
// a department — a staff liaison signed in and a department API token alike — can never close,
// withdraw, approve, re-route or reopen a whistle, and that no DELETE route exists for whistles
// or risks. The escalation ladder's escalate events show on the whistle.
import t from 'tap'
import { BOOTSTRAP_TOKEN, callApi, captureLogger, operatorAuth, type Json } from '../helpers.ts'
import { startCasesGateway } from '../cases/api-kit.ts'
import { sweepLadders } from '../../src/deadlines/ladder.ts'
import { TOWN } from './fixtures.ts'

const WHISTLES = `whistles:
  windowNeedsApproval: true
  departments:
    - { code: wj-urban, name: 武进区城市管理局, county: "320412", webhook: { scheme: v1 } }
    - { code: wj-housing, name: 武进区住房和城乡建设局, county: "320412" }
    - { code: wj-market, name: 武进区市场监督管理局, county: "320412" }
  routing:
    "${TOWN}":
      - { category: "0301", name: 市容环境, lead: wj-urban, co: [wj-housing] }
`

const bootstrap = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }

async function departmentToken (base: string, department: string): Promise<Record<string, string>> {
  const res = await callApi(base, 'POST', '/api/v1/tokens', { headers: bootstrap, body: { name: `dept-${department}-${Math.random().toString(16).slice(2, 8)}`, roles: ['department-liaison'], town: TOWN, department } })
  if (res.status !== 201) throw new Error(`department token: ${res.status} ${res.text}`)
  return { authorization: `Bearer ${res.body.token as string}` }
}

async function liaisonSession (base: string, department: string): Promise<Record<string, string>> {
  const username = `liaison.${department}`
  const password = 'Liaison-Pass-2026'
  const made = await callApi(base, 'POST', '/api/v1/staff', { headers: bootstrap, body: { username, name: `${department} 联络员`, town: TOWN, roles: ['department-liaison'], department, password } })
  if (made.status !== 201) throw new Error(`liaison: ${made.status} ${made.text}`)
  const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  if (login.status !== 200) throw new Error(`liaison login: ${login.status} ${await login.text()}`)
  return { cookie: login.headers.getSetCookie().find((c) => c.startsWith('tb_session='))!.split(';')[0]!, 'x-csrf-token': ((await login.json()) as Json).csrfToken as string }
}

t.test('whistles API', async (t) => {
  const gw = await startCasesGateway(t, { redisIndex: 11, store: 'postgres', extra: WHISTLES })
  const base = gw.base
  const leader = await operatorAuth(base, { roles: ['town-leader'], town: TOWN })
  const windowStaff = await operatorAuth(base, { roles: ['window-staff'], town: TOWN })
  const urbanToken = await departmentToken(base, 'wj-urban')
  const marketToken = await departmentToken(base, 'wj-market')
  const urbanStaff = await liaisonSession(base, 'wj-urban')
  const departments = { 'department token': urbanToken, 'staff liaison': urbanStaff }

  const blow = async (body: Json, auth = leader): Promise<Json> => {
    const res = await callApi(base, 'POST', '/api/v1/whistles', { headers: auth, body: { type: 'routine', source: { kind: 'direct' }, category: '0301', title: '东街占道', description: '占用消防通道', ...body } })
    t.equal(res.status, 201, res.text)
    return res.body
  }
  const act = async (id: string, body: Json, auth: Record<string, string>): Promise<{ status: number, body: Json }> =>
    await callApi(base, 'POST', `/api/v1/whistles/${id}/transitions`, { headers: auth, body })

  t.test('blow, list by scope, the department\'s view and answers, 409 naming state and allowed actions', async (t) => {
    const w = await blow({})
    t.match(w, { id: /^CS320412120000\d{12}$/, state: 'open', routingVersion: 1, allowed: ['reroute', 'decide-extension', 'reject-done', 'close'] })
    t.equal(w.targets.length, 2)
    t.equal(w.deliveries[0].operation, 'whistle.blown')
    t.equal(w.deliveries[0].delivered, false)
    const waiting = await blow({ title: '待批' }, windowStaff)
    t.equal(waiting.state, 'awaiting-approval')

    const mine = await callApi(base, 'GET', '/api/v1/whistles', { headers: urbanToken })
    t.equal(mine.status, 200, mine.text)
    t.ok(mine.body.items.some((i: Json) => i.id === w.id))
    const none = await callApi(base, 'GET', '/api/v1/whistles', { headers: marketToken })
    t.strictSame(none.body.items, [], 'a department not summoned sees none')
    t.equal((await callApi(base, 'GET', `/api/v1/whistles/${w.id}`, { headers: marketToken })).status, 404)
    const open = await callApi(base, 'GET', '/api/v1/whistles?state=awaiting-approval', { headers: leader })
    t.strictSame(open.body.items.map((i: Json) => i.id), [waiting.id])
    const page1 = await callApi(base, 'GET', '/api/v1/whistles?limit=1', { headers: leader })
    const page2 = await callApi(base, 'GET', `/api/v1/whistles?limit=1&cursor=${page1.body.next as string}`, { headers: leader })
    t.not(page1.body.items[0].id, page2.body.items[0].id)

    const seen = await callApi(base, 'GET', `/api/v1/whistles/${w.id}`, { headers: urbanStaff })
    t.strictSame(seen.body.allowed, ['respond', 'arrive', 'return', 'request-extension'])
    const responded = await act(w.id, { action: 'respond', note: '收到' }, urbanToken)
    t.equal(responded.status, 200, JSON.stringify(responded.body))
    t.match(responded.body.event, { action: 'respond', department: 'wj-urban', actor: { kind: 'department', department: 'wj-urban' } })
    const again = await act(w.id, { action: 'respond' }, urbanStaff)
    t.equal(again.status, 409)
    t.equal(again.body.code, 'TB_WHISTLE_TRANSITION_NOT_ALLOWED')
    t.match(again.body.message, /responded, where respond is not allowed; allowed now: arrive, progress, return, request-extension/)
    t.equal((await act(w.id, { action: 'respond' }, leader)).status, 403, 'the town cannot answer for a department')
  })

  t.test('a department can never close, withdraw, approve, re-route, reopen or decide (liaison and token)', async (t) => {
    const w = await blow({ departments: [{ code: 'wj-urban', role: 'lead' }] })
    const waiting = await blow({ departments: [{ code: 'wj-urban', role: 'lead' }], title: '待批' }, windowStaff)
    const town = [
      { action: 'close', check: '核查', rating: 5 }, { action: 'withdraw', reason: 'x' }, { action: 'approve' },
      { action: 'reroute', departments: [{ code: 'wj-market', role: 'co' }], reason: 'x' }, { action: 'reopen', reason: 'x' },
      { action: 'decide-extension', department: 'wj-urban', grant: true }, { action: 'reject-done', department: 'wj-urban', reason: 'x' },
    ]
    for (const [who, auth] of Object.entries(departments)) {
      for (const id of [w.id, waiting.id]) {
        for (const body of town) {
          const res = await act(id, body, auth)
          t.equal(res.status, 403, `${who}: ${body.action}`)
        }
      }
      t.equal((await callApi(base, 'POST', '/api/v1/whistles/routing', { headers: auth, body: { rules: [] } })).status, 403, `${who}: publish routing`)
      t.equal((await callApi(base, 'POST', '/api/v1/whistles', { headers: auth, body: { type: 'routine', source: { kind: 'direct' }, category: '0301', title: 'x', description: 'x' } })).status, 403, `${who}: blow`)
      for (const method of ['DELETE', 'PUT', 'PATCH']) {
        t.equal((await callApi(base, method, `/api/v1/whistles/${w.id}`, { headers: auth })).status, 404, `${who}: no ${method} route`)
      }
    }
    const v = await callApi(base, 'GET', `/api/v1/whistles/${w.id}`, { headers: leader })
    t.equal(v.body.events.length, 1, 'nothing was applied')
    t.equal(v.body.state, 'open')

    const docs = await callApi(base, 'GET', '/docs/json')
    t.equal(docs.status, 200, docs.text.slice(0, 300))
    const doc = docs.body
    const paths = Object.entries(doc.paths as Record<string, Record<string, unknown>>).filter(([p]) => /whistle|risk/.test(p))
    t.ok(paths.length >= 4, 'the whistle routes are documented')
    for (const [p, ops] of paths) {
      for (const method of ['delete', 'put', 'patch']) t.notOk(ops[method], `no ${method.toUpperCase()} on ${p}`)
    }
    const transitions = doc.paths['/api/v1/whistles/{id}/transitions'].post
    t.match(transitions['x-permission'], /whistles:answer.*whistles:lead/)
  })

  t.test('the routing table: read, publish a new version (whistles:lead), bad departments refused', async (t) => {
    const first = await callApi(base, 'GET', '/api/v1/whistles/routing', { headers: leader })
    t.match(first.body, { town: TOWN, version: 1, rules: [{ category: '0301', lead: 'wj-urban' }] })
    const bad = await callApi(base, 'POST', '/api/v1/whistles/routing', { headers: leader, body: { rules: [{ category: '0901', name: '食品安全', lead: 'nobody' }] } })
    t.equal(bad.status, 422)
    t.equal(bad.body.code, 'TB_WHISTLE_ROUTING_INVALID')
    const published = await callApi(base, 'POST', '/api/v1/whistles/routing', { headers: leader, body: { rules: [{ category: '0901', name: '食品安全', lead: 'wj-market', co: [] }] } })
    t.equal(published.status, 201, published.text)
    t.equal(published.body.version, 2)
    const w = await blow({ category: '0901' })
    t.equal(w.routingVersion, 2)
    t.strictSame(w.targets.map((x: Json) => x.department), ['wj-market'])
    t.equal((await callApi(base, 'POST', '/api/v1/whistles', { headers: leader, body: { type: 'routine', source: { kind: 'direct' }, category: '0301', title: 'x', description: 'x' } })).body.code, 'TB_WHISTLE_NO_ROUTE', 'the old version no longer routes')
  })

  t.test('the ladder: two sweepers fire each due rung once; the escalate events show on the whistle', async (t) => {
    const w = await blow({ departments: [{ code: 'wj-urban', role: 'lead' }], type: 'emergency' })
    const { logger } = captureLogger()
    const fired: string[] = []
    const metrics = { whistleRungsFired: { inc: ({ rung }: { rung: string }) => { fired.push(rung) } } } as never
    const deps = { db: gw.db, logger, metrics, config: () => ({ departments: [{ code: 'wj-urban', name: '武进区城市管理局', county: '320412', webhook: { scheme: 'v1' as const } }] }) as never }
    // 40 minutes on: the respond clock (30 min) is past its liaison and head rungs, not its supervision rung (45 min)
    const at = Date.parse(w.blownAt as string) + 40 * 60_000
    const [a, b] = await Promise.all([sweepLadders(deps, at), sweepLadders(deps, at)])
    t.equal(a.length + b.length, 2, 'two rungs, fired once between both sweepers')
    t.equal((await sweepLadders(deps, at)).length, 0, 'and never again')
    const v = await callApi(base, 'GET', `/api/v1/whistles/${w.id}`, { headers: urbanToken })
    const escalations = v.body.events.filter((e: Json) => e.action === 'escalate')
    t.strictSame(escalations.map((e: Json) => [e.department, e.data.clock, e.data.rung]).sort(), [['wj-urban', 'respond', 'head'], ['wj-urban', 'respond', 'liaison']])
    t.equal(escalations[0].data.deadline, new Date(Date.parse(w.blownAt as string) + 30 * 60_000).toISOString())
    t.strictSame(v.body.rungs.filter((r: Json) => r.state === 'fired').map((r: Json) => r.rung).sort(), ['head', 'liaison'])
    t.strictSame(v.body.deliveries.map((d: Json) => d.operation), ['whistle.blown', 'whistle.reminder', 'whistle.reminder'])
    t.strictSame(fired.sort(), ['head', 'liaison'])
    // the department responds: its remaining respond rung stops and never fires
    t.equal((await act(w.id, { action: 'respond' }, urbanToken)).status, 200)
    t.equal((await sweepLadders(deps, at + 60 * 60_000)).filter((r) => r.clock === 'respond').length, 0)
  })
})
