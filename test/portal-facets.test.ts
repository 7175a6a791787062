// Facets on the portal's resident page, in Chromium: an ordinary facet inline with each entry's
// source; a sensitive one behind the purpose form, shown once a purpose is given and audited with
// it; a role the configuration does not allow sees that the facet exists, not its content.
import t from 'tap'
import pg from 'pg'
import { FACET_TOWN as TOWN, startFacetGateway } from './facet-adapters.ts'
import { createStaff, openBrowser, signIn, signOut, skipWithoutChromium } from './portal-kit.ts'
import { callApi, eventually, operatorAuth } from './helpers.ts'

const ZHANG = '320412198001010015'

t.test('facets on the resident page', { skip: skipWithoutChromium }, async (t) => {
  const { base, databaseUrl, push, bootstrapAuth } = await startFacetGateway(t, { redisIndex: 28, postgres: true })
  t.equal(await push('assistance', 'a-1', [
    { SFZH: ZHANG, XM: '张三', QH: TOWN, JZLB: '01', KSRQ: '20240105' },
    { SFZH: ZHANG, XM: '张三', QH: TOWN, JZLB: '02', KSRQ: '20230601', BZ: '分散供养' },
  ]), 202)
  t.equal(await push('doctor', 'd-1', [{ SFZH: ZHANG, XM: '张三', QH: TOWN, JZLB: '01', KSRQ: '20250101' }]), 202)
  await createStaff(base, bootstrapAuth, { username: 'wang.fang', name: '王芳', town: TOWN, roles: ['window-staff'] })
  await createStaff(base, bootstrapAuth, { username: 'zhou.min', name: '周敏', town: TOWN, roles: ['grid-staff'] })

  // The page addresses the resident by the opaque reference, which only the store knows.
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  t.teardown(async () => { await client.end() })
  const ref = await eventually(async () => {
    const { rows } = await client.query<{ ref: string }>("SELECT p.ref FROM persons AS p WHERE p.id_number = $1 AND (SELECT count(*) FROM facet_entries WHERE subject_key = p.id_number) = 3", [ZHANG])
    return rows[0]?.ref
  })

  const { page, shot } = await openBrowser(t, 'facets')
  await signIn(page, base, 'wang.fang')
  await page.goto(`${base}/portal/persons/${ref}?lang=zh`)
  const doctor = page.locator('[data-facet="test-doctor"]')
  t.match(await doctor.locator('h3').innerText(), /家庭医生签约\s*1 条/, 'an ordinary facet with its entry count')
  t.match(await doctor.locator('tbody').innerText(), /低保\s+2025-01-01\s+来自 测试救助系统 doctor-test（doctor） 2026-03-01 08:00/, 'its entries inline, each saying where it came from')
  t.same(await doctor.locator('thead th').allInnerTexts(), ['救助类别', '起始日期', '来源部门'], "labelled by the schema's descriptions")

  const assistance = page.locator('[data-facet="test-assistance"]')
  t.match(await assistance.locator('h3').innerText(), /^社会救助\s*敏感个人信息$/, 'a sensitive facet shows no count before it is opened')
  t.equal(await assistance.locator('table').count(), 0, 'a sensitive facet is not shown before a purpose is given')
  await shot('1-before-purpose')
  await assistance.getByText('查看“社会救助”').click()
  await assistance.getByLabel('查询事由').fill('低保年审')
  await assistance.getByRole('button', { name: '确认并查看' }).click()
  await page.waitForURL(`${base}/portal/persons/${ref}/facets/test-assistance`)
  const opened = page.locator('[data-facet="test-assistance"]')
  t.match(await opened.getByRole('status').innerText(), /已显示“社会救助”，查询事由：低保年审/)
  t.match(await opened.locator('tbody').innerText(), /低保\s+2024-01-05[\s\S]*特困\s+2023-06-01\s+分散供养/, 'shown once the purpose is given')
  t.match(await opened.locator('h3').innerText(), /社会救助\s*2 条/, 'with its count')
  await shot('2-shown-with-purpose')

  // A purpose too short to say anything is refused (the browser asks for 2 characters; a forged form is answered 422).
  const csrf = await page.locator('input[name="_csrf"]').first().inputValue()
  const short = await page.request.post(`${base}/portal/persons/${ref}/facets/test-assistance`, { form: { _csrf: csrf, purpose: 'x' } })
  t.equal(short.status(), 422)
  t.match(await short.text(), /请填写查询事由/)

  await page.goto(`${base}/portal/persons/${ref}?lang=en`)
  t.match(await page.locator('#facets').innerText(), /Department records/, 'in English too')
  t.match(await page.locator('[data-facet="test-doctor"] tbody').innerText(), /from 测试救助系统 doctor-test（doctor）, 2026-03-01 08:00/)

  await signOut(page, base)
  await signIn(page, base, 'zhou.min')
  await page.goto(`${base}/portal/persons/${ref}?lang=zh`)
  const denied = page.locator('[data-facet="test-assistance"]')
  t.match(await denied.innerText(), /社会救助[\s\S]*无权查看/, 'a role not allowed sees that the facet exists, not its content')
  t.equal(await denied.locator('form, table').count(), 0)
  await shot('3-denied')
  const forged = await page.request.post(`${base}/portal/persons/${ref}/facets/test-assistance`, { form: { _csrf: await page.locator('input[name="_csrf"]').first().inputValue(), purpose: '好奇看看' } })
  t.equal(forged.status(), 403, 'and is refused if it posts the form anyway')

  const auditor = await operatorAuth(base, { roles: ['auditor'], town: TOWN })
  const entries = (await callApi(base, 'GET', '/api/v1/audit?action=facet.read', { headers: auditor })).body.items as Array<Record<string, any>>
  t.match(entries.find((e) => e.outcome === 'ok'), { actor: 'wang.fang', purpose: '低保年审', details: { facet: 'test-assistance', via: 'portal' } }, 'the read is audited with its purpose')
  t.match(entries.find((e) => e.outcome === 'denied'), { actor: 'zhou.min', purpose: '好奇看看', details: { facet: 'test-assistance', status: 403 } }, 'and so is the refusal')
})
