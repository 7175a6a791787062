// The portal's department systems pages in a real browser against a real gateway on PostgreSQL:
// a window staff member sees the list (no health) and opens the household register's department
// app (a small real HTTP server, a CAS client) already signed in; a county admin sees health, the
// webhook history and failed jobs, and retries them (one, then all); a window staff member's retry
// is refused; an unknown system is a 404; the English page. Failed jobs are made the way they
// happen: the database refuses to finish processing a message (a trigger), then comes back.
// Screenshots go to test-artifacts/portal/departments/. Also: the sso links' configuration checks.
import t from 'tap'
import { startDepartmentApp } from '../src/adapter-sdk/testkit/index.ts'
import { buildMessage, idCheckChar, type HouseholdRecord } from '../adapters/household-registration/data.ts'
import { parseConfig } from '../src/config/load.ts'
import { DEMO_SECRET, eventually, startTestGateway, postSignedWebhook } from './helpers.ts'
import { createStaff, openBrowser, signIn, signOut, skipWithoutChromium } from './portal-kit.ts'

const TOWN = '320412120000'
const HR = 'household-registration'
const APP_NAME = '户籍业务系统'
const OIDC_APP_NAME = '户籍自助查询'
const HR_INSTANCE = `  - { id: ${HR}, adapter: ${HR}, webhook: { secrets: ["${DEMO_SECRET}"] } }\n`

t.test('sso links: the configuration names configured instances, and OIDC apps their initiate_login_uri', async (t) => {
  const config = (sso: string): string => `towns:\n  - { code: "${TOWN}", name: 湟里镇 }\nadapters:\n${HR_INSTANCE}sso:\n${sso}`
  const client = (extra: string): string => `  clients:\n    - { clientId: hjcx, clientSecret: "${'s'.repeat(32)}", name: ${OIDC_APP_NAME}, redirectUris: ["https://hjcx.example.gov.cn/cb"]${extra} }\n`
  t.throws(() => parseConfig(config(`  cas:\n    services:\n      - { name: ${APP_NAME}, url: "https://hj.example.gov.cn/hj", adapter: civil-affairs }\n`), 'x.yaml'),
    { code: 'TB_CONFIG_INVALID', message: /x\.yaml is invalid: sso\.cas\.services\[0\]\.adapter: no adapter instance "civil-affairs"/ })
  t.throws(() => parseConfig(config(client(', adapter: civil-affairs, initiateLoginUri: "https://hjcx.example.gov.cn/login"')), 'x.yaml'),
    { code: 'TB_CONFIG_INVALID', message: /sso\.clients\[0\]\.adapter: no adapter instance "civil-affairs"/ })
  t.throws(() => parseConfig(config(client(`, adapter: ${HR}`)), 'x.yaml'),
    { code: 'TB_CONFIG_INVALID', message: /sso\.clients\[0\]\.initiateLoginUri: client "hjcx" names adapter "household-registration": give initiateLoginUri/ })
  t.throws(() => parseConfig(config(client(`, adapter: ${HR}, initiateLoginUri: "ftp://hjcx.example.gov.cn/login"`)), 'x.yaml'),
    { code: 'TB_CONFIG_INVALID', message: /sso\.clients\[0\]\.initiateLoginUri: / })
  const ok = parseConfig(config(`${client(`, adapter: ${HR}, initiateLoginUri: "https://hjcx.example.gov.cn/login"`)}  cas:\n    services:\n      - { name: ${APP_NAME}, url: "https://hj.example.gov.cn/hj", adapter: ${HR} }\n`), 'x.yaml')
  t.equal(ok.sso?.clients[0]?.adapter, HR)
  t.equal(ok.sso?.cas.services[0]?.adapter, HR)
  t.ok(parseConfig(config(client('')), 'x.yaml'), 'an app bound to no instance needs neither')
})

const withCheck = (first17: string): string => first17 + idCheckChar(first17)

function resident (n: number): HouseholdRecord {
  const id = withCheck(`3204121985031200${n}`)
  return { GMSFHM: id, XM: `居民${n}`, XB: Number(id[16]) % 2 === 1 ? '1' : '2', MZ: '01', CSRQ: id.slice(6, 14), HJDZ_XZQHDM: '320412', HJDZ_XZJDDM: '320412120', HJDZ_QHNXXDZ: '湟里村8号', LXDH: '13812348000' }
}

