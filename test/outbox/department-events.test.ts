// The department's case events (联办) moving cases, from the inbox as the webhook door stores
// them: process → step, result → conclusion, returned → back to the window; a result before the
// last step keeps the late step in the history; a repeated event is applied once; an event no case
// can take is failed in the inbox with its reason. The state machine's late-step rule too.
import t from 'tap'
import adapter from '../../adapters/matters-exchange/adapter.ts'
import { freshPostgres, captureLogger } from '../helpers.ts'
import { loadCalendar } from '../../src/calendar/calendar.ts'
import { commitWebhooks } from '../../src/store/inbox.ts'
import { caseEvents, getCase } from '../../src/store/cases.ts'
import { listOutbox } from '../../src/store/outbox.ts'
import { applyCaseEvents, type CaseEventDeps } from '../../src/cases/department-events.ts'
import { FINAL_STATES, decide } from '../../src/cases/machine.ts'
import { INSTANCE, TOWN, application, caseService, simulatorMatter, staff } from './setup.ts'

t.test('a late department step is history only; a window step after the result is still refused', async (t) => {
  t.strictSame(decide('concluded', 'step', 'department', []), { ok: true, to: 'concluded' })
  t.strictSame(decide('delivered', 'step', 'department', []), { ok: true, to: 'delivered' })
  t.match(decide('concluded', 'step', 'window', []), { ok: false, refusal: { reason: 'side' } })
  t.strictSame([...FINAL_STATES].sort(), ['delivered', 'rejected'], 'delivered stays final: nothing leads out of it')
})

t.test('case events from the inbox', async (t) => {
  const { db } = await freshPostgres(t)
  const clock = { at: '2026-12-01T01:00:00.000Z' }
  const m = simulatorMatter('临时救助申请', '2026-12-01')
  const cases = await caseService(db, clock, { current: loadCalendar() }, [m])
  const { logger, lines } = captureLogger()
  const deps: CaseEventDeps = { db, cases, intake: adapter.caseEvents!, actor: { kind: 'department', id: INSTANCE, name: adapter.department.name }, logger }
  let seq = 0

  /** An event as the platform sends it (times YYYYMMDDHHmmss, Beijing), stored as the webhook door stores it; returns its inbox id. */
  async function stored (projectNo: string, type: string, data: Record<string, unknown>, eventId = `evt_test_${String(++seq).padStart(6, '0')}`): Promise<number> {
    const body = Buffer.from(JSON.stringify({ eventId, type, projectNo, time: '20261202100000', data }))
    const [receipt] = await commitWebhooks(db, [{ adapter: INSTANCE, webhookId: `msg_${eventId}_${seq}`, receivedAt: new Date(), body }])
    return receipt!.inboxId
  }
  const inbox = async (id: number) => (await db.query<{ status: string, error: string | null }>('SELECT status, error FROM inbox WHERE id = $1', [id])).rows[0]!
  const step = (eventName: string, processName: string) => ({ processName, eventName, startTime: '20261202100000', endTime: '20261202110000', handleUserName: '李明', handleExplain: `${processName}通过` })
  const result = { resultDate: '2026-12-03', resultType: '1', resultExplain: '经审核，符合条件，准予', delivery: '3' }

  async function acceptedCase (): Promise<string> {
    const { projectNo } = await cases.open(application(m), staff, TOWN)
    await cases.transition(projectNo, { action: 'accept' }, staff, 'window', '')
    return projectNo
  }

  t.test('process, special procedure, result', async (t) => {
    const p = await acceptedCase()
    const ids = [
      await stored(p, 'project.process', step('01', '审查')),
      await stored(p, 'project.process', { ...step('04', '特别程序'), special: { specialType: '专家评审', reason: '需专家论证', byLaw: '《行政许可法》第四十五条' } }),
      await stored(p, 'project.process', step('05', '特别程序结束')),
      await stored(p, 'project.result', result),
    ]
    await applyCaseEvents(deps, ids)
    const events = await caseEvents(db, p)
    t.same(events.slice(2).map((e) => [e.action, e.to, e.actor.kind]), [
      ['step', 'processing', 'department'], ['start-special', 'special-procedure', 'department'], ['end-special', 'processing', 'department'], ['conclude', 'concluded', 'department'],
    ])
    t.match(events[3]!.data, { specialType: '专家评审', legalBasis: '《行政许可法》第四十五条' })
    t.match(await getCase(db, p), { state: 'concluded', result: 'approved' })
    for (const id of ids) t.match(await inbox(id), { status: 'done' })
    t.same((await listOutbox(db, { subject: `case:${p}`, limit: 10 })).map((r) => r.operation), ['accept'], 'the department\'s own steps are not reported back')
  })

  t.test('returned: back to the window', async (t) => {
    const p = await acceptedCase()
    await applyCaseEvents(deps, [await stored(p, 'project.returned', { reason: '材料不全：缺少家庭经济状况核对授权书', handleUserName: '李明' })])
    t.match(await getCase(db, p), { state: 'returned' })
    t.match((await caseEvents(db, p)).at(-1), { action: 'return', reason: '材料不全：缺少家庭经济状况核对授权书' })
  })

  t.test('the result before the last step: the step is kept in the history, the case stays concluded', async (t) => {
    const p = await acceptedCase()
    const ids = [await stored(p, 'project.process', step('01', '审查')), await stored(p, 'project.process', step('02', '审核')), await stored(p, 'project.result', result)]
    await applyCaseEvents(deps, ids)
    const late = await stored(p, 'project.process', step('03', '决定'))
    await applyCaseEvents(deps, [late])
    t.match(await inbox(late), { status: 'done' })
    t.match(await getCase(db, p), { state: 'concluded' })
    t.match((await caseEvents(db, p)).at(-1), { action: 'step', from: 'concluded', to: 'concluded', data: { stepName: '决定', stage: 'decide' } })
    // a late special-procedure event is kept as a step too
    const lateSpecial = await stored(p, 'project.process', step('05', '特别程序结束'))
    await applyCaseEvents(deps, [lateSpecial])
    t.match(await inbox(lateSpecial), { status: 'done' })
    t.match((await caseEvents(db, p)).at(-1), { action: 'step', to: 'concluded' })
  })

  t.test('a repeated event (same eventId, another delivery) is applied once', async (t) => {
    const p = await acceptedCase()
    const first = await stored(p, 'project.process', step('01', '审查'), 'evt_dup_00000001')
    const again = await stored(p, 'project.process', step('01', '审查'), 'evt_dup_00000001')
    await applyCaseEvents(deps, [first])
    await applyCaseEvents(deps, [again])
    t.equal((await caseEvents(db, p)).filter((e) => e.action === 'step').length, 1)
    t.match(await inbox(again), { status: 'done' })
  })

  t.test('an event no case can take: failed in the inbox with its reason', async (t) => {
    const unknown = await stored('11320412014160259H5000202003000202612019999', 'project.result', result)
    const garbled = await stored('x', 'project.process', { eventName: '99' })
    await applyCaseEvents(deps, [unknown, garbled])
    t.match(await inbox(unknown), { status: 'failed', error: /TB_CASE_NOT_FOUND/ })
    t.match(await inbox(garbled), { status: 'failed', error: /TB_WEBHOOK_BODY_INVALID/ })
    t.ok(lines.some((l) => l.includes('case event not applied')))
  })
})
