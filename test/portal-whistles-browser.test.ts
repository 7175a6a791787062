// The whistle loop in Chromium over plain HTTP: a town leader blows a whistle from the form, the
// 城管 liaison (a staff member with the department-liaison role and department wj-urban) lands on
// its whistles, responds, reports its arrival, reports progress with a photo and declares the work done, and the leader checks
// and closes it with a rating; the page shows the closed state and the whole history.
import t from 'tap'
import { openBrowser, signIn, signOut, skipWithoutChromium, STAFF_PASSWORD } from './portal-kit.ts'
import { startWhistlesGateway } from './portal-whistles-kit.ts'
import { VILLAGES } from './orders/kit.ts'
import { makePng } from './photos/images.ts'

t.test('a whistle from blowing to closing, in the browser', { skip: skipWithoutChromium }, async (t) => {
  const { base } = await startWhistlesGateway(t, 21)
  const { page, shot } = await openBrowser(t, 'whistles')
  const act = (action: string) => page.locator(`.whistle-action[data-action="${action}"]`)

  await signIn(page, base, 'li.zhen')
  await page.getByRole('link', { name: '吹哨报到' }).click()
  await page.waitForURL(`${base}/portal/whistles`)
  await page.getByRole('link', { name: '吹哨', exact: true }).click()
  await page.waitForURL(`${base}/portal/whistles/new`)
  await page.getByLabel('哨型').selectOption('key')
  await page.getByLabel('事项类别（按清单推荐部门）').selectOption('0302')
  await page.getByLabel('标题').fill('东街早市占道经营')
  await page.getByLabel('情况描述').fill('东街早市摊位占用消防通道，多次劝导无效。')
  await page.getByLabel('村（社区）').selectOption(VILLAGES.dongan)
  await shot('1-blow-form')
  await page.getByRole('button', { name: '吹哨' }).click()
  await page.waitForURL(/\/portal\/whistles\/CS\d{24}\?done=blow$/)
  const url = page.url().replace(/\?.*$/, '')
  t.match(await page.getByRole('status').innerText(), /^已吹哨：CS\d{24}。$/)
  t.equal(await page.locator('.whistle-state').innerText(), '办理中')
  t.match(await page.locator('tr[data-department="wj-urban"]').innerText(), /武进区城市管理局\s*牵头[\s\S]*待响应[\s\S]*截止/)
  await signOut(page, base)

  // The liaison signs in through the form and lands on its department's whistles.
  await page.goto(`${base}/portal/login?lang=zh`)
  await page.getByLabel('用户名').fill('liu.urban')
  await page.getByLabel('密码', { exact: true }).fill(STAFF_PASSWORD)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL(`${base}/portal/whistles`)
  t.same(await page.locator('header nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['/', '/portal/whistles'], 'nothing else in its navigation')
  await page.getByRole('link', { name: url.slice(url.lastIndexOf('/') + 1) }).click()
  await page.waitForURL(url)
  t.same(await page.locator('.whistle-action').evaluateAll((ds) => ds.map((d) => d.getAttribute('data-action'))), ['respond', 'arrive', 'return', 'request-extension'])

  await act('respond').locator('summary').click()
  await act('respond').getByLabel('说明').fill('已安排执法中队')
  await act('respond').getByRole('button', { name: '响应' }).click()
  await page.waitForURL(`${url}?done=respond`)
  t.match(await page.locator('tr[data-department="wj-urban"] .target-state').innerText(), '已响应')

  await act('arrive').locator('summary').click()
  await act('arrive').getByLabel('报到人员').fill('刘城管、张队员')
  await act('arrive').getByLabel('报到时间').fill('2026-12-07T10:30')
  await act('arrive').getByRole('button', { name: '报到' }).click()
  await page.waitForURL(`${url}?done=arrive`)
  t.match(await page.locator('tr[data-department="wj-urban"] .target-state').innerText(), '已报到')

  // 进展 with a photo: uploaded to the photos API first, named by its SHA-256 in the answer.
  await act('progress').locator('summary').click()
  await act('progress').getByLabel('情况').fill('已清理一半摊位')
  await act('progress').getByLabel('拍照或选择照片').setInputFiles({ name: 'site.png', mimeType: 'image/png', buffer: makePng(32, 24) })
  await act('progress').getByRole('button', { name: '进展' }).click()
  await page.waitForURL(`${url}?done=progress`)
  t.match(await page.locator('tr[data-event="progress"]').innerText(), /已清理一半摊位；📷 1/)

  await act('declare-done').locator('summary').click()
  await act('declare-done').getByLabel('情况').fill('摊位已清理，消防通道畅通')
  await act('declare-done').getByRole('button', { name: '办结申报' }).click()
  await page.waitForURL(`${url}?done=declare-done`)
  t.match(await page.locator('tr[data-department="wj-urban"] .target-state').innerText(), '已申报办结')
  t.same(await page.locator('.whistle-action').evaluateAll((ds) => ds.map((d) => d.getAttribute('data-action'))), ['progress'], 'the department cannot close it')
  await shot('2-liaison-declared')
  await signOut(page, base)

  await signIn(page, base, 'li.zhen')
  await page.goto(url)
  await act('close').locator('summary').click()
  await act('close').getByLabel('核查意见').fill('现场核查，通道已畅通')
  await act('close').getByLabel('满意度（1–5）').selectOption('4')
  await act('close').getByRole('button', { name: '核查办结' }).click()
  await page.waitForURL(`${url}?done=close`)
  t.equal(await page.locator('.whistle-state').innerText(), '已办结')
  t.equal(await page.locator('.whistle-rating').innerText(), '4 分')
  t.same(await page.locator('.whistle-events tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-event'))), ['blow', 'respond', 'arrive', 'progress', 'declare-done', 'close'])
  t.match(await page.locator('tr[data-event="arrive"]').innerText(), /刘城管\s*报到 · 武进区城市管理局\s*刘城管、张队员 2026-12-07 10:30/)
  t.match(await page.locator('tr[data-event="close"]').innerText(), /李镇长\s*核查办结\s*现场核查，通道已畅通；满意度评价 4 分/)
  t.same(await page.locator('.whistle-action').evaluateAll((ds) => ds.map((d) => d.getAttribute('data-action'))), ['reopen'])
  await shot('3-closed')
})
