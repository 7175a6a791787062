// The phone page in Chromium at 375×812: a grid worker signs in, reports a risk with a photo taken
// by the camera input (its location stripped, the box "保留照片位置信息" left off), and lands on the
// report's page with the photo shown; nothing is wider than the screen and the touch targets are
// big. The town leader then verifies and closes it on a desktop; the county admin's list shows
// the open reports with their age; a department liaison finds no risk pages.
import t from 'tap'
import { gpsJpeg } from '../photos/images.ts'
import { createStaff, guardAgainstHttps, openBrowser, signIn, signOut, skipWithoutChromium } from '../portal-kit.ts'
import { BOOTSTRAP_TOKEN } from '../helpers.ts'
import { DEPARTMENT, TOWN, startRisksGateway } from './kit.ts'

t.test('reporting a risk from a phone', { skip: skipWithoutChromium }, async (t) => {
  const { base, db } = await startRisksGateway(t, { store: 'postgres', redisIndex: 23 })
  const bootstrap = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }
  await createStaff(base, bootstrap, { username: 'li.wei', name: '李伟', town: TOWN, roles: ['grid-staff'] })
  await createStaff(base, bootstrap, { username: 'zhao.min', name: '赵敏', town: TOWN, roles: ['town-leader'] })
  await createStaff(base, bootstrap, { username: 'qian.jun', name: '钱军', town: '320412000000', roles: ['county-admin'] })

  const { browser, page: desk, shot } = await openBrowser(t, 'risks')
  const phoneContext = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  await guardAgainstHttps(t, phoneContext)
  const phone = await phoneContext.newPage()
  const phoneShot = async (name: string): Promise<void> => { await phone.screenshot({ path: `test-artifacts/portal/risks/${name}.png`, fullPage: true }) }

  await signIn(phone, base, 'li.wei')
  await phone.getByRole('link', { name: '风险隐患' }).click()
  await phone.getByRole('link', { name: '上报风险隐患' }).click()
  await phone.waitForURL(`${base}/portal/risks/new`)
  t.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing wider than the 375 px screen')
  const camera = phone.locator('#r-photos')
  t.equal(await camera.getAttribute('accept'), 'image/*')
  t.equal(await camera.getAttribute('capture'), 'environment')
  t.equal(await camera.getAttribute('multiple'), '')
  t.notOk(await phone.getByLabel('保留照片位置信息').isChecked(), 'keeping the location is off by default')
  for (const target of [phone.getByRole('button', { name: '提交上报' }), phone.getByLabel('村（社区）'), phone.locator('label.r-sev').first()]) {
    t.ok(((await target.boundingBox())?.height ?? 0) >= 48, 'a touch target at least 48 px high')
  }
  await phoneShot('1-phone-form')

  await phone.getByLabel('类别').selectOption('危房')
  await phone.getByLabel('村（社区）').selectOption({ label: '东安村' })
  await phone.getByLabel('具体位置').fill('东安村 3 组老粮站北墙')
  await phone.getByText('重大', { exact: true }).click()
  await phone.getByLabel('情况描述').fill('粮站北墙大面积开裂，墙外是上学必经小路。')
  await camera.setInputFiles({ name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: gpsJpeg })
  t.match(await phone.locator('#r-photo-list').innerText(), /IMG_0001\.jpg/)
  await phone.getByRole('button', { name: '提交上报' }).click()
  await phone.waitForURL(/\/portal\/risks\/FX\d{24}\?reported=1$/)
  const id = /FX\d{24}/.exec(phone.url())![0]
  t.match(await phone.getByRole('status').first().innerText(), `已上报，编号 ${id}`)
  t.equal(await phone.locator('[data-field="severity"]').innerText(), '重大')
  t.equal(await phone.locator('[data-field="village"]').innerText(), '东安村')
  const img = phone.locator('.r-photos img')
  await img.waitFor()
  t.ok(await img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), 'the photo is shown')
  t.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the report page fits the phone too')
  await phoneShot('2-phone-reported')
  const photo = (await db.query<{ location_kept: boolean, size: number }>('SELECT location_kept, size FROM photos')).rows
  t.same(photo.map((p) => p.location_kept), [false], 'one photo, its location stripped')
  const reported = (await db.query<{ data: { photos: string[], severity: string } }>('SELECT data FROM risk_events WHERE risk_id = $1 AND action = \'report\'', [id])).rows[0]!
  t.equal(reported.data.photos.length, 1)
  t.equal(reported.data.severity, 'critical')
  t.equal((await db.query('SELECT 1 FROM audit_log WHERE action = \'risk.read\' AND subject = $1', [id])).rows.length, 1, 'the view is audited')
  t.equal((await phone.locator('form.r-act').count()), 0, 'grid staff get no verify or close form')

  await signIn(desk, base, 'zhao.min')
  await desk.goto(`${base}/portal/risks/${id}`)
  await desk.getByLabel('核查情况', { exact: true }).fill('现场查看属实，已拉警戒线并通知村委。')
  await desk.getByRole('button', { name: '记录核查' }).click()
  await desk.waitForURL(`${base}/portal/risks/${id}`)
  t.equal(await desk.locator('[data-field="state"]').innerText(), '已核查')
  t.equal(await desk.locator('#r-cver').count(), 0, 'verified: the close needs no verification note')
  await desk.getByLabel('处置结果').fill('北墙已拆除重砌。')
  await desk.getByRole('button', { name: '销号' }).click()
  await desk.waitForURL(`${base}/portal/risks/${id}`)
  t.equal(await desk.locator('[data-field="state"]').innerText(), '已销号')
  t.same(await desk.locator('.r-history li').evaluateAll((li) => li.map((e) => e.getAttribute('data-event'))), ['report', 'verify', 'close'])
  await shot('3-leader-closed')
  const events = (await db.query<{ action: string }>('SELECT action FROM risk_events WHERE risk_id = $1 ORDER BY seq', [id])).rows.map((r) => r.action)
  t.same(events, ['report', 'verify', 'close'])

  await phone.goto(`${base}/portal/risks/new`)
  await phone.getByLabel('类别').selectOption('消防')
  await phone.getByLabel('村（社区）').selectOption({ label: '湟里村' })
  await phone.getByLabel('具体位置').fill('湟里村菜场')
  await phone.getByText('中', { exact: true }).click()
  await phone.getByLabel('情况描述').fill('消防通道被占用')
  await phone.getByRole('button', { name: '提交上报' }).click()
  await phone.waitForURL(/reported=1$/)

  await signOut(desk, base)
  await signIn(desk, base, 'qian.jun')
  await desk.goto(`${base}/portal/risks`)
  t.match(await desk.getByRole('heading', { level: 1 }).innerText(), /全区未销号风险隐患/)
  const rows = desk.locator('table.risk-list tbody tr')
  t.equal(await rows.count(), 1, 'the county sees the open report only')
  t.match(await rows.first().innerText(), /湟里镇[\s\S]*湟里村[\s\S]*消防[\s\S]*0 小时/)
  await shot('4-county-open')

  const liaison = await fetch(`${base}/api/v1/staff`, {
    method: 'POST', headers: { ...bootstrap, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'sun.li', name: '孙力', town: TOWN, roles: ['department-liaison'], department: DEPARTMENT, password: 'Portal-Staff-2026' }),
  })
  t.equal(liaison.status, 201)
  await signOut(desk, base)
  // A liaison lands on its whistles, not on the home page: signed in by hand.
  await desk.getByLabel('用户名').fill('sun.li')
  await desk.getByLabel('密码', { exact: true }).fill('Portal-Staff-2026')
  await desk.getByRole('button', { name: '登录' }).click()
  await desk.waitForURL((u) => !u.pathname.startsWith('/portal/login'))
  t.equal(await desk.getByRole('link', { name: '风险隐患' }).count(), 0, 'no risk link for a department')
  for (const path of ['/portal/risks', `/portal/risks/${id}`, '/portal/risks/new']) {
    const res = await desk.goto(`${base}${path}`)
    t.equal(res?.status(), 403, `a liaison: ${path}`)
  }
})
