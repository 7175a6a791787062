// Opening and moving cases against real stores: numbers without gaps or duplicates under
// concurrency, form errors that store nothing, the lifecycle with its legal clocks, idempotent
// repeats, racing transitions (one wins, one 409), and the outbox rows committed with the step.
import t from 'tap'
import { stores } from '../helpers.ts'
import { loadCalendar } from '../../src/calendar/calendar.ts'
import { createCaseService, type ReportsOf } from '../../src/cases/service.ts'
import { storedMatters } from '../../src/cases/matters.ts'
import { storeMatterVersions } from '../../src/store/matters.ts'
import { caseDeadlines, getCase } from '../../src/store/cases.ts'
import type { Actor, OpenCase } from '../../src/model/case.ts'
import type { Db } from '../../src/store/db.ts'
import { TOWN, matter, residentIdOf } from './fixtures.ts'

const calendar = loadCalendar()
const staff: Actor = { kind: 'staff', id: '7', name: '王芳' }
const ID = residentIdOf('19800101', '123')

function application (overrides: Partial<OpenCase> = {}): OpenCase {
  return {
    taskHandleItem: matter().taskHandleItem,
    applicant: { kind: 'person', key: ID },
    formData: { name: '张三', idNumber: ID, phone: '13912345678', reason: '突发疾病' },
    corrections: [],
    materials: [{ name: '临时救助申请书', provided: 'paper' }, { name: '居民身份证', provided: 'shared' }],
    ...overrides,
  }
}

/** A service whose clock stands at `at` (an ISO instant), reporting one call per window step. */
async function serviceAt (db: Db, clock: { at: string }, reports: ReportsOf = (c, e) => e.actor.kind === 'department' ? [] : [{ subject: `case:${c.projectNo}`, instance: 'matters-exchange', operation: e.action, input: { projectNo: c.projectNo } }]) {
  await storeMatterVersions(db, TOWN, 'catalogue', 'matters-exchange', [matter()])
  return createCaseService({ db, calendar: () => calendar, matters: storedMatters, reports, now: () => new Date(clock.at) })
}

