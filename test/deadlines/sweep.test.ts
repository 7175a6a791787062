// The deadline sweeper on PostgreSQL: due-soon and overdue alerts claimed once even by two
// sweeps at the same moment, recorded for staff (alertsFor) and counted; clocks computed again
// when the working-day calendar's fingerprint changes; uncomputable clocks named to the operator.
import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { freshPostgres, captureLogger, tempDir } from '../helpers.ts'
import { loadCalendar } from '../../src/calendar/calendar.ts'
import { dateOf, parseDate } from '../../src/calendar/days.ts'
import { createMetrics } from '../../src/metrics.ts'
import { caseDeadlines } from '../../src/store/cases.ts'
import { alertsFor } from '../../src/store/deadlines.ts'
import { sweepDeadlines, dueSoonUntil, type SweepDeps } from '../../src/deadlines/sweep.ts'
import { TOWN, application, caseService, simulatorMatter, staff } from '../outbox/setup.ts'

/** 09:00 in Beijing on `day`. */
const morningOf = (day: string): number => Date.parse(`${day}T01:00:00.000Z`)

t.test('the sweep', async (t) => {
  const { db } = await freshPostgres(t)
  const calendar = { current: loadCalendar() }
  const clock = { at: '2026-03-02T01:00:00.000Z' }
  const m = simulatorMatter('临时救助申请', '2026-03-02')
  const cases = await caseService(db, clock, calendar, [m])
  const { logger, lines } = captureLogger()
  const metrics = createMetrics()
  const deps: SweepDeps = { db, calendar: () => calendar.current, recompute: cases.recompute, logger, metrics, dueSoonWorkingDays: 2 }
  const opened = await Promise.all([0, 1, 2].map(async () => (await cases.open(application(m), staff, TOWN)).projectNo))
  for (const p of opened) await cases.transition(p, { action: 'accept' }, staff, 'window', '')
  const promisedDue = async (p: string): Promise<string> => (await caseDeadlines(db, p)).find((d) => d.kind === 'promised')!.due!
  const due = await promisedDue(opened[0]!)

  t.test('due soon: claimed once under two concurrent sweeps', async (t) => {
    const at = morningOf(dateOf(parseDate(due)! - 1))
    const [a, b] = await Promise.all([sweepDeadlines(deps, at), sweepDeadlines(deps, at)])
    const claimed = [...a.alerts, ...b.alerts]
    t.equal(claimed.length, 3, 'one alert per case')
    t.same(new Set(claimed.map((x) => x.projectNo)).size, 3)
    t.ok(claimed.every((x) => x.alert === 'due-soon' && x.kind === 'promised' && x.due === due))
    t.same((await sweepDeadlines(deps, at)).alerts, [], 'a later sweep finds nothing new')
    const seen = await alertsFor(db, { townPrefix: '320412', since: new Date(at - 1000).toISOString() })
    t.equal(seen.length, 3, 'staff see each alert once')
    t.same(await alertsFor(db, { townPrefix: '320413', since: new Date(at - 1000).toISOString() }), [], 'another county sees none')
    t.match(await metrics.registry.getSingleMetricAsString('tongban_deadline_alerts_total'), /kind="due-soon"} 3/)
    t.ok(lines.some((l) => l.includes('due soon')))
  })

  t.test('overdue: claimed once', async (t) => {
    const at = morningOf(dateOf(parseDate(due)! + 1))
    const [a, b] = await Promise.all([sweepDeadlines(deps, at), sweepDeadlines(deps, at)])
    const claimed = [...a.alerts, ...b.alerts]
    t.equal(claimed.length, 3)
    t.ok(claimed.every((x) => x.alert === 'overdue' && x.kind === 'promised'))
    t.same((await sweepDeadlines(deps, at)).alerts, [])
  })

  t.test('a new calendar fingerprint: every case computed again, moved dates alerted again', async (t) => {
    // TEST DATA: a local holiday on the promised due day (no real local holiday)
    const dir = await tempDir(t)
    await writeFile(join(dir, 'local.json'), JSON.stringify({ year: 2026, kind: 'local', source: { title: 'TEST DATA: a local holiday for the sweeper test' }, holidays: [{ date: due, name: '测试假日' }] }))
    calendar.current = loadCalendar({ files: [join(dir, 'local.json')] })
    const at = morningOf(due)
    // shutting down: the sweep lets go before recomputing anything, the next one does the work
    t.equal((await sweepDeadlines({ ...deps, stopping: () => true }, at)).recomputed, 0)
    const r = await sweepDeadlines(deps, at)
    t.equal(r.recomputed, 3)
    for (const p of opened) t.ok(await promisedDue(p) > due, 'the due day moved past the local holiday')
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM case_deadlines WHERE calendar <> $1', [calendar.current.fingerprint])
    t.equal(Number(rows[0]!.n), 0)
    t.equal(r.alerts.filter((x) => x.alert === 'due-soon').length, 3, 'the moved day is due soon again, claimed again')
    t.equal((await sweepDeadlines(deps, at)).recomputed, 0, 'nothing left to compute')
  })

  t.test('uncomputable clocks: counted and named to the operator', async (t) => {
    clock.at = '2026-12-28T01:00:00.000Z'
    const m2 = simulatorMatter('临时救助申请', '2026-12-28')
    const late = await caseService(db, clock, calendar, [m2])
    const { projectNo } = await late.open(application(m2), staff, TOWN)
    await late.transition(projectNo, { action: 'accept' }, staff, 'window', '')
    const r = await sweepDeadlines(deps, Date.parse(clock.at))
    t.equal(r.uncomputable, 2, 'the legal and the promised clock')
    t.match(await metrics.registry.getSingleMetricAsString('tongban_deadlines_uncomputable'), /tongban_deadlines_uncomputable 2/)
    const alert = lines.find((l) => l.includes('does not cover the year'))
    t.ok(alert)
    t.match(JSON.parse(alert!), { level: 50, problems: [/2027/] })
  })

  t.test('dueSoonUntil: the last day within n working days', async (t) => {
    const cal = loadCalendar()
    t.equal(dueSoonUntil(cal, '2026-03-06', 2), '2026-03-10', 'Friday: Monday and Tuesday are the next two working days')
    t.equal(dueSoonUntil(cal, '2026-03-06', 0), '2026-03-08', 'nothing working: up to the weekend')
    t.equal(dueSoonUntil(cal, '2026-12-30', 5), undefined, 'past the calendar: no guess')
  })
})
