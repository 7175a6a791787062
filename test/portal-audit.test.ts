// The audit page in a real browser against a real gateway on PostgreSQL: a window-staff member's
// failed sign-in, sign-in, search and resident page show up in the log; an auditor filters it by
// actor, action family, the resident's full ID number (matching its masked subject), outcome and
// Beijing calendar days, pages to older entries, gets clear errors for bad input; the chain's
// verification (htmx fragment, a page of its own, anchors) is OK, and after a row is edited in
// the database it fails at that row. A window-staff member gets 403. Screenshots go to
// test-artifacts/portal/audit/.
import t from 'tap'
import { appendAudit, type AuditEntry } from '../src/audit/index.ts'
import { buildMessage, idCheckChar, type HouseholdRecord } from '../adapters/household-registration/data.ts'
import { DEMO_SECRET, eventually, startTestGateway, postSignedWebhook } from './helpers.ts'
import { createStaff, openBrowser, signIn, signOut, skipWithoutChromium } from './portal-kit.ts'

const TOWN = '320412120000'
const HR = 'household-registration'
const ZHANG = (() => { const first17 = '32041219850312002'; return first17 + idCheckChar(first17) })()
const ZHANG_MASKED = `${ZHANG.slice(0, 6)}********${ZHANG.slice(14)}`

const resident: HouseholdRecord = {
  GMSFHM: ZHANG, XM: '张伟', XB: '2', MZ: '01', CSRQ: ZHANG.slice(6, 14),
  HJDZ_XZQHDM: TOWN.slice(0, 6), HJDZ_XZJDDM: TOWN.slice(0, 9), HJDZ_QHNXXDZ: '湟里村8号', LXDH: '13812348000',
}

/** A Beijing calendar day, `days` from today. */
const beijingDay = (days = 0): string => new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10)

// A grid-staff member's reads from March: 55 on the 5th, and two either side of midnight
// between the 1st and the 2nd (Beijing time), for paging and the calendar-day boundary.
const LI = { kind: 'staff', username: 'li.lei', roles: ['grid-staff'], town: TOWN } as const
const MARCH: AuditEntry[] = [
  { actor: LI, action: 'person.read', subjectKind: 'person', subject: ZHANG, outcome: 'ok', details: { n: 'late' }, at: new Date('2026-03-01T23:59:59+08:00') },
  { actor: LI, action: 'person.read', subjectKind: 'person', subject: ZHANG, outcome: 'ok', details: { n: 'early' }, at: new Date('2026-03-02T00:00:00+08:00') },
  ...Array.from({ length: 55 }, (_, i): AuditEntry => ({ actor: LI, action: 'person.search', outcome: 'ok', details: { n: i }, at: new Date(`2026-03-05T10:00:${String(i).padStart(2, '0')}+08:00`) })),
]

