// The reports each case step owes the provincial platform: every action's call, its input
// accepted by the matters-exchange operation's own schema; none for receipt, delivery and the
// department's own steps; an acceptance whose promised day the calendar cannot compute is held
// (no guessed date) and released, completed, once a calendar covering the year is loaded.
import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { freshPglite, captureLogger, tempDir } from '../helpers.ts'
import { loadCalendar } from '../../src/calendar/calendar.ts'
import { operations } from '../../adapters/matters-exchange/operations.ts'
import { listOutbox } from '../../src/store/outbox.ts'
import { reportingInstance } from '../../src/cases/reports.ts'
import { sweepDeadlines } from '../../src/deadlines/sweep.ts'
import { createMetrics } from '../../src/metrics.ts'
import { Config } from '../../src/config/schema.ts'
import type { AdapterDefinition } from '../../src/adapter-sdk/index.ts'
import type { Actor } from '../../src/model/case.ts'
import { INSTANCE, ORG, TOWN, application, caseService, simulatorMatter, staff } from './setup.ts'

const byName = operations as unknown as Record<string, { input: { safeParse: (v: unknown) => { success: boolean, error?: unknown } } }>
const department: Actor = { kind: 'department', id: INSTANCE, name: '武进区民政局' }

t.test('every window step gets its report, each input what the operation declares', async (t) => {
  const db = await freshPglite(t)
  const clock = { at: '2026-12-01T01:00:00.000Z' }
  const m = simulatorMatter('临时救助申请', '2026-12-01')
  const cases = await caseService(db, clock, { current: loadCalendar() }, [m])
  const { projectNo } = await cases.open(application(m, { contact: { name: '李四', certNo: '320412198001011234', phone: '13800000000' } }), staff, TOWN)
  const steps = [
    { action: 'request-supplement', items: [{ materialName: '家庭经济状况说明', reason: '未提供近三个月收入证明' }] },
    { action: 'supplement-done', materials: [{ name: '家庭经济状况说明', provided: 'paper' }] },
    { action: 'accept', docNo: '湟里受〔2026〕12号' },
    { action: 'step', stepName: '审查', stage: 'review', explain: '材料齐全' },
    { action: 'start-special', specialType: '实地核查', reason: '需入户核实家庭经济状况', legalBasis: '《社会救助暂行办法》第十一条' },
    { action: 'step', stepName: '入户核查', stage: 'audit', explain: '已入户' },
    { action: 'end-special', explain: '核查完毕' },
    { action: 'extend', reason: '情况复杂', extension: { amount: 5, unit: 'working-days' } },
    { action: 'request-supplement', items: [{ materialName: '医疗费用票据', reason: '票据不清' }] },
    { action: 'supplement-done', materials: [] },
    { action: 'step', stepName: '决定', stage: 'decide', explain: '同意' },
    { action: 'conclude', result: 'approved', explain: '准予临时救助 3000 元', delivery: 'window', certName: '临时救助决定书', certNo: '湟救〔2026〕1号' },
    { action: 'deliver', delivery: 'window' },
  ] as const
  for (const [i, s] of steps.entries()) {
    clock.at = new Date(Date.parse('2026-12-01T02:00:00.000Z') + i * 60_000).toISOString()
    await cases.transition(projectNo, s as never, staff, 'window', '')
  }
  const rows = await listOutbox(db, { subject: `case:${projectNo}`, limit: 100 })
  t.same(rows.map((r) => [r.operation, r.input.eventName ?? null]), [
    ['supplement', null], ['supplementDone', null], ['accept', null], ['process', '01'], ['process', '04'], ['process', '02'],
    ['process', '05'], ['process', '06'], ['supplement', null], ['supplementDone', null], ['process', '03'], ['result', null],
  ], 'receipt and delivery are not reported; every other step is, in order')
  for (const r of rows) {
    t.equal(r.instance, INSTANCE)
    t.equal(r.state, 'pending')
    const checked = byName[r.operation]!.input.safeParse(r.input)
    t.ok(checked.success, `${r.operation} ${String(r.input.eventName ?? '')} fits the operation's schema ${checked.success ? '' : JSON.stringify(checked.error)}`)
  }
  const accept = rows.find((r) => r.operation === 'accept')!.input
  t.match(accept, {
    projectNo, taskHandleItem: m.taskHandleItem, taskVersion: m.version, applyType: '1', acceptDocNo: '湟里受〔2026〕12号',
    applicant: { certType: '111', phone: '13912345678' }, contact: { name: '李四' }, orgCode: ORG.code, orgName: ORG.name, handleUserName: '王芳',
  })
  t.match(accept.promiseDate, /^2026-12-\d\d$/, 'the promised clock\'s day')
  t.ok((accept.materials as Array<{ provided: string }>).some((x) => x.provided === '3'), 'shared materials are 3 (免提交)')
  t.same(rows.find((r) => r.input.eventName === '04')!.input.special, { specialType: '实地核查', reason: '需入户核实家庭经济状况', byLaw: '《社会救助暂行办法》第十一条' })
  t.match(rows.find((r) => r.operation === 'result')!.input, { resultType: '1', delivery: '1', certNo: '湟救〔2026〕1号', resultDate: '2026-12-01' })

  const other = await cases.open(application(m), staff, TOWN)
  await cases.transition(other.projectNo, { action: 'not-accept', reason: '户籍不在本镇', docNo: '湟里不受〔2026〕3号' }, staff, 'window', '')
  const [refusal] = await listOutbox(db, { subject: `case:${other.projectNo}`, limit: 10 })
  t.match(refusal, { operation: 'notAccept', input: { reason: '户籍不在本镇', docNo: '湟里不受〔2026〕3号' } })
  t.ok(byName.notAccept!.input.safeParse(refusal!.input).success)
})

