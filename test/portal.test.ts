// The portal in a real browser (playwright-core driving Debian's Chromium) against a real gateway
// on PostgreSQL: sign-in with a wrong and a right password, the home page, search by name and by
// ID number (18 and 15 digits), a resident page with provenance and a conflict, resolving it, the
// purpose prompt before full ID and phone numbers (and its audit entry), a resident of another
// town answering 404, and the English switch. Screenshots go to test-artifacts/portal/.
// Plain HTTP checks cover what a browser hides: redirects, CSRF, asset caching.
import t from 'tap'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { buildMessage, idCheckChar, type HouseholdRecord } from '../adapters/household-registration/data.ts'
import { DEMO_SECRET, eventually, operatorAuth, startTestGateway, postSignedWebhook } from './helpers.ts'
import { createStaff, signIn } from './portal-kit.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARTIFACTS = 'test-artifacts/portal'
const TOWN_A = '320412120000'
const TOWN_B = '320413101000'
const PASSWORD = 'Window-Staff-2026'
const HR = 'household-registration'
const HR2 = 'household-registration-2'

const withCheck = (first17: string): string => first17 + idCheckChar(first17)
const ZHANG = withCheck('32041219850312002') // in town A
const ZHANG_15 = `${ZHANG.slice(0, 6)}${ZHANG.slice(8, 17)}`
const OTHER = withCheck('32041319900101003') // in town B

function resident (idNumber: string, name: string, town: string, phone: string): HouseholdRecord {
  return {
    GMSFHM: idNumber, XM: name, XB: Number(idNumber[16]) % 2 === 1 ? '1' : '2', MZ: '01', CSRQ: idNumber.slice(6, 14),
    HJDZ_XZQHDM: town.slice(0, 6), HJDZ_XZJDDM: town.slice(0, 9), HJDZ_QHNXXDZ: '湟里村8号', LXDH: phone,
  }
}

