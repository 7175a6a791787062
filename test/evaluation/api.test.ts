// The evaluation through a whole gateway: the JSON per department and month with numerators,
// denominators and formulas; the CSV for Excel; the hotline's 三率; who may read which town (a
// town leader its own, a county admin the county); the portal page with its SVG charts and the
// formula beside each figure.
import t from 'tap'
import { callApi, operatorAuth, startTestGateway, type Json } from '../helpers.ts'
import { createStaff, STAFF_PASSWORD } from '../portal-kit.ts'
import { DEPARTMENT_FIGURES, HOTLINE_FIGURES, formulaOf } from '../../src/evaluation/formulas.ts'
import { OTHER_TOWN, TOWN, seedOrders, seedWhistles } from './histories.ts'

const NOVEMBER = 'from=2026-11&to=2026-11'

t.test('evaluation API and page', async (t) => {
  const { gateway, bootstrapAuth } = await startTestGateway(t, { store: 'pglite', redisIndex: 21 })
  const base = gateway.url
  await seedWhistles(gateway.platform.db)
  await seedOrders(gateway.platform.db)
  const leader = await operatorAuth(base, { roles: ['town-leader'], town: TOWN })
  const otherLeader = await operatorAuth(base, { roles: ['town-leader'], town: OTHER_TOWN })
  const county = await operatorAuth(base, { roles: ['county-admin'], town: '320412000000' })
  const window = await operatorAuth(base, { roles: ['window-staff'], town: TOWN })

  t.test('a town leader reads its town: figures with numerator, denominator and formula', async (t) => {
    const res = await callApi(base, 'GET', `/api/v1/evaluation?${NOVEMBER}`, { headers: leader })
    t.equal(res.status, 200, res.text)
    t.match(res.body, { from: '2026-11', to: '2026-11', prefix: '320412120', note: /month it opened/ })
    const a = (res.body.rows as Json[]).find((r) => r.department === 'a')!
    t.equal(a.month, '2026-11')
    t.same(a.figures.map((f: Json) => f.key), DEPARTMENT_FIGURES.map((d) => d.key))
    t.match(a.figures[0], { key: 'responseRate', name: 'Response rate', numerator: 3, denominator: 7, formula: formulaOf(DEPARTMENT_FIGURES[0] as never, 'en') })
    t.equal((res.body.totals as Json[]).find((r) => r.department === 'a')!.figures[0].denominator, 7, 'the period total')
    const zh = await callApi(base, 'GET', `/api/v1/evaluation?${NOVEMBER}&lang=zh`, { headers: leader })
    t.equal(zh.body.rows[0].figures[0].formula, '响应率 = 在响应时限内响应的部门次数 ÷ 被吹哨的部门次数')
  })

  t.test('scope: a town leader cannot read another town or the county; a county admin reads both', async (t) => {
    for (const q of [`town=${OTHER_TOWN}`, 'county=320412']) {
      const res = await callApi(base, 'GET', `/api/v1/evaluation?${NOVEMBER}&${q}`, { headers: leader })
      t.same([res.status, res.body.code], [403, 'TB_TOWN_OUT_OF_SCOPE'], `a town leader asking ${q}`)
    }
    t.equal((await callApi(base, 'GET', `/api/v1/evaluation.csv?${NOVEMBER}&town=${OTHER_TOWN}`, { headers: leader })).status, 403, 'nor its CSV')
    t.equal((await callApi(base, 'GET', `/api/v1/evaluation/hotline?${NOVEMBER}&town=${OTHER_TOWN}`, { headers: leader })).status, 403, 'nor its hotline')
    const own = await callApi(base, 'GET', `/api/v1/evaluation?${NOVEMBER}`, { headers: otherLeader })
    t.same(own.body.rows.map((r: Json) => [r.department, r.figures[0].denominator]), [['a', 1]], 'the other town\'s leader sees only its whistle')
    const whole = await callApi(base, 'GET', `/api/v1/evaluation?${NOVEMBER}`, { headers: county })
    t.equal(whole.body.prefix, '320412')
    t.equal(whole.body.rows.find((r: Json) => r.department === 'a').figures[0].denominator, 8, 'the county: both towns')
    const one = await callApi(base, 'GET', `/api/v1/evaluation?${NOVEMBER}&town=${OTHER_TOWN}`, { headers: county })
    t.equal(one.body.rows[0].figures[0].denominator, 1, 'a county admin picks one town')
    t.same([(await callApi(base, 'GET', `/api/v1/evaluation?${NOVEMBER}`, { headers: window })).status], [403], 'window staff may not read the evaluation')
    const bad = await callApi(base, 'GET', '/api/v1/evaluation?from=2026-12&to=2026-11', { headers: leader })
    t.same([bad.status, bad.body.code], [400, 'TB_VALIDATION'], 'from after to')
  })

  t.test('OpenAPI names the routes and their permission', async (t) => {
    const res = await callApi(base, 'GET', '/docs/json')
    t.equal(res.status, 200, res.text.slice(0, 300))
    const doc = res.body
    for (const path of ['/api/v1/evaluation', '/api/v1/evaluation.csv', '/api/v1/evaluation/hotline']) t.equal(doc.paths[path]?.get?.['x-permission'], 'evaluation:read', path)
    t.ok(doc.paths['/api/v1/evaluation'].get.responses['200'], 'the JSON answer is described')
  })

  t.test('the hotline 三率', async (t) => {
    const res = await callApi(base, 'GET', `/api/v1/evaluation/hotline?${NOVEMBER}`, { headers: leader })
    t.equal(res.status, 200, res.text)
    const total = (res.body.rows as Json[]).find((r) => r.town === null)!
    t.same(total.figures.map((f: Json) => [f.key, f.numerator, f.denominator, f.formula]), HOTLINE_FIGURES.map((d, i) => [d.key, [1, 2, 2][i], [3, 2, 2][i], formulaOf(d as never, 'en')]))
  })

  t.test('the CSV opens in Excel', async (t) => {
    const res = await fetch(`${base}/api/v1/evaluation.csv?${NOVEMBER}`, { headers: leader })
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/csv; charset=utf-8/)
    t.match(res.headers.get('content-disposition'), /attachment; filename="evaluation-320412120-2026-11-2026-11\.csv"/)
    const bytes = Buffer.from(await res.arrayBuffer())
    t.same([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark')
    const lines = bytes.toString('utf8').slice(1).split('\r\n')
    t.match(lines[0], /^月份,部门代码,部门,响应率,响应率 分子,响应率 分母,/)
    t.ok(lines.some((l) => l.startsWith('2026-11,a,')), 'a row per department and month')
    t.ok(lines.includes(`满意度,${formulaOf(DEPARTMENT_FIGURES.at(-1) as never, 'zh')}`), 'the formulas follow the table')
  })

  t.test('the portal page: SVG charts, formulas beside the figures, CSV link', async (t) => {
    await createStaff(base, bootstrapAuth, { username: 'zhao.leader', name: '赵镇长', town: TOWN, roles: ['town-leader'] })
    const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'zhao.leader', password: STAFF_PASSWORD }) })
    t.equal(login.status, 200)
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('tb_session='))!.split(';')[0]!
    const res = await fetch(`${base}/portal/evaluation?${NOVEMBER}`, { headers: { cookie } })
    t.equal(res.status, 200)
    const page = await res.text()
    t.match(page, '<a href="/portal/evaluation">考评</a>', 'the menu entry')
    t.match(page, '武进区湟里镇 部门考评')
    t.match(page, `href="/api/v1/evaluation.csv?${NOVEMBER.replace('&', '&amp;')}&amp;lang=zh"`, 'the CSV link')
    const csv = await fetch(`${base}/api/v1/evaluation.csv?${NOVEMBER}&lang=zh`, { headers: { cookie } })
    t.same([csv.status, Buffer.from(await csv.arrayBuffer()).subarray(0, 9).toString('hex')], [200, 'efbbbfe69c88e4bbbd'], 'which the signed-in leader downloads (BOM, 月份)')
    for (const def of [...DEPARTMENT_FIGURES, ...HOTLINE_FIGURES]) {
      t.match(page, new RegExp(`<svg [^>]*id="chart-${def.key}"`), `a chart of ${def.key}`)
      t.match(page, `<p class="formula" id="formula-${def.key}">${formulaOf(def as never, 'zh')}</p>`, `the formula beside ${def.key}`)
    }
    t.match(page, '<title>a: 42.9%（3/7）</title>', 'the response rate bar of department a')
    t.match(page, '<title>2026-11: 33.3%</title>', 'the hotline response rate column of November')
    const en = await (await fetch(`${base}/portal/evaluation?${NOVEMBER}&lang=en`, { headers: { cookie } })).text()
    t.match(en, `<p class="formula" id="formula-responseRate">${formulaOf(DEPARTMENT_FIGURES[0] as never, 'en').replace(/'/g, '&#39;')}</p>`, 'English')
    const other = await fetch(`${base}/portal/evaluation?${NOVEMBER}&town=${OTHER_TOWN}`, { headers: { cookie } })
    t.notMatch(await other.text(), '<title>a: 42.9%（3/7）</title>'.replace('42.9%（3/7）', '100.0%（1/1）'), 'a town leader\'s page ignores another town')
  })
})