t.test('the department\'s own steps are not reported back', async (t) => {
  const db = await freshPglite(t)
  const clock = { at: '2026-12-01T01:00:00.000Z' }
  const m = simulatorMatter('临时救助申请', '2026-12-01')
  const cases = await caseService(db, clock, { current: loadCalendar() }, [m])
  const { projectNo } = await cases.open(application(m), staff, TOWN)
  await cases.transition(projectNo, { action: 'accept' }, staff, 'window', '')
  await cases.transition(projectNo, { action: 'step', stepName: '审查', stage: 'review', explain: '部门审查' }, department, 'department', '')
  await cases.transition(projectNo, { action: 'conclude', result: 'approved', explain: '准予', delivery: 'electronic' }, department, 'department', '')
  const rows = await listOutbox(db, { subject: `case:${projectNo}`, limit: 10 })
  t.same(rows.map((r) => r.operation), ['accept'])
  t.equal(rows[0]!.input.acceptDocNo, projectNo, 'without a document number the acceptance is known by the case number')
})

t.test('an acceptance past the calendar is held, then released with its promised day', async (t) => {
  const db = await freshPglite(t)
  // 2026-12-28: ten promised working days run into 2027, which the built-in calendar does not cover
  const clock = { at: '2026-12-28T01:00:00.000Z' }
  const calendar = { current: loadCalendar() }
  const m = simulatorMatter('临时救助申请', '2026-12-28')
  const cases = await caseService(db, clock, calendar, [m])
  const { projectNo } = await cases.open(application(m), staff, TOWN)
  await cases.transition(projectNo, { action: 'accept' }, staff, 'window', '')
  await cases.transition(projectNo, { action: 'step', stepName: '审查', stage: 'review', explain: '材料齐全' }, staff, 'window', '')
  let [held, step] = await listOutbox(db, { subject: `case:${projectNo}`, limit: 10 })
  t.match(held, { operation: 'accept', state: 'held', heldReason: /2027/ })
  t.notOk('promiseDate' in held!.input, 'no guessed date')
  t.equal(step!.state, 'pending', 'the later report waits behind it (the sender takes the first unsent row of a case)')

  // TEST DATA: a fake 2027 with weekends only, standing in for the State Council's notice
  const dir = await tempDir(t)
  await writeFile(join(dir, '2027.json'), JSON.stringify({ year: 2027, source: { title: 'TEST DATA: a fake 2027 with weekends only (not a State Council notice)' }, holidays: [] }))
  calendar.current = loadCalendar({ files: [join(dir, '2027.json')] })
  const { logger } = captureLogger()
  const swept = await sweepDeadlines({ db, calendar: () => calendar.current, recompute: cases.recompute, logger, metrics: createMetrics(), dueSoonWorkingDays: 2 }, Date.parse('2026-12-28T02:00:00.000Z'))
  t.equal(swept.recomputed, 1)
  t.equal(swept.released, 1)
  ;[held] = await listOutbox(db, { subject: `case:${projectNo}`, limit: 10 })
  t.match(held, { state: 'pending', heldReason: null })
  t.match(held!.input.promiseDate, /^2027-01-\d\d$/)
  t.ok(byName.accept!.input.safeParse(held!.input).success, 'the released input is complete')
})

t.test('the reporting instance: named, or the one with a catalogue and accept', async (t) => {
  const base = { towns: [{ code: '320412120000', name: '武进区湟里镇' }], adapters: [] }
  const reporting = { catalogue: {}, operations: { accept: {} } } as unknown as AdapterDefinition
  const other = { operations: { lookup: {} } } as unknown as AdapterDefinition
  const inst = (id: string, adapter: AdapterDefinition, enabled = true) => [id, { config: { id, enabled } as never, adapter }] as const
  const config = Config.parse(base)
  t.equal(reportingInstance(config, new Map([inst('mx', reporting), inst('dept', other)])), 'mx')
  t.equal(reportingInstance(config, new Map([inst('dept', other)])), undefined, 'none: no reports')
  t.equal(reportingInstance(config, new Map([inst('a', reporting), inst('b', reporting)])), undefined, 'two candidates and none named: no guess')
  t.equal(reportingInstance({ ...config, cases: { ...config.cases, reportTo: 'b' } }, new Map([inst('a', reporting), inst('b', reporting)])), 'b')
})
