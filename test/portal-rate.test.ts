// The window tablet's rating page in a real browser (Chromium through playwright-core, plain
// http://127.0.0.1): window staff make a link through the API, the resident writes a comment and
// taps a face, sees the thanks, and the link is spent — opening it again says so in Chinese; an
// expired link says when it expired. Screenshots go to test-artifacts/portal/rate/.
import t from 'tap'
import { operatorAuth, startTestGateway } from './helpers.ts'
import { createStaff, openBrowser, signIn, skipWithoutChromium } from './portal-kit.ts'
import { LI, TOWN, seedCase } from './ratings/fixtures.ts'
import { listRatings, listRectifications } from '../src/store/ratings.ts'

t.test('the tablet rates once', { skip: skipWithoutChromium }, async (t) => {
  const { gateway, bootstrapAuth } = await startTestGateway(t, { store: 'pglite', redisIndex: 10 })
  const { db } = gateway.platform
  const window = await operatorAuth(gateway.url, { roles: ['window-staff'], town: TOWN })
  const now = Date.now()
  const projectNo = await seedCase(db, { seq: 1, receivedAt: new Date(now - 7_200_000).toISOString(), acceptedAt: new Date(now - 3_600_000).toISOString(), acceptedBy: LI, applicantName: '邓建军' })
  const linkOf = async (of: string): Promise<string> => {
    const res = await fetch(`${gateway.url}/api/v1/cases/${of}/rating-links`, { method: 'POST', headers: { ...window, 'content-type': 'application/json' }, body: JSON.stringify({ stage: 'accept' }) })
    t.equal(res.status, 201)
    return (await res.json() as { url: string }).url
  }
  const { page, shot } = await openBrowser(t, 'rate')

  // Window staff make the link from the case (the case page's form posts here) and open it on the tablet.
  await createStaff(gateway.url, bootstrapAuth, { username: 'window', name: '王窗口', town: TOWN, roles: ['window-staff'] })
  await signIn(page, gateway.url, 'window')
  const csrf = await page.locator('input[name=_csrf]').first().inputValue()
  const early = await page.request.post(`${gateway.url}/portal/cases/${projectNo}/rating-link`, { form: { _csrf: csrf, stage: 'conclude' } })
  t.equal(early.status(), 409, 'not at 办结 before the case is concluded')
  t.match(await early.text(), '该办件尚未到达这一环节')
  t.equal((await page.request.post(`${gateway.url}/portal/cases/${projectNo}/rating-link`, { form: { stage: 'accept' } })).status(), 403, 'a post without the session\'s CSRF token is refused')
  // the case page offers a link for each stage the case has reached: accepted, not yet concluded
  await page.goto(`${gateway.url}/portal/cases/${projectNo}`)
  t.same(await page.locator('form.rating-link button').allTextContents(), ['请申请人评价（受理环节）'])
  await page.getByRole('button', { name: '请申请人评价（受理环节）' }).click()
  await page.locator('#rating-link').waitFor()
  const url = new URL((await page.locator('#rating-link').getAttribute('href'))!, gateway.url).toString()
  t.match(url, /\/rate\/[A-Za-z0-9_-]{32}$/)
  await page.context().clearCookies()

  await page.goto(url)
  await page.getByRole('heading', { name: '请您对本次服务进行评价' }).waitFor()
  t.ok(await page.getByText('办理事项：临时救助申请').isVisible(), 'the matter')
  t.ok(await page.getByText('申请人：邓**').isVisible(), 'the applicant, masked')
  t.equal(await page.getByText('邓建军').count(), 0, 'never the full name')
  t.same((await page.locator('button.level').allTextContents()).map((s) => s.trim()), ['非常满意', '满意', '基本满意', '不满意', '非常不满意'], 'five large buttons with their labels')
  await shot('tablet')
  await page.getByLabel('意见或建议（选填）').fill('排队时间太长')
  await page.getByRole('button', { name: '不满意', exact: true }).click()
  await page.getByRole('heading', { name: '感谢您的评价！' }).waitFor()
  t.ok(await page.getByText('您的评价（不满意）已提交。').isVisible())
  t.ok(await page.getByText('我们会在 5 个工作日内联系您，并对问题进行整改。').isVisible(), 'a 差评 is told about the follow-up')
  await shot('thanks')

  t.match(await listRatings(db, { townPrefix: TOWN, projectNo, limit: 10 }), [{ level: 2, comment: '排队时间太长', channel: '01', stage: 'accept' }])
  t.equal((await listRectifications(db, { townPrefix: TOWN, open: true, limit: 10 })).length, 1, 'the 差评 opened a rectification')

  const again = await page.goto(url)
  t.equal(again?.status(), 410, 'the token is spent')
  t.ok(await page.getByRole('alert').filter({ hasText: '该评价链接已经使用过' }).isVisible())
  await shot('used')

  // A link past its time: made now, its expiry moved into the past.
  const other = await seedCase(db, { seq: 2, receivedAt: new Date(now - 7_200_000).toISOString(), acceptedAt: new Date(now - 3_600_000).toISOString() })
  const late = await linkOf(other)
  await db.query("UPDATE rating_links SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL")
  const expired = await page.goto(late)
  t.equal(expired?.status(), 410)
  t.ok(await page.getByRole('alert').filter({ hasText: '过期，请联系窗口工作人员重新生成' }).isVisible())

  const unknown = await page.goto(`${gateway.url}/rate/${'x'.repeat(32)}`)
  t.equal(unknown?.status(), 404)
  t.ok(await page.getByText('评价链接无效').isVisible())
})
