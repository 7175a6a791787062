// The town leader's view in a real browser: for seeded cases and ratings of a week in November
// 2026, the SVG charts carry the right numbers (cases per day, on-time rate per matter, ratings
// per level), the tables per matter and per worker agree, and the open rectifications (overdue)
// and the pending appeal are listed; window staff are refused. Screenshots under
// test-artifacts/portal/leader/.
import t from 'tap'
import { startTestGateway } from './helpers.ts'
import { createStaff, openBrowser, signIn, skipWithoutChromium } from './portal-kit.ts'
import { ITEM, LI, OTHER_ITEM, TOWN, WANG, seedCase } from './ratings/fixtures.ts'
import { createRatingService } from '../src/ratings/service.ts'

t.test('the leader view', { skip: skipWithoutChromium }, async (t) => {
  const { gateway, bootstrapAuth } = await startTestGateway(t, { store: 'pglite', redisIndex: 16 })
  const { db } = gateway.platform
  const base = gateway.url
  // 临时救助申请: one concluded on time, one late, one open; 养老保险参保登记: one on time.
  const onTime = await seedCase(db, { seq: 1, item: ITEM, receivedAt: '2026-11-02T01:00:00Z', acceptedAt: '2026-11-02T02:00:00Z', concludedAt: '2026-11-03T02:00:00Z', legalDue: '2026-11-05' })
  const late = await seedCase(db, { seq: 2, item: ITEM, receivedAt: '2026-11-02T03:00:00Z', acceptedAt: '2026-11-02T04:00:00Z', concludedAt: '2026-11-06T02:00:00Z', legalDue: '2026-11-05' })
  const open = await seedCase(db, { seq: 3, item: ITEM, receivedAt: '2026-11-04T01:00:00Z', acceptedAt: '2026-11-04T02:00:00Z', legalDue: '2026-11-30' })
  const pension = await seedCase(db, { seq: 4, item: OTHER_ITEM, matterName: '城乡居民养老保险参保登记', receivedAt: '2026-11-03T01:00:00Z', receivedBy: LI, acceptedAt: '2026-11-03T02:00:00Z', concludedAt: '2026-11-04T02:00:00Z', legalDue: '2026-11-10' })
  // Outside the week: not counted.
  await seedCase(db, { seq: 5, item: ITEM, receivedAt: '2026-11-09T01:00:00Z', acceptedAt: '2026-11-09T02:00:00Z' })

  const clock = { now: new Date('2026-11-06T03:00:00Z') }
  const ratings = createRatingService({ db, calendar: () => gateway.platform.calendar, settings: { rectifyWithin: 5, linkMinutes: 30 }, reportTo: undefined, now: () => clock.now })
  const rate = async (projectNo: string, stage: 'accept' | 'conclude', level: number): Promise<{ id: number, rectificationId: number | null }> => {
    const link = await ratings.createLink(projectNo, stage, WANG, TOWN)
    const r = await ratings.rate(link.url.split('/').pop()!, { level })
    return { id: r.rating.id, rectificationId: r.rectificationId }
  }
  await rate(onTime, 'accept', 5)
  await rate(late, 'conclude', 1)
  const appealed = await rate(open, 'accept', 2)
  await rate(pension, 'conclude', 4)
  await ratings.appeal(appealed.id, '评价与办件无关', WANG, TOWN)

  await createStaff(base, bootstrapAuth, { username: 'leader', name: '赵镇长', town: TOWN, roles: ['town-leader'] })
  await createStaff(base, bootstrapAuth, { username: 'window', name: '王窗口', town: TOWN, roles: ['window-staff'] })
  const { page, shot } = await openBrowser(t, 'leader')
  await signIn(page, base, 'leader')
  await page.getByRole('link', { name: '领导看板' }).click()
  await page.waitForURL(`${base}/portal/leader`)
  t.match(await page.locator('#leader-period').textContent(), /统计期间：\d{4}-\d\d-\d\d 至 \d{4}-\d\d-\d\d/, 'the last 30 days by default')

  await page.goto(`${base}/portal/leader?from=2026-11-01&to=2026-11-07`)
  await shot('week')
  t.equal(await page.locator('#leader-summary').textContent(), '期间接件 4 件，办结 3 件，按时办结率 66.7%，评价 4 条（平均 3.00 分，差评 2 条）。')

  const perDay = page.locator('svg#chart-cases-per-day')
  t.equal(await perDay.getAttribute('role'), 'img')
  t.equal(await perDay.locator('title').first().textContent(), '每日接件数')
  t.match(await perDay.locator('desc').textContent(), '共 4 件')
  t.same(await perDay.locator('rect > title').allTextContents(), ['11-01: 0', '11-02: 2', '11-03: 1', '11-04: 1', '11-05: 0', '11-06: 0', '11-07: 0'], 'one column per day')

  t.ok(await page.getByText('按时办结率 = 在法定期限最后一日或之前办结的件数 ÷ 期间内办结且法定期限可计算的件数').isVisible(), 'the formula beside the chart')
  t.same(await page.locator('svg#chart-on-time rect > title').allTextContents(), ['临时救助申请: 50.0%（1/2）', '城乡居民养老保险参保登记: 100.0%（1/1）'])
  t.same(await page.locator('svg#chart-ratings rect > title').allTextContents(), ['1 非常不满意: 1', '2 不满意: 1', '3 基本满意: 0', '4 满意: 1', '5 非常满意: 1'])

  const rows = async (table: string): Promise<string[][]> => await page.locator(`#${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c.textContent ?? '').trim())))
  t.same(await rows('by-matter'), [
    ['临时救助申请', '3', '2', '1', '50.0%', '3', '2.67', '2'],
    ['城乡居民养老保险参保登记', '1', '1', '1', '100.0%', '1', '4.00', '0'],
  ])
  // Per worker: the cases each received, and the ratings of the steps each took (李 received and concluded the pension case).
  t.same(await rows('by-worker'), [
    ['王窗口', '3', '2', '1', '50.0%', '3', '2.67', '2'],
    ['李窗口', '1', '1', '1', '100.0%', '1', '4.00', '0'],
  ])
  const rectifications = await rows('rectifications')
  t.equal(rectifications.length, 2, 'both 差评 await rectification')
  t.same(rectifications.map((r) => r[0]).sort(), [late, open].sort())
  t.ok(rectifications.every((r) => r[5] === '2026-11-13 已逾期'), 'due five working days after the rating, overdue now')
  t.same(await rows('appeals'), [[open, '临时救助申请', '2 不满意', '评价与办件无关', '王窗口', '2026-11-06 11:00']])

  await page.goto(`${base}/portal/leader?from=2026-11-07&to=2026-11-01`)
  t.ok(await page.getByText('开始日期不能晚于结束日期').isVisible(), 'a period backwards is refused')

  const { page: other } = await openBrowser(t, 'leader-window')
  await signIn(other, base, 'window')
  t.equal(await other.getByRole('link', { name: '领导看板' }).count(), 0, 'no menu entry for window staff')
  const refused = await other.goto(`${base}/portal/leader`)
  t.equal(refused?.status(), 403)
})