t.test('the department systems pages in a browser', { skip: skipWithoutChromium }, async (t) => {
  let gatewayUrl = ''
  const departmentApp = await startDepartmentApp({ name: APP_NAME, casUrl: () => `${gatewayUrl}/cas` })
  t.teardown(departmentApp.close)
  const appUrl = departmentApp.url
  const { gateway, bootstrapAuth, auth } = await startTestGateway(t, {
    store: 'postgres',
    redisIndex: 5,
    // A failed job stays failed at once (no retries), and no sweeper re-queues behind the test's back.
    adapters: [{ id: HR, adapter: HR, webhook: { secrets: [DEMO_SECRET] }, concurrency: 2, retries: { attempts: 1 } }],
    sweepEveryMs: 3_600_000,
    sso: {
      clients: [{ clientId: 'hjcx', clientSecret: 'hjcx-secret-0123456789-0123456789-abc', name: OIDC_APP_NAME, redirectUris: [`${appUrl}/cb`], adapter: HR, initiateLoginUri: `${appUrl}/oidc-login` }],
      cas: { services: [{ name: APP_NAME, url: `${appUrl}/hj`, adapter: HR }] },
    },
  })
  const base = gatewayUrl = gateway.url
  const db = gateway.platform.db

  let sequence = 0
  /** Delivers one signed webhook; answers its inbox status once processing has finished or failed. */
  const deliver = async (): Promise<string> => {
    const msg = { ...buildMessage(1, ++sequence, { records: [resident(sequence)], eventType: 'BG', occurTime: '2026-11-20 10:00:00' }), msgId: `HRDEPT${sequence}x${Date.now()}` }
    const res = await postSignedWebhook(base, HR, msg)
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`)
    return msg.msgId
  }
  const inboxStatus = async (webhookId: string): Promise<string | undefined> => {
    const inbox = await (await fetch(`${base}/api/v1/inbox?adapter=${HR}&limit=500`, { headers: auth })).json() as { items: Array<{ webhookId: string, status: string }> }
    return inbox.items.find((i) => i.webhookId === webhookId)?.status
  }
  const failedJobs = async (): Promise<string[]> => {
    const r = await (await fetch(`${base}/api/v1/jobs/failed?adapter=${HR}`, { headers: auth })).json() as { items: Array<{ jobId: string }> }
    return r.items.map((i) => i.jobId)
  }

  const first = await deliver()
  await eventually(async () => await inboxStatus(first) === 'done')

  await createStaff(base, bootstrapAuth, { username: 'li.na', name: '李娜', town: TOWN, roles: ['window-staff'] })
  await createStaff(base, bootstrapAuth, { username: 'zhou.admin', name: '周强', town: TOWN, roles: ['county-admin'] })
  await createStaff(base, bootstrapAuth, { username: 'wu.leader', name: '吴军', town: TOWN, roles: ['town-leader'] })
  const { page, shot } = await openBrowser(t, 'departments')

  t.test('a window staff member: the list without health, and the department app signed in', async (t) => {
    await signIn(page, base, 'li.na')
    await page.getByRole('link', { name: '部门系统' }).click()
    await page.waitForURL(`${base}/portal/departments`)
    const row = page.locator(`#departments tr[data-adapter="${HR}"]`)
    t.match(await row.textContent(), '公安 人口信息')
    t.equal(await page.locator('#departments th', { hasText: '状态' }).count(), 0, 'no health columns')
    const cas = page.getByRole('link', { name: `打开部门系统（免登录）：${APP_NAME}` })
    t.equal(await cas.getAttribute('href'), `/cas/login?service=${encodeURIComponent(`${appUrl}/hj`)}`)
    const oidc = page.getByRole('link', { name: `打开部门系统（免登录）：${OIDC_APP_NAME}` })
    t.equal(await oidc.getAttribute('href'), `${appUrl}/oidc-login?iss=${encodeURIComponent(`${base}/oidc`)}`, 'third-party initiated login with the issuer')
    await shot('01-list-window-staff')

    const [app] = await Promise.all([page.context().waitForEvent('page'), cas.click()])
    await app.locator('#who').waitFor()
    t.equal(await app.locator('#who').textContent(), `已登录：李娜（li.na），乡镇 ${TOWN}`, 'signed in to the department app without a password')
    t.match(app.url(), `${appUrl}/hj?ticket=ST-`)
    await app.screenshot({ path: 'test-artifacts/portal/departments/02-department-app.png', fullPage: true })
    await app.close()
  })

  t.test('a window staff member: the detail page shows the app, not operations; a retry is refused', async (t) => {
    await page.getByRole('link', { name: '公安 人口信息' }).first().click()
    await page.waitForURL(`${base}/portal/departments/${HR}`)
    await page.locator('h1', { hasText: '部门系统：' }).waitFor()
    t.equal(await page.locator('#health, #inbox, #failed').count(), 0, 'no health, history or failed jobs')
    t.equal(await page.getByRole('link', { name: /打开部门系统（免登录）/ }).count(), 2)
    await shot('03-detail-window-staff')
    const csrf = await page.locator('input[name="_csrf"]').first().getAttribute('value')
    const refused = await page.request.post(`${base}/portal/departments/${HR}/retry`, { form: { _csrf: csrf!, queue: 'ingest' }, maxRedirects: 0 })
    t.equal(refused.status(), 403)
    const unknown = await page.goto(`${base}/portal/departments/no-such-system`)
    t.equal(unknown?.status(), 404)
    t.match(await page.textContent('main'), '没有这个部门系统')
    await signOut(page, base)
  })

  // The database refuses to finish processing messages: their jobs fail (one attempt each).
  await db.query(`CREATE FUNCTION tb_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'could not write to the inbox (test: the database refuses)'; END $$`)
  await db.query("CREATE TRIGGER tb_test_refuse BEFORE UPDATE ON inbox FOR EACH ROW WHEN (NEW.status = 'done') EXECUTE FUNCTION tb_test_refuse()")
  const second = await deliver()
  await eventually(async () => (await failedJobs()).length === 1)
  const third = await deliver()
  const [kept, retried] = await eventually(async () => { const jobs = await failedJobs(); return jobs.length === 2 && jobs })
  await db.query('DROP TRIGGER tb_test_refuse ON inbox')
  t.equal(await inboxStatus(second), 'received', 'the failed messages wait in the inbox')

  t.test('a town leader: health and sync history, but not the inbox or failed jobs of every town', async (t) => {
    await signIn(page, base, 'wu.leader')
    await page.goto(`${base}/portal/departments/${HR}`)
    t.equal(await page.locator('#health').count(), 1, 'health')
    t.equal(await page.locator('#inbox, #inbox-counts, #failed').count(), 0, 'no inbox, no failed jobs')
    await signOut(page, base)
  })

  t.test('a county admin: health, history and failed jobs, retried one and then all', async (t) => {
    await signIn(page, base, 'zhou.admin')
    await page.goto(`${base}/portal/departments`)
    const row = page.locator(`#departments tr[data-adapter="${HR}"]`)
    t.equal(await page.locator('#departments th', { hasText: '状态' }).count(), 1, 'health columns')
    t.match(await row.textContent(), '有失败')
    await shot('04-list-county-admin')

    await row.getByRole('link', { name: '公安 人口信息' }).click()
    await page.waitForURL(`${base}/portal/departments/${HR}`)
    t.match(await page.textContent('#inbox-counts'), '共收到 3 条：已处理 1 条，待处理 2 条，失败 0 条。')
    t.equal(await page.locator('#inbox tbody tr').count(), 3)
    const failed = page.locator('table[data-queue="ingest"] tbody tr')
    t.equal(await failed.count(), 2)
    t.match(await failed.first().textContent(), 'could not write to the inbox')
    await shot('05-detail-county-admin')

    await page.getByRole('button', { name: `重试任务 ${retried!}` }).click()
    await page.waitForURL(/\?retried=1/)
    t.match(await page.textContent('.notice'), '已将 1 个任务重新排队。')
    await eventually(async () => (await failedJobs()).length === 1)
    await page.reload()
    t.equal(await page.locator(`tr[data-job="${retried!}"]`).count(), 0, 'the retried job is no longer failed')
    t.equal(await page.locator(`tr[data-job="${kept!}"]`).count(), 1, 'the other one still is')
    await shot('06-retried-one')

    await page.getByRole('button', { name: '全部重试：推送处理队列' }).click()
    await page.waitForURL(/\?retried=1/)
    await eventually(async () => await inboxStatus(second) === 'done' && await inboxStatus(third) === 'done')
    t.same(await failedJobs(), [])
    await page.reload()
    t.match(await page.textContent('#inbox-counts'), '已处理 3 条')
    t.match(await page.textContent('main'), '没有失败任务。')
    await shot('07-retried-all')

    const audit = await db.query<{ outcome: string, n: number }>("SELECT outcome, count(*)::int AS n FROM audit_log WHERE action = 'job.retry' GROUP BY outcome ORDER BY outcome")
    t.same(audit.rows, [{ outcome: 'denied', n: 1 }, { outcome: 'ok', n: 2 }], 'retries and the refused one are audited')
  })

  t.test('the page in English', async (t) => {
    await page.goto(`${base}/portal/departments/${HR}?lang=en`)
    t.match(await page.textContent('h1'), 'Department system:')
    t.equal(await page.getByRole('link', { name: `Open the department system (signed in): ${APP_NAME}` }).count(), 1)
    t.match(await page.textContent('main'), 'Recent webhook messages')
    await shot('08-detail-en')
    await page.goto(`${base}/portal/departments?lang=en`)
    t.match(await page.textContent('#departments thead'), 'Last success')
    await shot('09-list-en')
    await page.goto(`${base}/portal/departments?lang=zh`)
  })
})
