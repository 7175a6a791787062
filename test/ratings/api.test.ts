// 好差评 through a whole gateway: window staff make a rating link, the tablet's form post rates
// once (a second post is refused with the Chinese message), a 差评's rectification is listed with
// its due day and takes follow-ups, and an appeal is decided by a county admin only — each step
// audited. Window staff read only the ratings of their own steps.
import t from 'tap'
import { callApi, operatorAuth, startTestGateway } from '../helpers.ts'
import { LI, TOWN, seedCase } from './fixtures.ts'

const form = (level: number, comment = ''): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ level: String(level), comment }).toString(),
})

t.test('ratings API', async (t) => {
  const { gateway } = await startTestGateway(t, { store: 'pglite', redisIndex: 3 })
  const base = gateway.url
  const { db } = gateway.platform
  const window = await operatorAuth(base, { roles: ['window-staff'], town: TOWN })
  const leader = await operatorAuth(base, { roles: ['town-leader'], town: TOWN })
  const county = await operatorAuth(base, { roles: ['county-admin'], town: '320412000000' })
  const grid = await operatorAuth(base, { roles: ['grid-staff'], town: TOWN })
  const now = new Date()
  const projectNo = await seedCase(db, { seq: 1, receivedAt: new Date(now.getTime() - 3_600_000).toISOString(), acceptedAt: new Date(now.getTime() - 1_800_000).toISOString(), acceptedBy: LI })

  t.same((await callApi(base, 'POST', `/api/v1/cases/${projectNo}/rating-links`, { headers: window, body: { stage: 'conclude' } })).body.code, 'TB_RATING_STAGE_NOT_REACHED')
  t.equal((await callApi(base, 'POST', `/api/v1/cases/${projectNo}/rating-links`, { headers: grid, body: { stage: 'accept' } })).status, 403, 'grid staff make no links')
  const made = await callApi(base, 'POST', `/api/v1/cases/${projectNo}/rating-links`, { headers: window, body: { stage: 'accept' } })
  t.equal(made.status, 201)
  t.match(made.body.url, new RegExp(`^${base}/rate/[A-Za-z0-9_-]{32}$`), 'an absolute link to the tablet page')

  const page = await fetch(made.body.url)
  const pageText = await page.text()
  t.equal(page.status, 200)
  t.match(pageText, '临时救助申请')
  t.match(pageText, '邓**', 'the applicant masked')
  t.notMatch(pageText, '邓建军')
  t.notMatch(pageText, '320412199501178919', 'no ID number')

  const rated = await fetch(made.body.url, form(1, '态度不好'))
  t.equal(rated.status, 200)
  t.match(await rated.text(), '感谢您的评价！')
  const again = await fetch(made.body.url, form(5))
  t.equal(again.status, 410, 'the link is spent')
  t.match(await again.text(), '该评价链接已经使用过')
  t.match(await (await fetch(made.body.url)).text(), '该评价链接已经使用过')
  t.equal((await fetch(`${base}/rate/not-a-token`)).status, 404)

  const all = await callApi(base, 'GET', '/api/v1/ratings', { headers: leader })
  t.equal(all.status, 200)
  t.match(all.body.items, [{ projectNo, stage: 'accept', level: 1, comment: '态度不好', staff: { name: '李窗口' }, staffId: 'staff:8', appeal: 'none' }])
  const ratingId = all.body.items[0].id
  t.same((await callApi(base, 'GET', '/api/v1/ratings', { headers: window })).body.items, [], 'window staff see only the ratings of their own steps')
  t.equal((await callApi(base, 'GET', `/api/v1/ratings/${ratingId}`, { headers: window })).status, 404)
  t.equal((await callApi(base, 'GET', `/api/v1/ratings?staff=staff:8&from=2020-01-01`, { headers: county })).body.items.length, 1, 'county admins read the county')
  t.equal((await callApi(base, 'GET', '/api/v1/ratings', { headers: grid })).status, 403)

  const open = await callApi(base, 'GET', '/api/v1/rectifications', { headers: leader })
  t.match(open.body.items, [{ ratingId, projectNo, status: 'open', withinDays: 5, followUps: 0 }])
  const rectificationId = open.body.items[0].id
  t.ok(open.body.items[0].due ?? open.body.items[0].dueProblem, 'a due day, or why there is none')
  t.equal((await callApi(base, 'POST', `/api/v1/rectifications/${rectificationId}/rating-links`, { headers: window })).body.code, 'TB_RECTIFICATION_NO_FOLLOW_UP')
  const follow = await callApi(base, 'POST', `/api/v1/rectifications/${rectificationId}/follow-ups`, {
    headers: window, body: { contactedBy: '王窗口', contactedAt: now.toISOString(), action: '电话回访并致歉' },
  })
  t.equal(follow.status, 201)
  t.match((await callApi(base, 'GET', `/api/v1/rectifications/${rectificationId}`, { headers: leader })).body, { followUps: 1, followUpList: [{ contactedBy: '王窗口', action: '电话回访并致歉' }] })

  t.equal((await callApi(base, 'POST', `/api/v1/ratings/${ratingId}/appeal`, { headers: window, body: { reason: '恶意差评' } })).status, 404, 'not the window worker\'s own step')
  const appeal = await callApi(base, 'POST', `/api/v1/ratings/${ratingId}/appeal`, { headers: leader, body: { reason: '评价与办件无关，系恶意差评' } })
  t.equal(appeal.status, 201)
  t.match((await callApi(base, 'GET', '/api/v1/appeals', { headers: county })).body.items, [{ id: appeal.body.id, decision: null }])
  for (const [who, headers] of [['a town leader', leader], ['window staff', window]] as const) {
    const res = await callApi(base, 'POST', `/api/v1/appeals/${appeal.body.id}/decision`, { headers, body: { decision: 'upheld', reason: '属实' } })
    t.same([res.status, res.body.code], [403, 'TB_FORBIDDEN'], `${who} may not decide`)
  }
  const decided = await callApi(base, 'POST', `/api/v1/appeals/${appeal.body.id}/decision`, { headers: county, body: { decision: 'upheld', reason: '经核实为恶意评价' } })
  t.equal(decided.status, 200)
  t.match(decided.body.decision, { decision: 'upheld', reason: '经核实为恶意评价' })
  t.equal((await callApi(base, 'POST', `/api/v1/appeals/${appeal.body.id}/decision`, { headers: county, body: { decision: 'dismissed', reason: '改判' } })).body.code, 'TB_APPEAL_DECIDED')
  t.same((await callApi(base, 'GET', '/api/v1/rectifications', { headers: leader })).body.items, [], 'the voided rectification is no longer open')

  await gateway.platform.audit.flush()
  const { rows } = await db.query<{ action: string, outcome: string, actor: string }>("SELECT action, outcome, actor FROM audit_log WHERE action LIKE 'rating.%' ORDER BY id")
  const seen = rows.map((r) => `${r.action}/${r.outcome}`)
  for (const want of ['rating.link/ok', 'rating.rate/ok', 'rating.read/ok', 'rating.follow-up/ok', 'rating.appeal/ok', 'rating.decide/denied', 'rating.decide/ok']) {
    t.ok(seen.includes(want), `audited: ${want}`)
  }
  t.ok(rows.some((r) => r.action === 'rating.rate' && r.actor === 'rating-link'), 'the tablet\'s rating is audited as the link')
})

t.test('the tablet page is rate-limited per address', async (t) => {
  const { gateway } = await startTestGateway(t, { store: 'pglite', redisIndex: 17 })
  const statuses: number[] = []
  for (let i = 0; i < 61; i++) statuses.push((await fetch(`${gateway.url}/rate/${'y'.repeat(32)}`)).status)
  t.same(statuses.slice(0, 60), Array(60).fill(404), 'sixty a minute are answered')
  t.equal(statuses[60], 429, 'the next is refused')
})
