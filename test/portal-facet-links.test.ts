// Facet fields that name other records, on the portal's resident page in Chromium: a credit code
// the facet schema marks `.meta({ link: 'enterprise' })` is a link to the enterprise's page, an ID
// number marked `.meta({ link: 'person' })` a link to that resident's page (by the opaque
// reference, the number masked; one the store does not know stays text). The employer itself came in
// through the department's `links`, so its page shows the employing department as the source.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import t from 'tap'
import { creditCodeCheckChar, orgCodeCheckChar, residentIdCheckChar } from '../src/adapter-sdk/testkit/check-characters.ts'
import { loadConfig } from '../src/config/load.ts'
import { maskId } from '../src/portal/format.ts'
import { startGateway } from '../src/runtime/gateway.ts'
import { BOOTSTRAP_TOKEN, captureLogger, eventually, freshPostgresUrl, freshRedis, postSignedWebhook, tempDir } from './helpers.ts'
import { createStaff, openBrowser, signIn, signOut, skipWithoutChromium } from './portal-kit.ts'

const TOWN = '320412120000'
const SECRET = `whsec_${randomBytes(24).toString('base64')}`

const idNumber = (n: number): string => {
  const first = `32041219800101${String(n).padStart(3, '0')}`
  return first + residentIdCheckChar(first)
}
const org = 'MA1YYYYY'
const EMPLOYER = ((first: string) => first + creditCodeCheckChar(first))(`91320412${org}${orgCodeCheckChar(org)}`)
const WORKER = idNumber(1)
const REGISTRAR = idNumber(2)
const STRANGER = idNumber(3)

t.test('facet values that name a record link to its page', { skip: skipWithoutChromium }, async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'tongban.yaml')
  await writeFile(file, `towns: [{ code: "${TOWN}", name: 湟里镇 }]
adapters:
  - { id: employment, path: ${JSON.stringify(fileURLToPath(new URL('./facet-link-adapter.ts', import.meta.url)))}, webhook: { secrets: ["${SECRET}"] } }
`)
  const databaseUrl = await freshPostgresUrl(t)
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), configPath: file, redisUrl: await freshRedis(t, 19), databaseUrl, adminToken: BOOTSTRAP_TOKEN,
  }, { config: await loadConfig(file, {}), logger: captureLogger().logger })
  t.teardown(gateway.stop)
  const base = gateway.url
  const records = [
    { SFZH: WORKER, XM: '张三', QH: TOWN, DWDM: EMPLOYER.toLowerCase(), DWMC: '常州湟里精密机械有限公司', DJR: REGISTRAR, KSRQ: '20240105' },
    { SFZH: REGISTRAR, XM: '李四', QH: TOWN, DWDM: EMPLOYER, DWMC: '常州湟里精密机械有限公司', DJR: STRANGER, KSRQ: '20200301' },
  ]
  t.equal((await postSignedWebhook(base, 'employment', { msgId: 'e-1', occurTime: '2026-03-01T08:00:00+08:00', records } as { msgId: string }, SECRET)).status, 202)
  const bootstrapAuth = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }
  await createStaff(base, bootstrapAuth, { username: 'wang.fang', name: '王芳', town: TOWN, roles: ['window-staff'] })
  await createStaff(base, bootstrapAuth, { username: 'chen.jun', name: '陈军', town: TOWN, roles: ['county-admin'] })

  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  t.teardown(async () => { await client.end() })
  const refs = await eventually(async () => {
    const { rows } = await client.query<{ id_number: string, ref: string }>('SELECT p.id_number, p.ref FROM persons AS p WHERE (SELECT count(*) FROM facet_entries) = 2')
    return rows.length === 2 ? new Map(rows.map((r) => [r.id_number, r.ref])) : undefined
  })

  const { page, shot } = await openBrowser(t, 'facet-links')
  await signIn(page, base, 'wang.fang')
  await page.goto(`${base}/portal/persons/${refs.get(WORKER)!}?lang=zh`)
  const facet = page.locator('[data-facet="test-employment"]')
  t.same(await facet.locator('thead th').allInnerTexts(), ['单位信用代码', '单位名称', '登记人', '参加工作日期', '来源部门'], 'labelled by descriptions, given on the field or on its optional')
  const employer = facet.locator('td[data-field="employerCreditCode"] a')
  t.equal(await employer.innerText(), EMPLOYER)
  t.equal(await employer.getAttribute('href'), `/portal/enterprises/${EMPLOYER}`, 'a credit code links to the enterprise page')
  const registrar = facet.locator('td[data-field="registeredBy"] a')
  t.equal(await registrar.innerText(), maskId(REGISTRAR), 'masked, as ID numbers are on the record pages')
  t.equal(await registrar.getAttribute('href'), `/portal/persons/${refs.get(REGISTRAR)!}`, 'an ID number links to the resident page, by reference')
  t.equal(await facet.locator('td[data-field="employerName"] a').count(), 0, 'an unmarked field is text')
  await shot('1-links')
  await registrar.click()
  await page.waitForURL(`${base}/portal/persons/${refs.get(REGISTRAR)!}`)
  t.match(await page.locator('h1').innerText(), /李四/, 'the link opens the resident\'s page')
  const unknown = page.locator('[data-facet="test-employment"] td[data-field="registeredBy"]')
  t.equal(await unknown.innerText(), maskId(STRANGER))
  t.equal(await unknown.locator('a').count(), 0, 'an ID number the store does not know is text')

  // The employer has no division code, so only a county-wide role sees its page.
  await signOut(page, base)
  await signIn(page, base, 'chen.jun')
  await page.goto(`${base}/portal/persons/${refs.get(WORKER)!}?lang=zh`)
  await page.locator('[data-facet="test-employment"] td[data-field="employerCreditCode"] a').click()
  await page.waitForURL(`${base}/portal/enterprises/${EMPLOYER}`)
  t.match(await page.locator('h1').innerText(), /常州湟里精密机械有限公司/, 'the link opens the enterprise\'s page')
  t.match(await page.locator('main').innerText(), /测试 就业登记/, 'the enterprise came from the employment department\'s link')
  await shot('2-enterprise')
})
