// The window's matter list and guides in Chromium: the matters the town offers today (a
// withdrawn one gone, a county grant marked 本地赋权), search, a guide with its materials (免提交
// marked), limits with their unit and the print stylesheet (shell hidden, one A4 page), and a
// withdrawn matter's guide still readable with its 已取消 notice.
import t from 'tap'
import { startTestGateway } from './helpers.ts'
import { createStaff, openBrowser, signIn, skipWithoutChromium } from './portal-kit.ts'
import { itemOf, matter, TOWN } from './matters/fixtures.ts'
import { recordDecision, storeMatterVersions } from '../src/store/matters.ts'

t.test('matters and guides', { skip: skipWithoutChromium }, async (t) => {
  const { gateway, bootstrapAuth } = await startTestGateway(t, { store: 'postgres', redisIndex: 11 })
  const base = gateway.url
  const { db } = gateway.platform
  const pension = matter('000201001000', {
    materials: [
      { name: '居民身份证', form: 'original', need: 'required', source: 'sharing', explain: '公安人口信息' },
      { name: '户口簿', form: 'copy', need: 'as-the-case-may-be', source: 'applicant', pages: 1 },
    ],
    fees: [],
  })
  const relief = matter('000401002000', { name: '临时救助申请', type: 'benefit', projectType: 'immediate', legalLimit: { amount: 10, unit: 'calendar-days' }, promisedLimit: { amount: 1, unit: 'working-days' } })
  const award = matter('000401003000', { name: '独生子女父母奖励', effectiveFrom: '2025-01-01' })
  const awardWithdrawn = { ...award, version: 2, state: 'withdrawn' as const, effectiveFrom: '2025-01-01', effectiveUntil: '2026-06-30', updatedAt: '2026-06-01T00:00:00.000Z' }
  await storeMatterVersions(db, TOWN, 'catalogue', 'matters-exchange', [pension, relief, award, awardWithdrawn])
  const homestead = matter('000301009000', { name: '农村村民住宅用地审批', type: 'licensing', legalLimit: { amount: 20, unit: 'working-days' } })
  await recordDecision(db, { town: TOWN, taskHandleItem: homestead.taskHandleItem, action: 'grant', docNo: '武政发〔2026〕12号', decidedOn: '2026-01-05', effectiveFrom: '2026-01-10', reason: '赋权乡镇', decidedBy: 'county', matter: homestead })
  await createStaff(base, bootstrapAuth, { username: 'wang.fang', name: '王芳', town: TOWN, roles: ['window-staff'] })

  const { page, shot } = await openBrowser(t, 'matters')
  await signIn(page, base, 'wang.fang')
  await page.getByRole('link', { name: '办事事项' }).click()
  await page.waitForURL(`${base}/portal/matters`)
  const rows = page.locator('table.matters tbody tr')
  t.same(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-matter'))).then((x) => x.sort()),
    [pension, relief, homestead].map((m) => m.taskHandleItem).sort(), 'the matters in force today; the withdrawn one is gone')
  const local = page.locator(`tr[data-matter="${homestead.taskHandleItem}"]`)
  t.match(await local.innerText(), /农村村民住宅用地审批\s*本地赋权/, 'a county grant is marked local')
  t.match(await page.locator(`tr[data-matter="${pension.taskHandleItem}"]`).innerText(), /省级目录[\s\S]*公共服务[\s\S]*20 个工作日 \/ 5 个工作日[\s\S]*承诺件/)
  t.match(await page.locator(`tr[data-matter="${relief.taskHandleItem}"]`).innerText(), /10 个自然日 \/ 1 个工作日[\s\S]*即办件/)
  await shot('1-list')

  await page.getByLabel('事项名称或编码').fill('救助')
  await page.getByRole('button', { name: '筛选' }).click()
  t.equal(await rows.count(), 1, 'searched by name')
  await page.goto(`${base}/portal/matters?on=2026-03-01`)
  t.equal(await page.locator(`tr[data-matter="${itemOf('000401003000')}"]`).count(), 1, 'on a day it was in force, the withdrawn matter is listed')

  await page.goto(`${base}/portal/matters/${pension.taskHandleItem}`)
  t.match(await page.locator('h1').innerText(), /办事指南：城乡居民养老保险参保登记/)
  const materials = page.locator('table.guide-materials tbody')
  t.match(await materials.locator('tr').nth(0).innerText(), /居民身份证\s*免提交\s*必需\s*原件[\s\S]*免提交：由 公安人口信息 共享数据代替/, '免提交 and what replaces it')
  t.match(await materials.locator('tr').nth(1).innerText(), /户口簿\s*视情形\s*复印件\s*1/)
  t.match(await page.locator('.guide-facts').innerText(), /法定办结时限\s*20 个工作日[\s\S]*承诺办结时限\s*5 个工作日[\s\S]*办理地点\s*湟里镇便民服务中心/)
  t.match(await page.locator('.guide').innerText(), /不收费[\s\S]*《中华人民共和国社会保险法》/)
  t.ok(await page.getByRole('button', { name: '打印' }).isVisible(), 'a print button')
  await shot('2-guide')

  await page.emulateMedia({ media: 'print' })
  t.notOk(await page.locator('header.top').isVisible(), 'printing leaves out the header and its navigation')
  t.notOk(await page.getByRole('button', { name: '打印' }).isVisible(), 'and the buttons')
  const pdf = await page.pdf({ preferCSSPageSize: true })
  t.equal((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length, 1, 'the guide prints on one page')
  const pageRule = await page.evaluate(() => [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules])
    .filter((r): r is CSSPageRule => r instanceof CSSPageRule).map((r) => r.style.getPropertyValue('size').toLowerCase()))
  t.same(pageRule, ['a4'], 'of A4 (the PDF above used the stylesheet\'s page size)')
  await page.emulateMedia({ media: 'screen' })

  await page.goto(`${base}/portal/matters/${itemOf('000401003000')}`)
  t.match(await page.getByRole('alert').innerText(), /已取消：该事项办理至 2026-06-30 止/, 'a withdrawn matter\'s guide stays readable, marked withdrawn')
  t.equal(await page.getByRole('link', { name: '接件' }).count(), 0, 'and offers no new case')
  await shot('3-withdrawn')

  const missing = await page.goto(`${base}/portal/matters/${itemOf('000999999000')}`)
  t.equal(missing?.status(), 404)
  await page.goto(`${base}/portal/matters?lang=en`)
  t.match(await page.locator('h1').innerText(), /Matters 武进区湟里镇 offers/)
})