for (const [storeName, open] of Object.entries(stores)) {
  t.test(storeName, async (t) => {
    t.test('numbers: taskCode + day + a gapless daily sequence, also when opened at once', async (t) => {
      const { db } = await open(t)
      const clock = { at: '2026-03-02T01:00:00.000Z' } // 09:00 in Beijing
      const cases = await serviceAt(db, clock)
      const first = await cases.open(application(), staff, TOWN)
      t.equal(first.projectNo, `${matter().taskCode}202603020001`)
      t.equal(first.projectNo.length, 43)
      const many = await Promise.all(Array.from({ length: 12 }, async () => await cases.open(application(), staff, TOWN)))
      const seqs = many.map((c) => Number(c.projectNo.slice(-4))).sort((a, b) => a - b)
      t.strictSame(seqs, Array.from({ length: 12 }, (_, i) => i + 2))
      // 16:30 UTC is the next day in Beijing: the sequence starts again
      clock.at = '2026-03-02T16:30:00.000Z'
      t.equal((await cases.open(application(), staff, TOWN)).projectNo, `${matter().taskCode}202603030001`)
    })

    t.test('a value failing its normaliser stores nothing and names the field', async (t) => {
      const { db } = await open(t)
      const cases = await serviceAt(db, { at: '2026-03-02T01:00:00.000Z' })
      const bad = application({ formData: { name: '张三', idNumber: ID.slice(0, 17) + (ID.endsWith('0') ? '1' : '0'), phone: '12', reason: '不知道', extra: 'x' } })
      const err = await cases.open(bad, staff, TOWN).then(() => undefined, (e: unknown) => e) as { code: string, details: { errors: Array<{ field: string, code: string }> } }
      t.equal(err.code, 'TB_CASE_FORM_INVALID')
      t.strictSame(err.details.errors.map((e) => [e.field, e.code]).sort(), [
        ['extra', 'TB_FORM_FIELD_UNKNOWN'], ['idNumber', 'TB_ID_CHECKSUM'], ['phone', 'TB_PHONE_INVALID'], ['reason', 'TB_FORM_VALUE_INVALID'],
      ].sort())
      t.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM cases')).rows[0]!.n, 0)
      // the refused case took no number
      t.equal((await cases.open(application(), staff, TOWN)).projectNo.slice(-4), '0001')
      await t.rejects(cases.open(application({ taskHandleItem: 'X'.repeat(33) }), staff, TOWN), { code: 'TB_CASE_MATTER_NOT_OFFERED' })
    })

    t.test('the lifecycle moves the state and the clocks, and owes one report per window step', async (t) => {
      const { db } = await open(t)
      const clock = { at: '2026-03-02T01:00:00.000Z' } // Monday
      const cases = await serviceAt(db, clock)
      const { projectNo } = await cases.open(application(), staff, TOWN)
      let view = await cases.view(projectNo, '320412')
      t.equal(view.case.state, 'received')
      t.match(view.case.deadlines, [{ kind: 'supplement-notice', state: 'running', due: '2026-03-09' }])
      t.strictSame(view.allowed, ['accept', 'not-accept', 'request-supplement'])

      await cases.transition(projectNo, { action: 'accept' }, staff, 'window', '320412')
      view = await cases.view(projectNo, '320412')
      t.equal(view.case.state, 'processing')
      t.match(view.case.deadlines, [
        { kind: 'supplement-notice', state: 'met' },
        // 20 working days after Monday 2 March: 30 March; 10 promised: 16 March
        { kind: 'legal', state: 'running', due: '2026-03-30' },
        { kind: 'promised', state: 'running', due: '2026-03-16' },
      ])

      clock.at = '2026-03-03T01:00:00.000Z'
      await cases.transition(projectNo, { action: 'start-special', specialType: '听证', reason: '申请人要求听证', legalBasis: '行政许可法第四十七条' }, staff, 'window', '320412')
      t.match((await caseDeadlines(db, projectNo)).find((d) => d.kind === 'legal'), { state: 'stopped', due: null })
      clock.at = '2026-03-06T01:00:00.000Z' // Friday: Wed, Thu, Fri paused
      await cases.transition(projectNo, { action: 'end-special', explain: '听证结束' }, staff, 'window', '320412')
      t.match((await caseDeadlines(db, projectNo)).find((d) => d.kind === 'legal'), { state: 'running', due: '2026-04-02' })

      await cases.transition(projectNo, { action: 'extend', reason: '情况复杂', extension: { amount: 10, unit: 'working-days' } }, staff, 'window', '320412')
      // 10 more working days after 2 April; 3–6 April are 清明 (4–6) and a weekend
      t.match((await caseDeadlines(db, projectNo)).find((d) => d.kind === 'legal'), { state: 'running', due: '2026-04-17' })
      await t.rejects(cases.transition(projectNo, { action: 'extend', reason: '再次', extension: { amount: 5, unit: 'working-days' } }, staff, 'window', '320412'), { code: 'TB_CASE_ACTION_REFUSED' })

      await cases.transition(projectNo, { action: 'conclude', result: 'approved', explain: '准予救助', delivery: 'window' }, staff, 'window', '320412')
      await t.rejects(cases.transition(projectNo, { action: 'accept' }, staff, 'window', '320412'), { code: 'TB_CASE_TRANSITION_NOT_ALLOWED', statusCode: 409, message: /is concluded, where accept is not allowed; allowed now: deliver/ })
      await cases.transition(projectNo, { action: 'deliver', delivery: 'window' }, staff, 'window', '320412')
      view = await cases.view(projectNo, '320412')
      t.equal(view.case.state, 'delivered')
      t.equal(view.case.result, 'approved')
      t.strictSame(view.allowed, [])
      t.strictSame(view.case.deadlines.map((d) => [d.kind, d.state]), [['supplement-notice', 'met'], ['legal', 'met'], ['promised', 'met'], ['delivery', 'met']])
      t.strictSame(view.events.map((e) => e.action), ['receive', 'accept', 'start-special', 'end-special', 'extend', 'conclude', 'deliver'])
      t.strictSame(view.events.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7])
      const { rows } = await db.query<{ operation: string, state: string }>(`SELECT operation, state FROM outbox WHERE subject = $1 ORDER BY id`, [`case:${projectNo}`])
      t.strictSame(rows.map((r) => r.operation), ['accept', 'start-special', 'end-special', 'extend', 'conclude', 'deliver'])
      await t.rejects(cases.view(projectNo, '320413'), { code: 'TB_CASE_NOT_FOUND' })
    })

    t.test('a repeated request is answered, a reused id for another action refused', async (t) => {
      const { db } = await open(t)
      const cases = await serviceAt(db, { at: '2026-03-02T01:00:00.000Z' })
      const a = await cases.open(application({ requestId: 'open-req-0001' }), staff, TOWN)
      const b = await cases.open(application({ requestId: 'open-req-0001' }), staff, TOWN)
      t.strictSame([a.replayed, b.replayed, b.projectNo], [false, true, a.projectNo])
      const first = await cases.transition(a.projectNo, { action: 'accept', requestId: 'accept-0001' }, staff, 'window', '320412')
      const again = await cases.transition(a.projectNo, { action: 'accept', requestId: 'accept-0001' }, staff, 'window', '320412')
      t.equal(again.replayed, true)
      t.equal(again.event.seq, first.event.seq)
      await t.rejects(cases.transition(a.projectNo, { action: 'step', stepName: '审查', stage: 'review', explain: 'x', requestId: 'accept-0001' }, staff, 'window', '320412'), { code: 'TB_CASE_REQUEST_REUSED' })
      t.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox')).rows[0]!.n, 1)
    })

    t.test('racing transitions on one case: one wins, the other meets the new state', async (t) => {
      const { db } = await open(t)
      const cases = await serviceAt(db, { at: '2026-03-02T01:00:00.000Z' })
      for (let i = 0; i < 5; i++) {
        const { projectNo } = await cases.open(application(), staff, TOWN)
        const results = await Promise.allSettled([
          cases.transition(projectNo, { action: 'accept' }, staff, 'window', '320412'),
          cases.transition(projectNo, { action: 'not-accept', reason: '不符合条件', docNo: '湟不受〔2026〕1号' }, staff, 'window', '320412'),
        ])
        t.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
        const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
        t.match(lost.reason, { code: 'TB_CASE_TRANSITION_NOT_ALLOWED', statusCode: 409 })
        t.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_events WHERE project_no = $1', [projectNo])).rows[0]!.n, 2)
      }
    })

    t.test('a step whose reports cannot be made is not taken at all', async (t) => {
      const { db } = await open(t)
      const cases = await serviceAt(db, { at: '2026-03-02T01:00:00.000Z' }, () => { throw new Error('cannot build the report') })
      const { projectNo } = await cases.open(application(), staff, TOWN)
      await t.rejects(cases.transition(projectNo, { action: 'accept' }, staff, 'window', '320412'), /cannot build the report/)
      t.equal((await getCase(db, projectNo))!.state, 'received')
      t.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_events')).rows[0]!.n, 1)
    })

    t.test('a clock running past the calendar is uncomputable, never guessed', async (t) => {
      const { db } = await open(t)
      const clock = { at: '2026-12-14T01:00:00.000Z' }
      const cases = await serviceAt(db, clock)
      const { projectNo } = await cases.open(application(), staff, TOWN)
      await cases.transition(projectNo, { action: 'accept' }, staff, 'window', '320412')
      const legal = (await caseDeadlines(db, projectNo)).find((d) => d.kind === 'legal')!
      t.equal(legal.state, 'uncomputable')
      t.equal(legal.due, null)
      t.match(legal.problem, /2027/)
    })
  })
}
