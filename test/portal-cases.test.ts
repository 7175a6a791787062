// The window's case pages in Chromium: a case's state, clocks (with their explanation, and a
// clock the calendar cannot compute shown with its problem), events and materials; only the
// actions its state allows (延期 only for a town leader); accepting from the page; a stale page
// answered 409 with the fresh state; the lists (mine today, due soon, overdue in red, all with a
// state filter). Plain HTTP: a forged form without the session's CSRF token is refused, another
// town's case is not found, and every read is audited.
import t from 'tap'
import { addOutbox, killOutbox } from '../src/store/outbox.ts'
import { idCheckChar } from '../adapters/household-registration/data.ts'
import { callApi, operatorAuth, startTestGateway } from './helpers.ts'
import { createStaff, openBrowser, signIn, signOut, skipWithoutChromium } from './portal-kit.ts'
import { matter, OTHER_TOWN, TOWN } from './matters/fixtures.ts'
import { storeMatterVersions } from '../src/store/matters.ts'
import type { Actor } from '../src/model/case.ts'

const ID = (first17: string): string => first17 + idCheckChar(first17)

t.test('case pages', { skip: skipWithoutChromium }, async (t) => {
  const { gateway, bootstrapAuth } = await startTestGateway(t, { store: 'postgres', redisIndex: 12 })
  const base = gateway.url
  const { db, cases } = gateway.platform
  const pension = matter('000201001000', {
    materials: [
      { name: '居民身份证', form: 'original', need: 'required', source: 'sharing' },
      { name: '户口簿', form: 'copy', need: 'required', source: 'applicant' },
    ],
    forms: [{ name: '参保登记表', fields: [
      { name: 'idNumber', label: '身份证号', type: 'idNumber', required: true },
      { name: 'name', label: '姓名', type: 'text', required: true },
    ] }],
  })
  await storeMatterVersions(db, TOWN, 'catalogue', 'matters-exchange', [pension])
  await storeMatterVersions(db, OTHER_TOWN, 'catalogue', 'matters-exchange', [pension])
  await createStaff(base, bootstrapAuth, { username: 'wang.fang', name: '王芳', town: TOWN, roles: ['window-staff'] })
  await createStaff(base, bootstrapAuth, { username: 'li.zhen', name: '李镇', town: TOWN, roles: ['town-leader'] })
  const staffId = async (username: string): Promise<string> => String((await db.query<{ id: string }>('SELECT id FROM staff WHERE username = $1', [username])).rows[0]!.id)
  const wang: Actor = { kind: 'staff', id: await staffId('wang.fang'), name: '王芳' }
  const li: Actor = { kind: 'staff', id: await staffId('li.zhen'), name: '李镇' }

  const open = async (who: Actor, town: string, first17: string, name: string, missing = false): Promise<string> => (await cases.open({
    taskHandleItem: pension.taskHandleItem, applicant: { kind: 'person', key: ID(first17) }, formData: { idNumber: ID(first17), name },
    corrections: [], materials: [{ name: '居民身份证', provided: 'shared' }, { name: '户口簿', provided: missing ? 'missing' : 'paper' }],
  }, who, town)).projectNo
  const mine = await open(wang, TOWN, '32041219850312002', '张伟', true)
  const leaders = await open(li, TOWN, '32041219700101001', '赵敏')
  const stale = await open(wang, TOWN, '32041219900505003', '钱进')
  const foreign = await open(wang, OTHER_TOWN, '32041219900606004', '孙丽')

  const { page, shot } = await openBrowser(t, 'cases')
  await signIn(page, base, 'wang.fang')

  t.test('a received case: its clock, materials and only the actions its state allows', async (t) => {
    await page.goto(`${base}/portal/cases/${mine}`)
    t.equal(await page.locator('.case-state').innerText(), '已接件')
    t.match(await page.locator('.case-facts').innerText(), /城乡居民养老保险参保登记[\s\S]*张伟\s*320412\*+002X/, 'the applicant with the ID number masked')
    t.notMatch(await page.locator('main').innerText(), new RegExp(ID('32041219850312002')), 'nowhere in full')
    t.match(await page.locator('tr[data-clock="supplement-notice"]').innerText(), /一次性告知补正（5 个工作日）\s*\d{4}-\d{2}-\d{2}\s*计时中/)
    await page.locator('tr[data-clock="supplement-notice"] summary').click()
    t.match(await page.locator('tr[data-clock="supplement-notice"] ol').innerText(), /开始计时，当日不计入[\s\S]*截止日：\d{4}-\d{2}-\d{2}。/, 'the clock explains itself')
    t.match(await page.locator('tr[data-material="户口簿"]').innerText(), /户口簿\s*缺/)
    t.same(await page.locator('.case-action').evaluateAll((ds) => ds.map((d) => d.getAttribute('data-action'))), ['accept', 'not-accept', 'request-supplement'])
    t.same(await page.locator('.case-action[data-action="request-supplement"] input[name="items.0.name"]').inputValue(), '户口簿', 'the supplement notice starts from the missing materials')
    t.match(await page.locator('tr[data-event="receive"]').innerText(), /王芳\s*接件 → 已接件/)
    await shot('1-received')
  })

  t.test('accept from the page; the case moves on and offers the next actions', async (t) => {
    await page.locator('.case-action[data-action="accept"] summary').click()
    await page.locator('.case-action[data-action="accept"]').getByLabel('文书编号').fill('湟受〔2026〕1号')
    await page.locator('.case-action[data-action="accept"]').getByRole('button', { name: '受理' }).click()
    await page.waitForURL(`${base}/portal/cases/${mine}?done=accept`)
    t.equal(await page.getByRole('status').innerText(), '已办理：受理。')
    t.equal(await page.locator('.case-state').innerText(), '办理中')
    t.match(await page.locator('tr[data-event="accept"]').innerText(), /王芳\s*受理 → 办理中\s*湟受〔2026〕1号/)
    t.match(await page.locator('tr[data-clock="supplement-notice"]').innerText(), /已完成/)
    t.match(await page.locator('tr[data-clock="promised"]').innerText(), /承诺办结时限\s*\d{4}-\d{2}-\d{2}\s*计时中/)
    const legal = page.locator('tr[data-clock="legal"]')
    if (gateway.platform.calendar.covers(2027)) t.match(await legal.innerText(), /法定办结时限\s*\d{4}-\d{2}-\d{2}/)
    else t.match(await legal.getByRole('alert').innerText(), /无法计算截止日：工作日历尚未包含 2027 年/, 'a clock running past the calendar\'s years says so, prominently')
    t.same(await page.locator('.case-action').evaluateAll((ds) => ds.map((d) => d.getAttribute('data-action'))), ['request-supplement', 'step', 'start-special', 'conclude'], 'no 延期 for window staff')
    await shot('2-accepted')
    // a report the platform refused with its field errors (2001) is shown on the case, field by field
    await addOutbox(db, [{ subject: `case:${mine}`, instance: 'matters-exchange', operation: 'accept', input: { projectNo: mine } }], new Date().toISOString())
    const { rows: [report] } = await db.query<{ id: string }>('SELECT id FROM outbox WHERE subject = $1', [`case:${mine}`])
    await killOutbox(db, Number(report!.id), 'The department refused fields (2001) [{"field":"formData.name","message":"姓名不能为空"}]')
    await page.goto(`${base}/portal/cases/${mine}`)
    const row = page.locator('tr[data-report="accept"]')
    t.match(await row.innerText(), /受理\s*上报失败，需处理/)
    t.match(await row.locator('.field-errors').innerText(), /formData\.name\s*姓名不能为空/)
    await signOut(page, base)
    await signIn(page, base, 'li.zhen')
    await page.goto(`${base}/portal/cases/${mine}`)
    const extend = page.locator('.case-action[data-action="extend"]')
    t.ok(await extend.count(), 'a town leader may extend')
    await extend.locator('summary').click()
    await extend.getByLabel('理由').fill('需现场核查')
    await extend.getByLabel('延长工作日数').fill('10')
    await extend.getByRole('button', { name: '延期' }).click()
    await page.waitForURL(`${base}/portal/cases/${mine}?done=extend`)
    t.match(await page.locator('tr[data-event="extend"]').innerText(), /李镇\s*延期 → 办理中\s*需现场核查/)
    t.equal(await page.locator('.case-action[data-action="extend"]').count(), 0, 'once (§42)')
    await signOut(page, base)
    await signIn(page, base, 'wang.fang')
  })

  t.test('the rest of a case\'s life through its forms', async (t) => {
    const act = async (action: string, fill: (form: ReturnType<typeof page.locator>) => Promise<void>, name: string): Promise<void> => {
      const form = page.locator(`.case-action[data-action="${action}"]`)
      if (await form.getAttribute('open') === null) await form.locator('summary').click()
      await fill(form)
      await form.getByRole('button', { name }).click()
      await page.waitForURL(`${base}/portal/cases/${mine}?done=${action}`)
    }
    await page.goto(`${base}/portal/cases/${mine}`)
    const incomplete = await page.request.post(`${base}/portal/cases/${mine}/act`, { form: { _csrf: await page.locator('input[name="_csrf"]').first().inputValue(), action: 'start-special', specialType: '听证' }, maxRedirects: 0 })
    t.equal(incomplete.status(), 422, 'a form missing what its action needs')
    t.match(await incomplete.text(), /请完整填写“特别程序开始”的必填项/)
    t.equal(await page.locator('.case-action[data-action="request-supplement"] input[name="items.0.name"]').inputValue(), '户口簿', 'one row per missing item')
    await act('request-supplement', async (f) => { await f.getByLabel('补正要求 1').fill('请提交户口簿复印件') }, '一次性告知补正')
    t.equal(await page.locator('.case-state').innerText(), '办理中补正')
    t.match(await page.locator('tr[data-clock="promised"]').innerText(), /暂停计时/, 'the clock stops')
    t.match(await page.locator('tr[data-event="request-supplement"]').innerText(), /户口簿：请提交户口簿复印件/)
    await act('supplement-done', async () => {}, '补正完成')
    await act('start-special', async (f) => {
      await f.getByLabel('特别程序种类').fill('听证')
      await f.getByLabel('理由').fill('利害关系人申请听证')
      await f.getByLabel('法律依据').fill('《行政许可法》第四十七条')
    }, '特别程序开始')
    t.equal(await page.locator('.case-state').innerText(), '特别程序')
    await act('end-special', async (f) => { await f.getByLabel('说明').fill('听证结束') }, '特别程序结束')
    await act('conclude', async (f) => {
      await f.getByLabel('办结结果').selectOption('approved')
      await f.getByLabel('说明').fill('符合参保条件')
      await f.getByLabel('送达方式').selectOption('window')
    }, '办结')
    t.equal(await page.locator('.case-state').innerText(), '已办结')
    t.match(await page.locator('.case-facts').innerText(), /已办结 · 准予/, 'with its result')
    t.match(await page.locator('tr[data-clock="delivery"]').innerText(), /送达（10 日）\s*\d{4}-\d{2}-\d{2}\s*计时中/)
    await act('deliver', async (f) => { await f.getByLabel('送达方式').selectOption('window') }, '送达')
    t.equal(await page.locator('.case-state').innerText(), '已送达')
    t.equal(await page.locator('.case-action').count(), 0)
    t.equal(await page.locator('.case-actions').innerText().then((x) => x.includes('当前状态没有可办理的操作')), true, 'a closed case offers nothing')
    t.same(await page.locator('.case-events tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event'))),
      ['receive', 'accept', 'extend', 'request-supplement', 'supplement-done', 'start-special', 'end-special', 'conclude', 'deliver'], 'every step in the history')
    await shot('2b-delivered')
  })

  t.test('a stale page: someone moved the case first', async (t) => {
    await page.goto(`${base}/portal/cases/${stale}`)
    await cases.transition(stale, { action: 'accept' }, li, 'window', TOWN.slice(0, 9))
    const form = page.locator('.case-action[data-action="not-accept"]')
    await form.locator('summary').click()
    await form.getByLabel('理由').fill('材料不全')
    await form.getByLabel('文书编号').fill('湟不受〔2026〕1号')
    const answer = page.waitForResponse((r) => r.url().endsWith('/act'))
    await form.getByRole('button', { name: '不予受理' }).click()
    t.equal((await answer).status(), 409)
    t.match(await page.locator('#case-problem').innerText(), /刚刚已被他人办理（办理中）/)
    t.equal(await page.locator('.case-state').innerText(), '办理中', 'with its fresh state')
    t.equal((await cases.view(stale, TOWN.slice(0, 9))).case.state, 'processing', 'and nothing else happened')
    await shot('3-stale')
  })

  t.test('the lists', async (t) => {
    // One case is overdue: its running clock fell due yesterday (set here: the clocks' own days lie ahead).
    await db.query("UPDATE case_deadlines SET due = (now() AT TIME ZONE 'Asia/Shanghai')::date - 1 WHERE project_no = $1 AND kind = 'promised'", [stale])
    // And one is due today (its 补正 notice).
    await db.query("UPDATE case_deadlines SET due = (now() AT TIME ZONE 'Asia/Shanghai')::date WHERE project_no = $1 AND kind = 'supplement-notice'", [leaders])
    await page.goto(`${base}/`)
    t.match(await page.locator('#home-cases').innerText(), /2\s*今日我的办件\s*1\s*即将到期\s*1\s*已超期/, 'the home page counts them')
    await page.locator('#home-cases').getByRole('link', { name: /今日我的办件/ }).click()
    await page.waitForURL(`${base}/portal/cases`)
    const listed = async (): Promise<string[]> => (await page.locator('table.cases tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-case') ?? ''))).sort()
    t.same(await listed(), [mine, stale].sort(), 'my cases today: the ones I received, not the leader\'s, not the other town\'s')
    await page.getByRole('link', { name: '已超期' }).click()
    t.same(await listed(), [stale])
    t.match(await page.locator(`tr[data-case="${stale}"]`).getAttribute('class'), /overdue/, 'in red')
    t.match(await page.locator(`tr[data-case="${stale}"]`).innerText(), /已超期/)
    await page.getByRole('link', { name: '即将到期' }).click()
    t.notOk((await listed()).includes(stale), 'due soon leaves overdue cases to their tab')
    t.ok((await listed()).includes(leaders), 'and lists a received case whose notice is due within days')
    await page.getByRole('link', { name: '全部' }).click()
    t.same(await listed(), [mine, leaders, stale].sort())
    await page.getByLabel('状态').selectOption('received')
    await page.getByRole('button', { name: '筛选' }).click()
    t.same(await listed(), [leaders])
    await shot('4-lists')
  })

  t.test('plain HTTP: CSRF, scope and the audit', async (t) => {
    const cookies = await page.context().cookies()
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ')
    const forged = await fetch(`${base}/portal/cases/${leaders}/act`, {
      method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: 'not-the-token', action: 'accept' }).toString(),
    })
    t.equal(forged.status, 403, 'a form without the session\'s token is refused')
    t.equal((await cases.view(leaders, TOWN.slice(0, 9))).case.state, 'received', 'and moves nothing')
    const other = await fetch(`${base}/portal/cases/${foreign}`, { headers: { cookie } })
    t.equal(other.status, 404, 'another town\'s case is not found')
    const auditor = await operatorAuth(base, { roles: ['auditor'], town: TOWN })
    const reads = (await callApi(base, 'GET', '/api/v1/audit?action=case.read', { headers: auditor })).body.items as Array<Record<string, any>>
    t.ok(reads.some((e) => e.outcome === 'ok' && e.actor === 'wang.fang' && e.details.via === 'portal'), 'case page reads are audited')
    t.ok(reads.some((e) => e.outcome === 'denied' && e.details.status === 404), 'and so is the refused one')
  })
})
