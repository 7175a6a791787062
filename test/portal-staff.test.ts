// The staff administration pages in a real browser against a real gateway on PostgreSQL: a
// security administrator creates an account (a weak password first: the error shows, the values
// stay), finds it in the list, edits its roles, maps and removes a department account (the
// password is neither in the page nor in plaintext in the vault table), disables it (its open
// session ends, it cannot sign in), enables it, resets its password, ends its sessions; cannot
// disable itself or drop its own role; a window staff member is refused; the audit log has it all.
import t from 'tap'
import type { Page } from 'playwright-core'
import { operatorAuth, startTestGateway } from './helpers.ts'
import { createStaff, openBrowser, signIn, skipWithoutChromium } from './portal-kit.ts'

const TOWN = '320412120000'
const ADMIN = 'li.an'
const NEW_PASSWORD = 'Chen-Jing-2026!'
const DEPT_PASSWORD = 'Dept-Secret-8842'

t.test('staff administration in a browser', { skip: skipWithoutChromium }, async (t) => {
  const { gateway, bootstrapAuth } = await startTestGateway(t, { store: 'postgres', redisIndex: 13 })
  const base = gateway.url
  const { db } = gateway.platform
  await createStaff(base, bootstrapAuth, { username: ADMIN, name: '李安', town: TOWN, roles: ['security-admin'] })
  await createStaff(base, bootstrapAuth, { username: 'zhao.chuang', name: '赵窗', town: TOWN, roles: ['window-staff'] })

  const { browser, page, shot } = await openBrowser(t, 'staff')
  const other = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const second = await other.newPage()
  const notice = async (p: Page, text: string): Promise<void> => { await p.locator('.notice', { hasText: text }).waitFor() }

  await signIn(page, base, ADMIN)

  t.test('a new account: a weak password is refused with the values kept, a good one creates it', async (t) => {
    await page.goto(`${base}/portal/staff?lang=zh`)
    await page.getByRole('link', { name: '人员管理' }).waitFor()
    await page.getByText('新建账号').click()
    await page.getByLabel('用户名', { exact: true }).fill('chen.jing')
    await page.getByLabel('姓名', { exact: true }).fill('陈静')
    await page.getByLabel('所属乡镇').selectOption(TOWN)
    await page.getByLabel('窗口工作人员').check()
    await page.getByLabel('初始密码').fill('weakpass')
    await page.getByRole('button', { name: '创建账号' }).click()
    await page.locator('.field-error', { hasText: '密码不符合要求' }).waitFor()
    t.match(await page.locator('#new-password-error').textContent(), '至少 10 个字符')
    t.equal(await page.getByLabel('用户名', { exact: true }).inputValue(), 'chen.jing', 'the username is kept')
    t.equal(await page.getByLabel('姓名', { exact: true }).inputValue(), '陈静', 'the name is kept')
    t.ok(await page.getByLabel('窗口工作人员').isChecked(), 'the role is kept')
    t.equal(await page.getByLabel('初始密码').inputValue(), '', 'the password is not sent back')
    await shot('01-weak-password')

    await page.getByLabel('初始密码').fill(NEW_PASSWORD)
    await page.getByRole('button', { name: '创建账号' }).click()
    await page.waitForURL(`${base}/portal/staff/chen.jing?done=created`)
    await notice(page, '账号已创建')
    await shot('02-created-account')
  })

  t.test('invalid input is explained in words', async (t) => {
    await page.goto(`${base}/portal/staff`)
    await page.getByText('新建账号').click()
    await page.getByLabel('用户名', { exact: true }).fill('Chen Jing')
    await page.getByLabel('姓名', { exact: true }).fill('陈静')
    await page.getByLabel('或输入 12 位区划代码').fill('3204')
    await page.getByLabel('初始密码').fill(NEW_PASSWORD)
    await page.getByRole('button', { name: '创建账号' }).click()
    await page.locator('#new-username-error').waitFor()
    t.match(await page.locator('#new-username-error').textContent(), '小写字母')
    t.match(await page.locator('#new-town-error').textContent(), '12 位数字')
    t.match(await page.locator('#new-roles-error').textContent(), '至少选择一个角色')
    await shot('02-invalid-input')
    await page.getByLabel('用户名', { exact: true }).fill('chen.jing')
    await page.getByLabel('或输入 12 位区划代码').fill('')
    await page.getByLabel('所属乡镇').selectOption(TOWN)
    await page.getByLabel('网格员').check()
    await page.getByLabel('初始密码').fill(NEW_PASSWORD)
    await page.getByRole('button', { name: '创建账号' }).click()
    await page.locator('#new-username-error', { hasText: '已被使用' }).waitFor()
    t.pass('an existing username is refused')
  })

  t.test('the list: town by name, roles by label, filters', async (t) => {
    await page.goto(`${base}/portal/staff`)
    const row = page.locator('#staff-list tbody tr', { hasText: 'chen.jing' })
    const text = await row.textContent() ?? ''
    t.match(text, '陈静')
    t.match(text, '武进区湟里镇')
    t.match(text, '窗口工作人员')
    t.match(text, '启用')
    t.equal(await page.locator('#staff-list tbody tr').count(), 3)
    await page.getByLabel('用户名或姓名').fill('陈')
    await page.getByRole('button', { name: '筛选' }).click()
    await page.waitForURL(/q=/)
    t.equal(await page.locator('#staff-list tbody tr').count(), 1, 'the text filter')
    await shot('03-list')
    await page.getByRole('link', { name: 'chen.jing' }).click()
    await page.waitForURL(`${base}/portal/staff/chen.jing`)
  })

  t.test('edit the roles', async (t) => {
    await page.getByLabel('网格员').check()
    await page.getByRole('button', { name: '保存', exact: true }).click()
    await notice(page, '已保存')
    t.match(await page.locator('table.facts').textContent(), '窗口工作人员、网格员')
  })

  t.test('a department account: sealed, never shown, removed', async (t) => {
    await page.getByLabel('部门系统', { exact: true }).selectOption('household-registration')
    await page.getByLabel('部门系统用户名').fill('hj_chenjing')
    await page.getByLabel('部门系统密码（可不填）').fill(DEPT_PASSWORD)
    await page.getByRole('button', { name: '保存部门系统账号' }).click()
    await notice(page, '部门系统账号已保存')
    const row = page.locator('#mappings tbody tr')
    t.equal(await row.count(), 1)
    t.match(await row.textContent(), 'hj_chenjing')
    t.match(await row.textContent(), '是', 'a password is stored')
    t.notMatch(await page.content(), DEPT_PASSWORD, 'the password is nowhere in the page')
    await shot('04-department-account')
    const { rows } = await db.query<{ password: Uint8Array, text: string }>(
      "SELECT a.password, a::text AS text FROM staff_accounts a JOIN staff s ON s.id = a.staff_id WHERE s.username = 'chen.jing'")
    t.equal(rows.length, 1)
    t.notOk(Buffer.from(rows[0]!.password).includes(Buffer.from(DEPT_PASSWORD)), 'the stored password is sealed')
    t.notMatch(rows[0]!.text, DEPT_PASSWORD)
    t.notMatch(rows[0]!.text, Buffer.from(DEPT_PASSWORD).toString('hex'), 'not even as bytes')

    await page.locator('#mappings').getByRole('button', { name: /^删除/ }).click()
    await notice(page, '部门系统账号已删除')
    t.equal(await page.locator('#mappings').count(), 0)
    const left = await db.query('SELECT 1 FROM staff_accounts')
    t.equal(left.rows.length, 0, 'the row is gone')
  })

  t.test('disabling ends the open session and sign-in says the account is disabled', async (t) => {
    await signIn(second, base, 'chen.jing', NEW_PASSWORD)
    await page.getByRole('button', { name: '停用账号' }).click()
    await notice(page, '账号已停用')
    t.match(await page.locator('table.facts').textContent(), '已停用')
    await second.goto(`${base}/portal/search`)
    await second.waitForURL(/\/portal\/login/)
    t.pass('the next page load goes to sign-in')
    await second.getByLabel('用户名').fill('chen.jing')
    await second.getByLabel('密码', { exact: true }).fill(NEW_PASSWORD)
    await second.getByRole('button', { name: '登录' }).click()
    await second.locator('#login-error', { hasText: '账号已停用' }).waitFor()
    t.pass('a disabled account cannot sign in')
    await shot('05-disabled')

    await page.getByRole('button', { name: '启用账号' }).click()
    await notice(page, '账号已启用')
    await page.getByLabel('新密码').fill('Chen-Jing-2027#')
    await page.getByRole('button', { name: '设置新密码' }).click()
    await notice(page, '密码已重置')
    await signIn(second, base, 'chen.jing', 'Chen-Jing-2027#')
    t.pass('enabled, it signs in with the new password')
    await page.getByRole('button', { name: '结束全部会话' }).click()
    await notice(page, '已结束 1 个会话')
    await second.goto(`${base}/portal/search`)
    await second.waitForURL(/\/portal\/login/)
    t.pass('ending its sessions signs it out')
  })

  t.test('an administrator cannot disable themselves or drop their own role', async (t) => {
    await page.goto(`${base}/portal/staff/${ADMIN}`)
    await page.getByRole('button', { name: '停用账号' }).click()
    await page.locator('.error', { hasText: '不能停用自己的账号' }).waitFor()
    await page.getByLabel('安全管理员').uncheck()
    await page.getByLabel('审计员').check()
    await page.getByRole('button', { name: '保存', exact: true }).click()
    await page.locator('.error', { hasText: '不能去掉自己的安全管理员角色' }).waitFor()
    await shot('06-self-refused')
    const me = await db.query<{ status: string, roles: string[] }>('SELECT status, roles FROM staff WHERE username = $1', [ADMIN])
    t.same(me.rows[0], { status: 'active', roles: ['security-admin'] })
  })

  t.test('unknown accounts, forged forms, other roles', async (t) => {
    const missing = await page.goto(`${base}/portal/staff/nobody`)
    t.equal(missing?.status(), 404)
    const forged = await page.request.post(`${base}/portal/staff/chen.jing/disable`, { form: { _csrf: 'forged' }, maxRedirects: 0 })
    t.equal(forged.status(), 403, 'a POST without the session CSRF token is refused')
    await signIn(second, base, 'zhao.chuang')
    t.equal(await second.getByRole('link', { name: '人员管理' }).count(), 0, 'no link for a window staff member')
    const list = await second.goto(`${base}/portal/staff`)
    t.equal(list?.status(), 403)
    const one = await second.goto(`${base}/portal/staff/chen.jing`)
    t.equal(one?.status(), 403)
    const post = await second.request.post(`${base}/portal/staff/chen.jing/disable`, { form: { _csrf: 'x' }, maxRedirects: 0 })
    t.equal(post.status(), 403)
  })

  t.test('every change is in the audit log', async (t) => {
    const auditor = await operatorAuth(base, { roles: ['auditor'] })
    const read = async (action: string): Promise<Array<Record<string, unknown>>> =>
      (await (await fetch(`${base}/api/v1/audit?action=${action}&actor=${ADMIN}&limit=200`, { headers: auditor })).json() as { items: Array<Record<string, unknown>> }).items
    const staff = await read('staff.')
    const ok = (action: string, outcome = 'ok') => staff.some((e) => e.action === action && e.subject === 'chen.jing' && e.outcome === outcome)
    for (const action of ['staff.create', 'staff.update', 'staff.disable', 'staff.enable', 'staff.reset-password']) t.ok(ok(action), action)
    t.ok(ok('staff.create', 'failed'), 'the refused weak password too')
    t.ok(staff.some((e) => e.action === 'staff.disable' && e.subject === ADMIN && e.outcome === 'denied'), 'the refused self-disable')
    t.ok(staff.some((e) => e.action === 'staff.update' && e.subject === ADMIN && e.outcome === 'denied'), 'the refused own-role change')
    const vault = await read('vault.store')
    t.equal(vault.filter((e) => e.subject === 'chen.jing').length, 2, 'stored and removed')
    t.match(vault[0], { details: { via: 'portal', adapter: 'household-registration' } })
    t.ok((await read('auth.logout')).some((e) => e.subject === 'chen.jing'), 'ending its sessions')
  })

  t.test('in English', async (t) => {
    await page.goto(`${base}/portal/staff?lang=en`)
    await page.locator('h1', { hasText: 'Staff administration' }).waitFor()
    t.match(await page.locator('#staff-list').textContent(), 'Service window staff')
    await shot('07-list-en')
    await page.goto(`${base}/portal/staff/chen.jing`)
    await page.locator('h1', { hasText: 'Account: 陈静 (chen.jing)' }).waitFor()
    await shot('08-account-en')
    await page.goto(`${base}/portal/staff/chen.jing?lang=zh`)
    await shot('09-account')
  })
})