t.test('the audit page in a browser', { skip: skipWithoutChromium }, async (t) => {
  const { gateway, bootstrapAuth, auth } = await startTestGateway(t, {
    store: 'postgres',
    redisIndex: 12,
    adapters: [{ id: HR, adapter: HR, webhook: { secrets: [DEMO_SECRET] }, concurrency: 2 }],
  })
  const base = gateway.url
  const { db } = gateway.platform

  // The resident arrives through a signed webhook, as from the household register.
  const msg = { ...buildMessage(1, 1, { records: [resident], eventType: 'BG', occurTime: '2026-11-20 10:00:00' }), msgId: `HRAUDIT1x${Date.now()}` }
  const delivered = await postSignedWebhook(base, HR, msg)
  t.equal(delivered.status, 202)
  await eventually(async () => {
    const inbox = await (await fetch(`${base}/api/v1/inbox?adapter=${HR}`, { headers: auth })).json() as { items: Array<{ webhookId: string, status: string }> }
    return inbox.items.some((i) => i.webhookId === msg.msgId && i.status === 'done')
  })

  await createStaff(base, bootstrapAuth, { username: 'sun.shenji', name: '孙审计', town: TOWN, roles: ['auditor'] })
  await createStaff(base, bootstrapAuth, { username: 'wang.fang', name: '王芳', town: TOWN, roles: ['window-staff'] })
  await appendAudit(db, MARCH)

  const noSession = await fetch(`${base}/portal/audit`, { redirect: 'manual' })
  t.equal(noSession.status, 303, 'the page needs a session')

  const { page, shot } = await openBrowser(t, 'audit')
  const rows = page.locator('#audit-log tbody tr')
  const cellTexts = async (column: number): Promise<string[]> => await rows.locator(`td:nth-child(${column})`).allTextContents()
  const search = async (fill: (p: typeof page) => Promise<void>): Promise<void> => {
    await page.goto(`${base}/portal/audit`)
    await fill(page)
    await Promise.all([page.waitForURL(/\/portal\/audit\?/), page.getByRole('button', { name: '查询', exact: true }).click()])
  }

  t.test('a window-staff member leaves entries and may not read the log', async (t) => {
    await page.goto(`${base}/portal/login?lang=zh`)
    await page.getByLabel('用户名').fill('wang.fang')
    await page.getByLabel('密码', { exact: true }).fill('not-the-password')
    await page.getByRole('button', { name: '登录' }).click()
    await page.locator('#login-error', { hasText: '用户名或密码错误' }).waitFor()
    await signIn(page, base, 'wang.fang')
    await page.goto(`${base}/portal/search?q=${encodeURIComponent('张')}`)
    await page.locator('#results tbody a').first().click()
    await page.locator('#fields').waitFor()
    const res = await page.goto(`${base}/portal/audit`)
    t.equal(res?.status(), 403)
    await page.locator('h1', { hasText: '无权访问' }).waitFor()
    t.equal(await page.locator('nav a[href="/portal/audit"]').count(), 0, 'no link to the log in the navigation')
    const fragment = await page.request.get(`${base}/portal/audit/verify`, { headers: { 'HX-Request': 'true' } })
    t.equal(fragment.status(), 403, 'nor its verification')
    await shot('01-window-staff-forbidden')
    await signOut(page, base)
  })

  let head = ''
  let headId = ''
  t.test('the auditor sees the log and a sound chain', async (t) => {
    await signIn(page, base, 'sun.shenji')
    await page.getByRole('link', { name: '审计日志' }).click()
    await page.waitForURL(`${base}/portal/audit`)
    await page.locator('#verify-status[data-ok="true"]').waitFor()
    t.match(await page.locator('#verify-status').textContent(), '校验通过')
    head = (await page.locator('#verify-anchor').textContent())!.trim()
    t.match(head, /^\d{6}:\d+:[0-9a-f]{64}$/, 'the head to write down: chain, seq and hash')
    headId = (await page.locator('#verify-head-id').textContent())!.trim()
    t.equal(await rows.count(), 50, 'a page of entries')
    const ids = (await cellTexts(1)).map(Number)
    t.same(ids, [...ids].sort((a, b) => b - a), 'newest first')
    t.ok(await page.getByRole('link', { name: '更早的记录' }).isVisible(), 'older entries are a page away')
    await shot('02-log-and-chain-ok')
  })

  t.test('filters: actor, action family, subject, outcome', async (t) => {
    await search(async (p) => { await p.getByLabel('操作人（用户名）').fill('wang.fang') })
    const actors = await cellTexts(3)
    t.ok(actors.length >= 4, 'the failed sign-in, the sign-in, the search and the resident page')
    t.ok(actors.every((a) => a.startsWith('wang.fang')), 'only wang.fang')
    const actions = await cellTexts(4)
    for (const code of ['auth.login-failed', 'auth.login', 'person.search', 'person.read']) t.ok(actions.some((a) => a.endsWith(code)), code)
    t.ok(actions.some((a) => a.startsWith('查看居民信息')), 'actions carry a label')
    t.equal(await page.getByLabel('操作人（用户名）').inputValue(), 'wang.fang', 'the form keeps the filter')
    await shot('03-filter-actor')

    await search(async (p) => { await p.getByLabel('操作', { exact: true }).selectOption('auth.') })
    const auth = await cellTexts(4)
    t.ok(auth.length >= 4)
    t.ok(auth.every((a) => /auth\.[a-z-]+$/.test(a)), 'only sign-in actions')
    await shot('04-filter-family')

    await search(async (p) => { await p.getByLabel('对象').fill(ZHANG) })
    const subjects = await cellTexts(5)
    t.ok(subjects.length >= 3, 'wang.fang\'s read and li.lei\'s two')
    t.ok(subjects.every((s) => s.includes(ZHANG_MASKED)), 'the full number finds its masked form')
    t.notMatch(await page.locator('#audit-log').textContent(), ZHANG, 'the full number is not in the log')
    t.notMatch(page.url(), ZHANG, 'nor in the address: the form posts, the filters are held under a token')
    t.match(page.url(), /\/portal\/audit\?f=[A-Za-z0-9_-]{22}$/)
    t.equal(await page.getByLabel('对象').inputValue(), ZHANG, 'the form keeps the held filter')
    await shot('05-filter-subject')

    await search(async (p) => { await p.getByLabel('结果', { exact: true }).selectOption('denied') })
    const denied = await cellTexts(4)
    t.ok(denied.some((a) => a.endsWith('auth.login-failed')), 'the failed sign-in')
    t.equal(await rows.count(), await page.locator('#audit-log tbody tr.audit-denied').count(), 'denied rows, highlighted')
    await shot('06-filter-denied')
    await search(async (p) => { await p.getByLabel('结果', { exact: true }).selectOption('failed') })
    t.equal(await page.locator('#audit-log tbody tr:not(.audit-failed)').count(), 0, 'only failures')
  })

  t.test('Beijing calendar days and paging', async (t) => {
    const both = async (from: string, to: string): Promise<void> => {
      await search(async (p) => {
        await p.getByLabel('操作人（用户名）').fill('li.lei')
        await p.getByLabel('起始日期').fill(from)
        await p.getByLabel('截止日期（含当天）').fill(to)
      })
    }
    await both('2026-03-01', '2026-03-01')
    t.same(await cellTexts(9), ['n=late'], '23:59:59 on the 1st is the 1st')
    t.match(await cellTexts(2), ['2026-03-01 23:59:59'], 'shown in Beijing time to the second')
    await both('2026-03-02', '2026-03-02')
    t.same(await cellTexts(9), ['n=early'], '00:00:00 on the 2nd is the 2nd')
    await both('2026-03-01', '2026-03-05')
    t.equal(await rows.count(), 50)
    await shot('07-filter-days')
    await Promise.all([page.waitForURL(/cursor=/), page.getByRole('link', { name: '更早的记录' }).click()])
    t.equal(await rows.count(), 7, 'the rest on the older page')
    t.same((await cellTexts(9)).slice(-2), ['n=early', 'n=late'])
    t.ok(await page.getByRole('link', { name: '回到最新记录' }).isVisible())
    await shot('08-older-page')

    await both(beijingDay(-1), beijingDay())
    t.equal(await page.locator('#audit-none').count(), 1, 'li.lei did nothing today')
    await search(async (p) => { await p.getByLabel('起始日期').fill(beijingDay(-1)); await p.getByLabel('截止日期（含当天）').fill(beijingDay()) })
    t.ok(await rows.count() > 0, 'the others did')
  })

  t.test('bad input shows the form again with the error', async (t) => {
    await page.goto(`${base}/portal/audit`)
    await page.getByLabel('起始日期').fill(beijingDay())
    await page.getByLabel('截止日期（含当天）').fill(beijingDay(-1))
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().includes('/portal/audit?')), page.getByRole('button', { name: '查询', exact: true }).click()])
    t.equal(res.status(), 422)
    await page.locator('#audit-errors', { hasText: '起始日期不能晚于截止日期' }).waitFor()
    t.equal(await page.getByLabel('起始日期').getAttribute('aria-invalid'), 'true')
    t.equal(await page.locator('#audit-log').count(), 0, 'no results')
    await shot('09-error-range')
    for (const [query, text] of [['action=nope.x', '请从列表中选择操作'], ['from=2026-02-30', '起始日期不是有效的日期'], ['cursor=zzz', '翻页参数无效'], ['outcome=maybe', '请从列表中选择结果']] as const) {
      const answer = await page.goto(`${base}/portal/audit?${query}`)
      t.equal(answer?.status(), 422, query)
      t.match(await page.locator('#audit-errors').textContent(), text, query)
    }
  })

  t.test('verification: anchors, the page without JavaScript, the fragment', async (t) => {
    await page.goto(`${base}/portal/audit`)
    await page.locator('#verify-status').waitFor()
    await page.getByLabel('已抄录的链头（可选）').fill(head)
    await page.getByRole('button', { name: '校验', exact: true }).click()
    await page.locator('#verify-status[data-ok="true"]').waitFor()
    t.equal(await page.locator('h1').textContent(), '审计日志', 'swapped in place by htmx')
    const [chain, seq] = head.split(':')
    await page.getByLabel('已抄录的链头（可选）').fill(`${chain!}:${seq!}:${'0'.repeat(64)}`)
    await page.getByRole('button', { name: '校验', exact: true }).click()
    await page.locator(`#verify-status[data-bad="${headId}"]`, { hasText: '以前抄录的链头不符' }).waitFor()
    await shot('10-verify-anchor-mismatch')
    await page.getByLabel('已抄录的链头（可选）').fill('12:abc')
    await page.getByRole('button', { name: '校验', exact: true }).click()
    await page.locator('#verify-status', { hasText: '“12:abc”不是有效的链头' }).waitFor()

    await page.getByRole('link', { name: '在新页面中查看校验结果' }).click()
    await page.waitForURL(`${base}/portal/audit/verify`)
    t.equal(await page.locator('h1').textContent(), '审计日志完整性校验')
    t.equal(await page.locator('#verify-status').getAttribute('data-ok'), 'true')
    await shot('11-verify-page')

    const fragment = await page.request.get(`${base}/portal/audit/verify`, { headers: { 'HX-Request': 'true' } })
    const text = await fragment.text()
    t.equal(fragment.status(), 200)
    t.notMatch(text, '<html', 'htmx gets the fragment alone')
    t.match(text, 'id="verify-status"')

    await search(async (p) => { await p.getByLabel('操作', { exact: true }).selectOption('audit.') })
    const own = await cellTexts(4)
    t.ok(own.some((a) => a.endsWith('audit.read')) && own.some((a) => a.endsWith('audit.verify')), 'the auditor\'s own reads and verifications are logged')
    t.ok((await cellTexts(3)).every((a) => a.startsWith('sun.shenji')))
  })

  t.test('an edited row breaks the chain there', async (t) => {
    await search(async (p) => { await p.getByLabel('操作人（用户名）').fill('wang.fang'); await p.getByLabel('操作', { exact: true }).selectOption('person.read') })
    const edited = Number((await cellTexts(1))[0])
    // As the table's owner can: switch the append-only trigger off for one UPDATE.
    await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change')
    await db.query("UPDATE audit_log SET purpose = '核实身份' WHERE id = $1", [edited])
    await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change')

    await page.goto(`${base}/portal/audit`)
    const status = page.locator('#verify-status[data-ok="false"]')
    await status.waitFor()
    t.equal(await status.getAttribute('data-bad'), String(edited), 'the edited row')
    t.match(await status.textContent(), `第 ${edited} 条`)
    t.match(await status.textContent(), '该条记录的内容在写入后被修改')
    t.ok(Number(await page.locator('#verify-head-id').textContent()) < edited, 'the head is the last sound row of its chain, before it')
    await shot('12-verify-failed')
    await status.getByRole('link', { name: `在日志中查看第 ${edited} 条` }).click()
    await page.waitForURL(new RegExp(`#entry-${edited}$`))
    t.match(await page.locator(`#entry-${edited}`).textContent(), '核实身份')
    await shot('13-edited-row')
  })

  t.test('in English', async (t) => {
    await page.goto(`${base}/portal/audit?lang=en`)
    t.equal(await page.locator('h1').textContent(), 'Audit log')
    await page.locator('#verify-status', { hasText: 'Verification failed' }).waitFor()
    t.ok(await page.getByLabel('Who (username)').isVisible())
    t.ok(await page.getByRole('link', { name: 'Older entries' }).isVisible())
    await shot('14-english')
    await page.goto(`${base}/portal/audit?lang=zh`)
  })
})
