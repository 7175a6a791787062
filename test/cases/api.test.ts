// The cases API against a real gateway on PostgreSQL: 接件 with its daily numbers, form errors that
// store nothing, the whole lifecycle through transitions (the leader's one extension), 409s that
// name the state and what it allows, idempotent repeats, racing actions (one wins, the other 409),
// town scope, the list's filters, audit entries, and a window correction offered to the record.
import t from 'tap'
import { beijingToday } from '../../src/calendar/days.ts'
import { callApi, type Json } from '../helpers.ts'
import { TASK_CODE, TOWN, matter, residentIdOf } from './fixtures.ts'
import { OTHER_TOWN, householdRecord, startCasesGateway } from './api-kit.ts'

const ID = residentIdOf('19800101', '123')
const today = beijingToday().replace(/-/g, '')

function application (overrides: Json = {}): Json {
  return {
    taskHandleItem: matter().taskHandleItem,
    applicant: { kind: 'person', key: ID },
    formData: { name: '张三', idNumber: ID, phone: '13912345678', reason: '突发疾病' },
    materials: [{ name: '临时救助申请书', provided: 'paper' }, { name: '居民身份证', provided: 'shared' }],
    ...overrides,
  }
}

t.test('cases API on PostgreSQL', async (t) => {
  // a second matter, due one working day after acceptance, for the "due soon" list
  const quick = matter({ taskHandleItem: `${TASK_CODE}02`, name: '临时救助（急难型）', promisedLimit: { amount: 1, unit: 'working-days' } })
  const { base, db, auth, pushPersons } = await startCasesGateway(t, { redisIndex: 21, store: 'postgres', matters: [matter(), quick] })
  const windowStaff = await auth(['window-staff'])
  const leader = await auth(['town-leader'])
  const otherTown = await auth(['window-staff'], OTHER_TOWN)
  const county = await auth(['county-admin'], '320412000000')
  const grid = await auth(['grid-staff'])
  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => await callApi(base, method, `/api/v1${path}`, { headers, ...(body === undefined ? {} : { body }) })
  const open = async (overrides: Json = {}, headers = windowStaff) => await call('POST', '/cases', headers, application(overrides))
  const move = async (projectNo: string, body: Json, headers = windowStaff) => await call('POST', `/cases/${projectNo}/transitions`, headers, body)

  t.test('接件: numbered taskCode + day + 0001, then 0002; a repeated requestId answers the same case', async (t) => {
    const first = await open({ requestId: 'open-first-0001' })
    t.equal(first.status, 201, first.text)
    t.equal(first.body.projectNo, `${TASK_CODE}${today}0001`)
    t.match(first.body, { state: 'received', town: TOWN, applicant: { kind: 'person', key: ID, name: '张三' }, receivedBy: { kind: 'token' }, allowed: ['accept', 'not-accept', 'request-supplement'] })
    t.match(first.body.deadlines, [{ kind: 'supplement-notice' }])
    const second = await open()
    t.equal(second.body.projectNo, `${TASK_CODE}${today}0002`)
    const again = await open({ requestId: 'open-first-0001' })
    t.equal(again.status, 200, 'a repeat is answered, not applied')
    t.equal(again.body.projectNo, first.body.projectNo)
    t.equal((await open()).body.projectNo, `${TASK_CODE}${today}0003`, 'the repeat took no number')
  })

  t.test('a value failing its normaliser: 422 with errors[] naming the field, nothing stored', async (t) => {
    const before = (await call('GET', '/cases?limit=200', windowStaff)).body.items.length
    const bad = await open({ formData: { name: '张三', idNumber: ID.slice(0, 17) + (ID.endsWith('0') ? '1' : '0'), phone: '12', reason: '突发疾病' } })
    t.equal(bad.status, 422)
    t.equal(bad.body.code, 'TB_CASE_FORM_INVALID')
    t.strictSame(bad.body.errors.map((e: Json) => [e.field, e.code]).sort(), [['idNumber', 'TB_ID_CHECKSUM'], ['phone', 'TB_PHONE_INVALID']])
    t.ok(bad.body.errors.every((e: Json) => typeof e.message === 'string' && e.message.length > 0))
    t.equal((await call('GET', '/cases?limit=200', windowStaff)).body.items.length, before, 'no case was stored')
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM case_numbers WHERE last > 3 AND task_code = $1", [TASK_CODE])
    t.equal(rows[0]!.n, 0, 'no number was used up')
  })

  t.test('the lifecycle: accept → step → extend (a leader; window staff refused; once) → conclude → deliver', async (t) => {
    const { projectNo } = (await open()).body
    const accepted = await move(projectNo, { action: 'accept', requestId: 'accept-once-001' })
    t.equal(accepted.status, 200, accepted.text)
    t.match(accepted.body, { replayed: false, event: { action: 'accept', from: 'received', to: 'processing', actor: { kind: 'token' } }, case: { state: 'processing' } })
    t.ok(accepted.body.case.deadlines.some((d: Json) => d.kind === 'promised'), 'the promised clock started')
    t.ok(accepted.body.case.allowed.includes('extend'))
    const repeat = await move(projectNo, { action: 'accept', requestId: 'accept-once-001' })
    t.match(repeat.body, { replayed: true, event: { seq: accepted.body.event.seq, action: 'accept' } }, 'the same requestId replays the event')
    const reused = await move(projectNo, { action: 'step', stepName: '审查', stage: 'review', explain: '材料齐全', requestId: 'accept-once-001' })
    t.equal(reused.body.code, 'TB_CASE_REQUEST_REUSED')

    t.equal((await move(projectNo, { action: 'step', stepName: '审查', stage: 'review', explain: '材料齐全' })).status, 200)
    const extension = { action: 'extend', reason: '需实地核查家庭经济状况', extension: { amount: 10, unit: 'working-days' } }
    const refused = await move(projectNo, extension)
    t.equal(refused.status, 403, 'window staff may not approve an extension')
    t.equal(refused.body.code, 'TB_FORBIDDEN')
    t.match(refused.body.message, /cases:approve/)
    const extended = await move(projectNo, extension, leader)
    t.equal(extended.status, 200, extended.text)
    t.match(extended.body.event, { action: 'extend', reason: '需实地核查家庭经济状况', data: { extension: { amount: 10 } } })
    t.notOk(extended.body.case.allowed.includes('extend'), 'extend is offered no more')
    const twice = await move(projectNo, extension, leader)
    t.equal(twice.status, 409, 'a second extension is refused (§42)')
    t.equal(twice.body.code, 'TB_CASE_ACTION_REFUSED')

    const concluded = await move(projectNo, { action: 'conclude', result: 'approved', explain: '准予救助 1500 元', delivery: 'window' })
    t.match(concluded.body, { case: { state: 'concluded', result: 'approved' } })
    t.ok(concluded.body.case.deadlines.some((d: Json) => d.kind === 'delivery' && d.state !== 'met'), 'the delivery clock runs')
    const delivered = await move(projectNo, { action: 'deliver', delivery: 'window' })
    t.match(delivered.body, { case: { state: 'delivered', allowed: [] } })

    const events = await call('GET', `/cases/${projectNo}/events`, windowStaff)
    t.strictSame(events.body.items.map((e: Json) => e.action), ['receive', 'accept', 'step', 'extend', 'conclude', 'deliver'])
    t.strictSame(events.body.items.map((e: Json) => e.seq), [1, 2, 3, 4, 5, 6])
    const one = await call('GET', `/cases/${projectNo}`, leader)
    t.match(one.body, { projectNo, state: 'delivered', result: 'approved', allowed: [] })
  })

  t.test('409 for an action the state does not allow, naming the state and the allowed actions', async (t) => {
    const { projectNo } = (await open()).body
    const res = await move(projectNo, { action: 'deliver', delivery: 'window' })
    t.equal(res.status, 409)
    t.equal(res.body.code, 'TB_CASE_TRANSITION_NOT_ALLOWED')
    t.match(res.body.message, /received/)
    t.match(res.body.message, /accept, not-accept, request-supplement/)
    t.equal((await call('GET', `/cases/${projectNo}`, windowStaff)).body.state, 'received', 'nothing moved')
  })

  t.test('concurrent transitions: two different actions at once, exactly one wins, the other 409', async (t) => {
    const rounds = 12
    const cases = await Promise.all(Array.from({ length: rounds }, async () => (await open()).body.projectNo as string))
    for (const projectNo of cases) {
      const [a, b] = await Promise.all([
        move(projectNo, { action: 'accept' }),
        move(projectNo, { action: 'not-accept', reason: '不符合受理条件', docNo: '湟民不受〔2026〕1号' }),
      ])
      t.strictSame([a.status, b.status].sort(), [200, 409], `${projectNo}: one wins`)
      const loser = a.status === 409 ? a : b
      t.equal(loser.body.code, 'TB_CASE_TRANSITION_NOT_ALLOWED')
      const events = (await call('GET', `/cases/${projectNo}/events`, windowStaff)).body.items as Json[]
      t.equal(events.length, 2, 'one event besides the receipt')
      t.equal((await call('GET', `/cases/${projectNo}`, windowStaff)).body.state, events[1]!.to)
    }
  })

  t.test('scope: another town\'s staff get 404; the county reads but does not act; grid staff have no cases', async (t) => {
    const { projectNo } = (await open()).body
    t.equal((await call('GET', `/cases/${projectNo}`, otherTown)).status, 404)
    t.equal((await call('GET', `/cases/${projectNo}/events`, otherTown)).status, 404)
    const foreign = await move(projectNo, { action: 'accept' }, otherTown)
    t.equal(foreign.status, 404)
    t.equal(foreign.body.code, 'TB_CASE_NOT_FOUND')
    t.notOk((await call('GET', '/cases?limit=200', otherTown)).body.items.some((c: Json) => c.projectNo === projectNo), 'not listed either')
    t.equal((await call('GET', `/cases/${projectNo}`, county)).status, 200, 'the county reads its towns\' cases')
    t.equal((await move(projectNo, { action: 'accept' }, county)).status, 403, 'but does not act on them')
    t.equal((await call('GET', '/cases', grid)).status, 403)
    t.equal((await call('GET', `/cases/${projectNo}`, windowStaff)).body.state, 'received')
  })

  t.test('the list: state, mine, matter, applicant, due soon and overdue, paging', async (t) => {
    const mine = await auth(['window-staff'])
    const a = (await open({}, mine)).body.projectNo as string
    const b = (await open({ taskHandleItem: quick.taskHandleItem }, mine)).body.projectNo as string
    t.equal((await move(b, { action: 'accept' }, mine)).status, 200)
    const list = async (query: string) => (await call('GET', `/cases?${query}`, mine)).body
    t.strictSame((await list('mine=true')).items.map((c: Json) => c.projectNo), [b, a], 'mine, newest first')
    t.strictSame((await list('mine=true&state=processing')).items.map((c: Json) => c.projectNo), [b])
    t.strictSame((await list(`mine=true&matter=${quick.taskHandleItem}`)).items.map((c: Json) => c.projectNo), [b])
    t.ok((await list(`applicant=${ID}&limit=200`)).items.every((c: Json) => c.applicant.key === ID))
    const soon = await list('mine=true&due=soon')
    t.strictSame(soon.items.map((c: Json) => [c.projectNo, c.dueKind, c.alert]), [[b, 'promised', 'due-soon']], 'due the next working day')
    t.equal((await list('mine=true&due=overdue')).items.length, 0)
    // the clock of `a` ran out yesterday
    await db.query("UPDATE case_deadlines SET due = (current_date - 1)::text WHERE project_no = $1 AND kind = 'supplement-notice'", [a])
    const overdue = await list('mine=true&due=overdue')
    t.strictSame(overdue.items.map((c: Json) => [c.projectNo, c.alert]), [[a, 'overdue']])
    t.equal((await call('GET', '/cases?state=nonsense', mine)).status, 400)

    const page1 = await list('limit=2')
    t.equal(page1.items.length, 2)
    const page2 = await list(`limit=2&cursor=${page1.next as string}`)
    t.notOk(page2.items.some((c: Json) => page1.items.some((p: Json) => p.projectNo === c.projectNo)), 'pages do not overlap')
    t.ok(page2.items[0].receivedAt <= page1.items[1].receivedAt)
    t.equal((await call('GET', '/cases?cursor=bm9wZQ', mine)).body.code, 'TB_CURSOR_INVALID')
  })

  t.test('reads and writes of cases are audited with the case number', async (t) => {
    const { projectNo } = (await open()).body
    await call('GET', `/cases/${projectNo}`, windowStaff)
    await move(projectNo, { action: 'accept' })
    const auditor = await auth(['auditor'])
    const entries = (await call('GET', `/audit?subject=${projectNo}&limit=50`, auditor)).body.items as Json[]
    t.strictSame(entries.map((e) => e.action).sort(), ['case.open', 'case.read', 'case.transition'])
    t.ok(entries.every((e) => e.subjectKind === 'case' && e.outcome === 'ok'))
    t.match(entries.find((e) => e.action === 'case.transition'), { details: { action: 'accept' } })
  })

  t.test('a correction offered to the record goes through unify as an observation of source window', async (t) => {
    const id = residentIdOf('19751203', '045')
    await pushPersons([householdRecord(id, '李四', '13800001111')])
    const res = await open({
      applicant: { kind: 'person', key: id },
      formData: { name: '李四', idNumber: id, phone: '13900002222', reason: '意外事件' },
      corrections: [{ field: 'phone', from: '13800001111', to: '13900002222', why: '申请人现用手机号', offerToRecord: true }],
    })
    t.equal(res.status, 201, res.text)
    t.match(res.body.corrections, [{ field: 'phone', why: '申请人现用手机号', offerToRecord: true }])
    const person = await call('GET', `/persons/${id}`, windowStaff)
    t.equal(person.body.phone, '13900002222')
    t.match(person.body.provenance.phone, { adapter: 'window', sourceId: res.body.projectNo })
    t.match(person.body.provenance.name, { adapter: 'household-registration' }, 'the rest of the record is untouched')
    const history = await call('GET', `/persons/${id}/history`, windowStaff)
    t.ok(history.body.items.some((h: Json) => h.source.adapter === 'window' && h.source.sourceId === res.body.projectNo && h.changes.some((c: Json) => c.field === 'phone' && c.new === '13900002222')), 'the change is in the record\'s history, with the case it came from')

    // a correction not offered stays with the case only
    const kept = await open({
      applicant: { kind: 'person', key: id },
      formData: { name: '李四', idNumber: id, phone: '13700003333', reason: '意外事件' },
      corrections: [{ field: 'phone', from: '13900002222', to: '13700003333', why: '临时联系电话', offerToRecord: false }],
    })
    t.equal(kept.status, 201)
    t.equal((await call('GET', `/persons/${id}`, windowStaff)).body.phone, '13900002222')
  })
})
