// 接件 in Chromium, from a resident's page: the matter's form pre-filled from the unified record,
// each value saying where it came from and when; a changed value asks for its reason and may be
// offered to the record; an invalid ID number is shown at its field in Chinese with the values
// kept and no case opened; the checklist with 免提交 pre-ticked as shared; success lands on the
// case page with the corrections; the same form sent twice opens one case.
import t from 'tap'
import { buildMessage, idCheckChar, type HouseholdRecord } from '../adapters/household-registration/data.ts'
import { eventually, postSignedWebhook, startTestGateway } from './helpers.ts'
import { createStaff, openBrowser, signIn, skipWithoutChromium } from './portal-kit.ts'
import { matter, TOWN } from './matters/fixtures.ts'
import { storeMatterVersions } from '../src/store/matters.ts'

const ZHANG = '32041219850312002' + idCheckChar('32041219850312002')

t.test('starting a case from a resident\'s page', { skip: skipWithoutChromium }, async (t) => {
  const { gateway, bootstrapAuth } = await startTestGateway(t, { store: 'postgres', redisIndex: 13 })
  const base = gateway.url
  const { db } = gateway.platform
  const record: HouseholdRecord = {
    GMSFHM: ZHANG, XM: '张伟', XB: '2', MZ: '01', CSRQ: '19850312', HJDZ_XZQHDM: TOWN.slice(0, 6), HJDZ_XZJDDM: TOWN.slice(0, 9), HJDZ_QHNXXDZ: '湟里村8号', LXDH: '13812348000',
  }
  const res = await postSignedWebhook(base, 'household-registration', { ...buildMessage(1, 1, { records: [record], eventType: 'BG', occurTime: '2026-11-02 10:00:00' }), msgId: `HRNEW1x${Date.now()}` })
  t.equal(res.status, 202)
  const ref = await eventually(async () => (await db.query<{ ref: string }>('SELECT ref FROM persons WHERE id_number = $1', [ZHANG])).rows[0]?.ref)
  const pension = matter('000201001000', {
    materials: [
      { name: '居民身份证', form: 'original', need: 'required', source: 'sharing' },
      { name: '户口簿', form: 'copy', need: 'required', source: 'applicant' },
    ],
    forms: [{ name: '参保登记表', fields: [
      { name: 'idNumber', label: '身份证号', type: 'idNumber', required: true },
      { name: 'name', label: '姓名', type: 'text', required: true },
      { name: 'phone', label: '联系电话', type: 'phone', required: true },
      { name: 'grade', label: '缴费档次', type: 'select', required: true, options: ['200元', '500元', '1000元'] },
    ] }],
  })
  await storeMatterVersions(db, TOWN, 'catalogue', 'matters-exchange', [pension])
  await createStaff(base, bootstrapAuth, { username: 'wang.fang', name: '王芳', town: TOWN, roles: ['window-staff'] })
  const caseCount = async (): Promise<number> => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM cases')).rows[0]!.n

  const { page, shot } = await openBrowser(t, 'cases-new')
  await signIn(page, base, 'wang.fang')
  await page.goto(`${base}/portal/persons/${ref}`)
  await page.getByRole('link', { name: '办理事项' }).click()
  t.match(await page.getByRole('status').innerText(), /为 张伟 办理/)
  await page.locator(`tr[data-matter="${pension.taskHandleItem}"]`).getByRole('link', { name: '接件' }).click()
  await page.waitForURL(`${base}/portal/matters/${pension.taskHandleItem}/new?applicant=person%3A${ref}`)

  const field = (name: string) => page.locator(`.m-field[data-field="${name}"]`)
  t.equal(await page.getByLabel('姓名').inputValue(), '张伟', 'pre-filled from the record')
  t.equal(await page.getByLabel('身份证号').inputValue(), ZHANG)
  t.equal(await page.getByLabel('联系电话').inputValue(), '13812348000')
  t.match(await field('name').locator('.m-source').innerText(), /^来自 公安 人口信息 2026-11-0[23]$/, 'with where and when it came from')
  t.equal(await field('grade').locator('.m-source').innerText(), '窗口填写', 'a field the record does not answer is the worker\'s')
  t.notOk(await field('phone').locator('.m-correct').isVisible(), 'no reason asked while the value is the record\'s')
  t.equal(await page.locator('tr[data-material="居民身份证"] input[value="shared"]').isChecked(), true, '免提交 pre-ticked as shared')
  t.match(await page.locator('tr[data-material="居民身份证"] th').innerText(), /免提交[\s\S]*由 人口信息 代替（来自 公安 人口信息/)
  t.equal(await page.locator('tr[data-material="户口簿"] input[value="missing"]').isChecked(), true)
  await shot('1-prefilled')

  // The worker corrects the phone number and mistypes the ID number.
  await page.getByLabel('联系电话').fill('13900001111')
  t.ok(await field('phone').locator('.m-correct').isVisible(), 'a changed value asks for its reason')
  await field('phone').getByLabel('更正理由').fill('申请人现场提供新号码')
  await field('phone').getByLabel('也更正档案').check()
  const wrongId = `${ZHANG.slice(0, 17)}${ZHANG[17] === '1' ? '2' : '1'}`
  await page.getByLabel('身份证号').fill(wrongId)
  await field('idNumber').getByLabel('更正理由').fill('核对证件')
  await page.getByLabel('缴费档次').selectOption('500元')
  await page.locator('tr[data-material="户口簿"] input[value="paper"]').check()
  const refused = page.waitForResponse((r) => r.request().method() === 'POST')
  await page.getByRole('button', { name: '确认接件' }).click()
  t.equal((await refused).status(), 422)
  t.equal(await field('idNumber').locator('.field-error').innerText(), '身份证号校验位不正确，请核对号码。', 'the field error, in Chinese')
  t.match(await page.locator('#form-errors').innerText(), /1 处需要更正，未提交/)
  t.equal(await page.getByLabel('身份证号').inputValue(), wrongId, 'values kept')
  t.equal(await page.getByLabel('联系电话').inputValue(), '13900001111')
  t.equal(await field('phone').getByLabel('更正理由').inputValue(), '申请人现场提供新号码')
  t.ok(await field('phone').getByLabel('也更正档案').isChecked())
  t.ok(await page.locator('tr[data-material="户口簿"] input[value="paper"]').isChecked())
  t.equal(await caseCount(), 0, 'no case opened')
  await shot('2-field-error')

  // A changed value without a reason is asked for one, and nothing is opened either.
  await page.getByLabel('身份证号').fill(ZHANG)
  await field('phone').getByLabel('更正理由').fill('')
  const sent = await page.evaluate(() => Object.fromEntries(new FormData(document.querySelector<HTMLFormElement>('form.m-new')!) as unknown as Iterable<[string, string]>))
  const noReason = await page.request.post(page.url(), { form: sent, maxRedirects: 0 })
  t.equal(noReason.status(), 422)
  t.match(await noReason.text(), /修改了档案中的值，请填写更正理由/)
  t.equal(await caseCount(), 0)

  await field('phone').getByLabel('更正理由').fill('申请人现场提供新号码')
  const form = await page.evaluate(() => Object.fromEntries(new FormData(document.querySelector<HTMLFormElement>('form.m-new')!) as unknown as Iterable<[string, string]>))
  await page.getByRole('button', { name: '确认接件' }).click()
  await page.waitForURL(/\/portal\/cases\/[0-9A-Z]{43}\?opened=1$/)
  const projectNo = /cases\/([0-9A-Z]{43})/.exec(page.url())![1]!
  t.match(await page.getByRole('status').innerText(), new RegExp(`已接件，办件编号 ${projectNo}`))
  t.equal(await page.locator('.case-state').innerText(), '已接件')
  t.match(await page.locator('.case-corrections tbody').innerText(), /联系电话\s*13812348000\s*13900001111\s*申请人现场提供新号码\s*（已提交档案更正）/, 'the correction kept with the case')
  t.match(await page.locator('tr[data-material="户口簿"]').innerText(), /户口簿\s*纸质/)
  await shot('3-opened')

  const again = await page.request.post(`${base}/portal/matters/${pension.taskHandleItem}/new?applicant=person%3A${ref}`, { form, maxRedirects: 0 })
  t.equal(again.status(), 303, 'the same form sent again (a double click)')
  t.equal(again.headers().location, `/portal/cases/${projectNo}?opened=1`, 'answers the case it opened')
  t.equal(await caseCount(), 1, 'one case')
})