const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`

t.test('the portal in a browser', { skip }, async (t) => {
  const { chromium } = await import('playwright-core')
  const { gateway, bootstrapAuth, auth } = await startTestGateway(t, {
    store: 'postgres',
    redisIndex: 4,
    adapters: [
      { id: HR, adapter: HR, webhook: { secrets: [DEMO_SECRET] }, concurrency: 2 },
      { id: HR2, adapter: HR, webhook: { secrets: [DEMO_SECRET] }, concurrency: 2 },
    ],
  })
  const base = gateway.url
  let sequence = 0
  const deliver = async (adapter: string, records: HouseholdRecord[], occurTime: string): Promise<void> => {
    const msg = { ...buildMessage(1, ++sequence, { records, eventType: 'BG', occurTime }), msgId: `HRPORTAL${sequence}x${Date.now()}` }
    const res = await postSignedWebhook(base, adapter, msg)
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`)
    await eventually(async () => {
      const inbox = await (await fetch(`${base}/api/v1/inbox?adapter=${adapter}&limit=500`, { headers: auth })).json() as { items: Array<{ webhookId: string, status: string }> }
      return inbox.items.some((i) => i.webhookId === msg.msgId && i.status === 'done')
    })
  }
  // The household register knows 张伟 and a resident of another town; a second register
  // (not authoritative for names) disagrees on the name: a conflict.
  await deliver(HR, [resident(ZHANG, '张伟', TOWN_A, '13812348000'), resident(OTHER, '张敏', TOWN_B, '13900001111')], '2026-11-20 10:00:00')
  await deliver(HR2, [resident(ZHANG, '张玮', TOWN_A, '13812348000')], '2026-11-21 09:30:00')
  // Resident pages are addressed by an opaque reference, never the ID number.
  const refOf = async (idNumber: string): Promise<string> =>
    (await gateway.platform.db.query<{ ref: string }>('SELECT ref FROM persons WHERE id_number = $1', [idNumber])).rows[0]!.ref
  const ZHANG_REF = await refOf(ZHANG)
  const OTHER_REF = await refOf(OTHER)

  const staff = await fetch(`${base}/api/v1/staff`, {
    method: 'POST',
    headers: { ...bootstrapAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'wang.fang', name: '王芳', town: TOWN_A, roles: ['window-staff'], password: PASSWORD }),
  })
  t.equal(staff.status, 201, 'a window staff member of town A')

  t.test('without a session: redirects, CSRF and cached assets', async (t) => {
    const search = await fetch(`${base}/portal/search?q=${encodeURIComponent('张')}`, { redirect: 'manual' })
    t.equal(search.status, 303)
    t.equal(search.headers.get('location'), `/portal/login?next=${encodeURIComponent(`/portal/search?q=${encodeURIComponent('张')}`)}`)
    const person = await fetch(`${base}/portal/persons/${ZHANG_REF}`, { redirect: 'manual' })
    t.equal(person.status, 303, 'a resident page needs a session')
    const root = await fetch(`${base}/`)
    const page = await root.text()
    t.equal(root.status, 200)
    t.match(page, /<html lang="zh-CN">/)
    t.match(page, /name="username"/)
    t.match(root.headers.get('set-cookie') ?? '', /tb_login_csrf=/)
    const css = /href="(\/portal\/static\/portal\.[0-9a-f]{10}\.css)"/.exec(page)?.[1]
    t.ok(css, 'the stylesheet carries a content hash')
    const asset = await fetch(`${base}${css!}`)
    t.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable')
    t.match(asset.headers.get('content-type'), /text\/css/)
    t.match(page, /\/portal\/static\/htmx\.[0-9a-f]{10}\.js/, 'htmx is served locally')
    t.notMatch(page, /https?:\/\//, 'no external URLs')
  })

  await mkdir(ARTIFACTS, { recursive: true })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  t.teardown(async () => { await browser.close() })
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  const shot = async (name: string): Promise<void> => { await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true }) }

  t.test('sign-in: five wrong passwords lock the account, and the page says until when', async (t) => {
    const res = await fetch(`${base}/api/v1/staff`, {
      method: 'POST',
      headers: { ...bootstrapAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lock.me', name: '锁定', town: TOWN_A, roles: ['window-staff'], password: PASSWORD }),
    })
    t.equal(res.status, 201)
    await page.goto(`${base}/`)
    await page.getByLabel('用户名').fill('lock.me')
    for (let i = 1; i <= 5; i++) {
      await page.getByLabel('密码', { exact: true }).fill(`wrong-password-${i}`)
      await page.getByRole('button', { name: '登录' }).click()
      await page.locator('#login-error:not(:empty)').waitFor()
      if (i < 5) t.match(await page.locator('#login-error').textContent(), '用户名或密码错误', `attempt ${i}`)
      await page.locator('button[type=submit]:not([disabled])').waitFor()
    }
    await page.getByLabel('密码', { exact: true }).fill(PASSWORD)
    await page.getByRole('button', { name: '登录' }).click()
    await page.locator('#login-error', { hasText: '账号已锁定至' }).waitFor()
    t.match(await page.locator('#login-error').textContent(), /账号已锁定至 \S+/, 'even the right password waits, and the page says until when')
    await shot('00-locked')
    t.equal(page.url(), `${base}/`, 'still on the sign-in page')
  })

  t.test('sign-in without JavaScript: errors come back as the sign-in page, in its language', async (t) => {
    const noScript = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
    t.teardown(async () => { await noScript.close() })
    const p = await noScript.newPage()
    await p.goto(`${base}/portal/login?next=${encodeURIComponent('/portal/search')}`)
    await p.getByLabel('用户名').fill('wang.fang')
    await p.getByLabel('密码', { exact: true }).fill('not-the-password')
    await p.getByRole('button', { name: '登录' }).click()
    await p.waitForURL(`${base}/portal/login?error=TB_SIGN_IN_FAILED&next=%2Fportal%2Fsearch`)
    t.equal((await p.locator('#login-error').textContent())?.trim(), '用户名或密码错误。')
    await p.getByLabel('用户名').fill('lock.me')
    await p.getByLabel('密码', { exact: true }).fill(PASSWORD)
    await p.getByRole('button', { name: '登录' }).click()
    await p.locator('#login-error', { hasText: /账号已锁定至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/ }).waitFor()
    t.pass('the lockout, with its end in Beijing time')
    await p.screenshot({ path: `${ARTIFACTS}/00-locked-no-script.png`, fullPage: true })
    const tampered = await p.goto(`${base}/portal/login?error=${encodeURIComponent('<b>x</b>')}&until=not-a-time`)
    t.equal(tampered?.status(), 200)
    t.equal(await p.locator('#login-error').textContent(), '', 'a made-up error is not shown')
    t.equal(await p.locator('#login-error b').count(), 0)
    await p.goto(`${base}/portal/login?next=${encodeURIComponent('/portal/search')}`)
    await p.getByLabel('用户名').fill('wang.fang')
    await p.getByLabel('密码', { exact: true }).fill(PASSWORD)
    await p.getByRole('button', { name: '登录' }).click()
    await p.waitForURL(`${base}/portal/search`)
    t.pass('the right password goes where the staff member was going')
  })

  t.test('sign-in: a wrong password says so, the right one opens the home page', async (t) => {
    await page.goto(`${base}/`)
    t.equal(await page.getAttribute('html', 'lang'), 'zh-CN')
    await page.getByLabel('用户名').fill('wang.fang')
    await page.getByLabel('密码', { exact: true }).fill('not-the-password')
    await page.getByRole('button', { name: '登录' }).click()
    await page.locator('#login-error', { hasText: '用户名或密码错误' }).waitFor()
    await shot('01-sign-in-wrong-password')
    await page.getByLabel('密码', { exact: true }).fill(PASSWORD)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL(`${base}/`)
    await page.locator('h1', { hasText: '工作台' }).waitFor()
    t.match(await page.textContent('h1'), '武进区湟里镇')
    const residents = page.locator('.tile', { hasText: '居民' })
    t.equal((await residents.locator('.n').textContent())?.trim(), '1', 'only the resident of the own town counts')
    t.equal((await page.locator('.tile', { hasText: '待处理数据冲突' }).locator('.n').textContent())?.trim(), '1')
    const today = page.locator('table[aria-labelledby="today"] tbody tr')
    t.equal(await today.count(), 1, "today's changes: one row per source department that changed records in scope")
    t.match(await today.first().locator('th').textContent(), '公安')
    t.same(await today.first().locator('td').allTextContents(), ['1', '0', '0', '0'], 'the household register created one resident of the town today')
    await shot('02-home')
  })

  t.test('the keyboard alone: skip link, menu, search box', async (t) => {
    await page.goto(`${base}/`)
    t.equal(await page.evaluate(() => document.activeElement?.id), 'q', 'the home page starts in its search box')
    await page.keyboard.type('张')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/portal\/search\?s=[\w-]{22}$/)
    t.equal(await page.locator('#results tbody tr').count(), 1, 'typing straight away and Enter searches')
    await page.goto(`${base}/portal/conflicts`)
    await page.keyboard.press('Tab')
    t.equal(await page.evaluate(() => document.activeElement?.textContent), '跳到主要内容', 'the first Tab reaches the skip link')
    t.equal(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'solid', 'focus is visible')
    await page.keyboard.press('Enter')
    t.equal(await page.evaluate(() => document.activeElement?.id), 'main', 'Enter moves to the main content')
    await page.locator('nav a', { hasText: '查询' }).focus()
    await page.keyboard.press('Enter')
    await page.waitForURL(`${base}/portal/search`)
    t.equal(await page.evaluate(() => document.activeElement?.id), 'q', 'the search box has the focus')
    await page.keyboard.type('张')
    await page.keyboard.press('Enter')
    await page.locator('#res-persons').waitFor()
    t.equal(await page.locator('#results tbody tr').count(), 1)
  })

  t.test('search by name and by ID number, masked', async (t) => {
    await page.getByRole('link', { name: '查询' }).click()
    await page.getByLabel('姓名、身份证号').fill('张')
    await page.getByLabel('姓名、身份证号').press('Enter')
    await page.locator('#res-persons').waitFor()
    const rows = page.locator('#results tbody tr')
    t.equal(await rows.count(), 1, 'the other town\'s 张敏 is out of scope')
    const text = await rows.first().textContent() ?? ''
    t.match(text, `${ZHANG.slice(0, 6)}********${ZHANG.slice(14)}`, 'the ID number masked')
    t.match(text, '138****8000', 'the phone masked')
    t.notMatch(await page.content(), '13812348000', 'the full phone is nowhere in the page')
    await shot('03-search-by-name')

    await page.goto(`${base}/portal/search?q=${ZHANG}`)
    t.equal(await page.locator('#results tbody tr').count(), 1, 'by the 18-digit number')
    await page.goto(`${base}/portal/search?q=${ZHANG_15}`)
    t.equal(await page.locator('#results tbody tr').count(), 1, 'by the 15-digit number')
    await page.goto(`${base}/portal/search?q=${ZHANG.slice(-4)}`)
    t.equal(await page.locator('#results tbody tr').count(), 1, 'by the last four digits')
    await page.goto(`${base}/portal/search?q=${encodeURIComponent('138 1234 8000')}`)
    t.equal(await page.locator('#results tbody tr').count(), 1, 'by phone number')
    await page.goto(`${base}/portal/search?q=13900001111`)
    await page.locator('#results', { hasText: '没有找到' }).waitFor()
    t.pass("another town's resident is not found by phone either")
    await page.goto(`${base}/portal/search?q=29`)
    await page.locator('#results .error', { hasText: '末 4 位' }).waitFor()
    t.pass('too few digits ask for more')
    await page.goto(`${base}/portal/search?q=${OTHER}`)
    await page.locator('#results', { hasText: '没有找到' }).waitFor()
    t.pass('another town\'s resident is not found')
    await shot('04-search-by-id')
  })

  t.test('one search box on every page: in the top bar, and in the middle of the home page', async (t) => {
    const topBox = page.locator('header form[role="search"]')
    await page.goto(`${base}/`)
    t.equal(await page.locator('main form[role="search"] input[name="q"]').count(), 1, 'the home page: a box in the middle')
    t.equal(await page.locator('main #q').getAttribute('autofocus'), '', 'focused when the page opens')
    t.equal(await page.getByLabel('姓名、身份证号').getAttribute('id'), 'q', 'labelled')
    for (const path of ['/', '/portal/conflicts', '/portal/departments', `/portal/search?q=${ZHANG}`, '/portal/persons/not-an-id', '/portal/quarantine']) {
      await page.goto(`${base}${path}`)
      const expected = path.startsWith('/portal/search') ? 0 : 1
      t.equal(await topBox.count(), expected, `${path}: ${expected === 1 ? 'the box in the top bar' : 'the search page has its own box only'}`)
      if (expected === 1) {
        t.equal(await topBox.getAttribute('action'), '/portal/search')
        t.equal(await page.getByLabel('查询居民或市场主体').getAttribute('name'), 'q', `${path}: input q, labelled`)
      }
    }
    await page.goto(`${base}/portal/conflicts`)
    const conflictRow = page.locator('main table tbody tr').first()
    t.match(await conflictRow.locator('td').first().textContent(), /^张伟 320412\*{8}/, 'the conflict list names the resident beside the masked number')
    await shot('02b-top-search')
    await page.getByLabel('查询居民或市场主体').fill(ZHANG.slice(-4))
    await page.getByLabel('查询居民或市场主体').press('Enter')
    await page.waitForURL(/\/portal\/search\?s=[\w-]{22}$/)
    t.equal(await page.locator('#results tbody tr').count(), 1, 'the top bar searches')

    await createStaff(base, bootstrapAuth, { username: 'sun.shenji', name: '孙审计', town: TOWN_A, roles: ['auditor'] })
    const other = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
    t.teardown(async () => { await other.close() })
    const p = await other.newPage()
    await signIn(p, base, 'sun.shenji')
    t.equal(await p.locator('form[role="search"]').count(), 0, 'an auditor, who may not read records, has no search box')
  })

  t.test('full-width digits from a Chinese input method find the resident', async (t) => {
    const fullWidth = (s: string): string => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
    await page.goto(`${base}/portal/search`)
    await page.getByLabel('姓名、身份证号').fill(fullWidth(ZHANG))
    await page.getByLabel('姓名、身份证号').press('Enter')
    await page.locator('#res-persons').waitFor()
    t.equal(await page.locator('#results tbody tr').count(), 1, 'the full-width ID number')
    await page.goto(`${base}/portal/search?q=${encodeURIComponent(fullWidth('13812348000'))}`)
    t.equal(await page.locator('#results tbody tr').count(), 1, 'a full-width phone number')
    await page.goto(`${base}/portal/search?q=${encodeURIComponent(fullWidth(ZHANG.slice(-4)))}`)
    t.equal(await page.locator('#results tbody tr').count(), 1, 'full-width last digits')
  })

  t.test('NUL and other control characters in a query or a form: a 400 page that says so', async (t) => {
    for (const path of ['/portal/search?q=a%00b', '/portal/search?q=%E5%BC%A0%01', '/portal/quarantine?adapter=%00', '/portal/quarantine?reason=x%00', '/portal/audit?actor=a%00b', '/portal/audit?subject=%00']) {
      const res = await page.goto(`${base}${path}`)
      t.equal(res?.status(), 400, path)
      t.match(await page.locator('main').textContent(), /含有控制字符（如 NUL）.*TB_VALIDATION/, `${path}: the page says what is wrong`)
    }
    const param = /“(\w+)”/.exec(await page.locator('main p').first().textContent() ?? '')?.[1]
    t.equal(param, 'subject', 'and names the parameter')
    t.equal(await page.locator('nav a', { hasText: '查询' }).count(), 1, 'in the signed-in shell')
    // Raw bytes in a form body reach the page (a raw NUL in the request line is refused by the HTTP parser).
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue()
    const raw = await page.request.post(`${base}/portal/persons/${ZHANG_REF}/full`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: Buffer.from(`_csrf=${encodeURIComponent(csrf)}&purpose=a\u0000b`),
      maxRedirects: 0,
    })
    t.equal(raw.status(), 400, 'a raw NUL in a form field')
    t.match(await raw.text(), 'TB_VALIDATION')
    const encoded = await page.request.post(`${base}/portal/persons/${ZHANG_REF}/full`, { form: { _csrf: csrf, purpose: 'a\u0000b' }, maxRedirects: 0 })
    t.equal(encoded.status(), 400, 'a percent-encoded NUL in a form field')
    const net = await import('node:net')
    const { port } = new URL(base)
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write('GET /portal/search?q=a\u0000b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
      let data = ''
      socket.on('data', (c) => { data += String(c) })
      socket.on('end', () => { resolve(data) })
      socket.on('error', (err) => { resolve(String(err)) })
    })
    t.match(answer, /^HTTP\/1\.1 400 /, 'a raw NUL in the request line: 400, never a 5xx')
  })

  t.test('a resident page: provenance, the conflict, resolving it', async (t) => {
    await page.goto(`${base}/`)
    await page.locator('main #q').fill(ZHANG)
    await page.locator('main #q').press('Enter')
    await page.waitForURL(/\/portal\/search\?s=[\w-]{22}$/)
    const resultsUrl = page.url()
    await page.locator('#results tbody a').first().click()
    await page.waitForURL(`${base}/portal/persons/${ZHANG_REF}?s=${new URL(resultsUrl).searchParams.get('s')!}`)
    await page.locator('#back-to-results').click()
    await page.waitForURL(resultsUrl)
    t.equal(await page.locator('main #q').inputValue(), ZHANG, 'the back link returns to the results, the query in the box')
    t.equal(await page.locator('#results tbody tr').count(), 1)
    await page.locator('#results tbody a').first().click()
    await page.waitForURL(/\/portal\/persons\/[0-9a-f]{32}\?s=/)
    const nameRow = page.locator('#fields tr', { has: page.locator('[data-field="name"]') })
    t.match(await nameRow.textContent(), '张伟')
    t.match(await nameRow.textContent(), '2026-11-20 10:00', 'the time of the observation')
    t.match(await nameRow.textContent(), '公安', 'the source department')
    t.equal(await nameRow.getAttribute('class'), 'conflict', 'the conflicted field is highlighted')
    t.equal((await page.locator('[data-field="ethnicityCode"]').textContent())?.trim(), '汉族 01', 'the ethnic group by its name, the code beside it')
    t.match(await page.locator('#fields tr', { has: page.locator('[data-field="ethnicityCode"]') }).locator('th').textContent(), /^民族/)
    t.equal((await page.locator('[data-field="gender"]').textContent())?.trim(), '女', 'the gender by its name')
    const phoneCell = page.locator('[data-field="phone"]')
    t.equal((await phoneCell.textContent())?.trim(), '138****8000')
    const conflict = page.locator('section[id^="conflict-"]')
    t.match(await conflict.textContent(), '张伟')
    t.match(await conflict.textContent(), '张玮')
    await shot('05-resident-conflict')

    await conflict.getByLabel('张玮').check()
    await conflict.getByLabel('裁决理由').fill('核对户口簿原件')
    await conflict.getByRole('button', { name: '确认裁决' }).click()
    await page.locator('.notice', { hasText: '冲突已裁决' }).waitFor()
    t.equal((await page.locator('[data-field="name"]').textContent())?.trim(), '张玮', 'the chosen value')
    t.match(await page.locator('#fields tr', { has: page.locator('[data-field="name"]') }).textContent(), '人工裁决')
    t.equal(await page.locator('section[id^="conflict-"]').count(), 0, 'no conflict left')
    t.match(await page.locator('#history').locator('xpath=following-sibling::table').textContent(), 'wang.fang', 'the history names who chose')
    await shot('06-resolved')
    await page.locator('#back-to-results').click()
    await page.waitForURL(resultsUrl)
    t.pass('after resolving, the way back to the results is still there')
    await page.goBack()
    await page.waitForURL(/\/portal\/persons\/[0-9a-f]{32}\?resolved=1&s=/)
  })

  t.test('the purpose prompt before full numbers, written to the audit log', async (t) => {
    await page.getByText('显示完整信息').click()
    await page.getByLabel('查询事由').fill('办理城乡居民医保参保')
    await page.getByRole('button', { name: '确认并显示' }).click()
    await page.locator('.notice', { hasText: '办理城乡居民医保参保' }).waitFor()
    t.equal((await page.locator('[data-field="idNumber"]').textContent())?.trim(), ZHANG)
    t.equal((await page.locator('[data-field="phone"]').textContent())?.trim(), '13812348000')
    await shot('07-full-with-purpose')
    const auditor = await operatorAuth(base, { roles: ['auditor'] })
    const log = await (await fetch(`${base}/api/v1/audit?action=person.read-full`, { headers: auditor })).json() as { items: Array<Record<string, unknown>> }
    t.match(log.items[0], { actor: 'wang.fang', action: 'person.read-full', purpose: '办理城乡居民医保参保', outcome: 'ok', subject: `${ZHANG.slice(0, 6)}********${ZHANG.slice(14)}` })
    const reads = await (await fetch(`${base}/api/v1/audit?action=person.read&actor=wang.fang`, { headers: auditor })).json() as { items: unknown[] }
    t.ok(reads.items.length >= 2, 'page views are audited as person.read')
  })

  t.test('no URL the portal makes carries an ID number', async (t) => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
    t.teardown(async () => { await ctx.close() })
    const requested: string[] = []
    ctx.on('request', (r) => { requested.push(r.url()) })
    const p = await ctx.newPage()
    await signIn(p, base, 'wang.fang', PASSWORD)
    // Every way to a resident: the home page's box (full, 15-digit and full-width numbers), the top bar's, the purpose prompt.
    for (const q of [ZHANG, ZHANG_15, ZHANG.toLowerCase()]) {
      await p.goto(`${base}/`)
      await p.locator('main #q').fill(q)
      await p.locator('main #q').press('Enter')
      await p.locator('#results tbody a').first().click()
      await p.locator('#fields').waitFor()
    }
    await p.getByLabel('查询居民或市场主体').fill(ZHANG)
    await p.getByLabel('查询居民或市场主体').press('Enter')
    await p.locator('#results tbody a').first().click()
    await p.getByText('显示完整信息').click()
    await p.getByLabel('查询事由').fill('核对身份')
    await p.getByRole('button', { name: '确认并显示' }).click()
    await p.locator('.notice', { hasText: '核对身份' }).waitFor()
    t.equal((await p.locator('[data-field="idNumber"]').textContent())?.trim(), ZHANG, 'the full number is on the page')
    // Then every link of every page two steps from home (sign-out aside).
    const seen = new Set<string>()
    const hrefs: string[] = []
    let frontier = [`${base}/`, p.url()]
    for (let depth = 0; depth < 2; depth++) {
      const next: string[] = []
      for (const url of frontier) {
        if (seen.has(url)) continue
        seen.add(url)
        await p.goto(url)
        const links = await p.locator('a[href], form[action]').evaluateAll((els) => els.map((e) => (e as HTMLAnchorElement).href || (e as HTMLFormElement).action))
        hrefs.push(...links)
        next.push(...links.filter((l) => l.startsWith(base) && !l.includes('/logout') && !l.includes('/static/')).map((l) => l.split('#')[0]!))
      }
      frontier = next
    }
    t.ok(seen.size > 5, `crawled ${seen.size} pages`)
    const idLike = /\d{17}[\dX]|\d{15}/i
    t.same(hrefs.filter((h) => idLike.test(decodeURIComponent(h))), [], 'no link or form carries an ID number')
    t.same(requested.filter((u) => idLike.test(decodeURIComponent(u))), [], 'no URL requested carries one')
    t.ok(requested.some((u) => /\/portal\/persons\/[0-9a-f]{32}/.test(u)), 'resident pages were opened, by reference')
  })

  t.test('a resident of another town is not found', async (t) => {
    const res = await page.goto(`${base}/portal/persons/${OTHER_REF}`)
    t.equal(res?.status(), 404)
    await page.locator('h1', { hasText: '未找到' }).waitFor()
    await shot('08-out-of-scope')
    const forged = await page.request.post(`${base}/portal/persons/${ZHANG_REF}/full`, { form: { purpose: 'x', _csrf: 'forged' }, maxRedirects: 0 })
    t.equal(forged.status(), 403, 'a POST without the session CSRF token is refused')
  })

  t.test('every role\'s home shows what it works on', async (t) => {
    const as = async (username: string, roles: string[]) => {
      await createStaff(base, bootstrapAuth, { username, name: username, town: TOWN_A, roles })
      const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
      t.teardown(async () => { await ctx.close() })
      const p = await ctx.newPage()
      await signIn(p, base, username)
      return p
    }
    const county = await as('county.admin', ['county-admin'])
    t.equal((await county.textContent('h1'))?.trim(), '常州市武进区 工作台', 'the county admin\'s home is titled with the county it shows')
    t.match(await county.locator('main').textContent(), '管辖范围：常州市武进区（区县代码 320412')
    await county.screenshot({ path: `${ARTIFACTS}/11-home-county-admin.png`, fullPage: true })

    const auditor = await as('audit.two', ['auditor'])
    await auditor.locator('#verify-status[data-ok="true"]').waitFor()
    t.match(await auditor.locator('#verify-status').textContent(), '校验通过', 'the auditor sees the chain verified')
    t.equal(await auditor.locator('.notice', { hasText: '不能查看居民' }).count(), 0, 'not a refusal')
    await auditor.locator('#home-audit-log').click()
    await auditor.waitForURL(`${base}/portal/audit`)
    t.ok(await auditor.locator('#audit-log tbody tr').count() > 0, 'and reaches the recent entries')
    await auditor.goto(`${base}/`)
    await auditor.locator('#verify-status').waitFor()
    await auditor.screenshot({ path: `${ARTIFACTS}/12-home-auditor.png`, fullPage: true })

    await createStaff(base, bootstrapAuth, { username: 'gone.away', name: '离职', town: TOWN_A, roles: ['grid-staff'] })
    const security = await as('sec.admin', ['security-admin'])
    const disabled = await fetch(`${base}/api/v1/staff/gone.away/disable`, { method: 'POST', headers: bootstrapAuth })
    t.equal(disabled.status, 200)
    await security.reload()
    t.match(await security.locator('ul[aria-labelledby="locked"]').textContent(), /lock\.me.*锁定至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/, 'the locked account, until when')
    t.match(await security.locator('ul[aria-labelledby="disabled"]').textContent(), 'gone.away', 'the disabled account')
    const changes = security.locator('table[aria-labelledby="staff-changes"] tbody tr')
    t.ok(await changes.count() >= 5, 'the latest account changes')
    t.match(await changes.first().textContent(), /停用工作人员账号\s*gone\.away\s*admin/, 'newest first: the action by its name, the account, who')
    t.equal(await security.locator('.notice', { hasText: '不能查看居民' }).count(), 0, 'not a refusal')
    await security.screenshot({ path: `${ARTIFACTS}/13-home-security-admin.png`, fullPage: true })
  })

  t.test('the English switch', async (t) => {
    await page.goto(`${base}/portal/persons/${ZHANG_REF}`)
    await page.locator('#lang-switch').click()
    await page.locator('h1', { hasText: 'Resident: 张玮' }).waitFor()
    t.equal(await page.getAttribute('html', 'lang'), 'en')
    t.match(await page.locator('#fields thead').textContent(), 'Source department')
    await shot('09-english')
    await page.goto(`${base}/`)
    t.match(await page.textContent('h1'), 'workspace', 'the choice is remembered')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Username').waitFor()
    await shot('10-signed-out-english')
  })
})
