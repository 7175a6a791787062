// The counting rules of legal deadlines, against hand-counted cases and, for every start day of the
// covered years, against a naive day-by-day counter on the notices (test/calendar/notices.ts).
import t from 'tap'
import { loadCalendar } from '../../src/calendar/calendar.ts'
import { computeDeadline, dueSoon, workingDaysAfter, type Deadline, type DeadlineInput } from '../../src/calendar/deadline.ts'
import { addDays, datesBetween, pausedDays, referenceDue } from './notices.ts'

const calendar = loadCalendar()
const due = (input: DeadlineInput): string => {
  const d = computeDeadline(calendar, input)
  if (d.state !== 'running') throw new Error(`expected a running deadline, got ${JSON.stringify(d)}`)
  return d.due
}
const wd = (amount: number) => ({ amount, unit: 'working-days' as const })
const cd = (amount: number) => ({ amount, unit: 'calendar-days' as const })

t.test('the start day is not counted; its Beijing date is what matters', async (t) => {
  t.equal(due({ start: '2026-03-02T09:00:00+08:00', limit: wd(1) }), '2026-03-03', 'accepted Monday: one working day is Tuesday')
  t.equal(due({ start: '2026-03-06T17:00:00+08:00', limit: wd(1) }), '2026-03-09', 'accepted Friday: Monday')
  t.equal(due({ start: '2026-03-07T10:00:00+08:00', limit: wd(1) }), '2026-03-09', 'accepted on a Saturday: Monday')
  t.equal(due({ start: '2026-03-02T15:30:00Z', limit: wd(1) }), '2026-03-03', '23:30 Beijing is still Monday 2 March')
  t.equal(due({ start: '2026-03-02T16:30:00Z', limit: wd(1) }), '2026-03-04', '00:30 Beijing is Tuesday 3 March')
  t.equal(due({ start: '2026-03-02', limit: wd(1) }), '2026-03-03', 'a bare date is the Beijing date')
  t.equal(due({ start: '2026-03-02', limit: cd(1) }), '2026-03-03')
})

t.test('working days skip weekends and holidays and count make-up days', async (t) => {
  t.equal(due({ start: '2026-03-02', limit: wd(5) }), '2026-03-09', 'Tue–Fri, then Monday')
  t.equal(due({ start: '2026-03-02', limit: wd(20) }), '2026-03-30')
  t.equal(due({ start: '2026-02-10', limit: wd(20) }), '2026-03-16', 'across 春节 2026 with its two make-up Saturdays')
  t.equal(due({ start: '2026-02-13', limit: wd(1) }), '2026-02-14', 'the make-up Saturday before 春节 counts')
  t.equal(due({ start: '2026-02-14', limit: wd(1) }), '2026-02-24', 'then nine days off')
  t.equal(due({ start: '2026-09-30', limit: wd(1) }), '2026-10-08', '国庆 2026')
  t.equal(due({ start: '2026-10-09', limit: wd(1) }), '2026-10-10', 'the make-up Saturday after 国庆')
  t.equal(due({ start: '2025-12-31', limit: wd(1) }), '2026-01-04', 'across the year: 元旦 2026 off, Sunday 4 January worked')
  t.equal(due({ start: '2025-12-31', limit: wd(2) }), '2026-01-05')
  t.equal(due({ start: '2026-01-02', limit: wd(1) }), '2026-01-04', 'started on a holiday: the make-up Sunday is the first working day')
  t.equal(due({ start: '2025-01-27', limit: wd(1) }), '2025-02-05', '春节 2025')
})

t.test('every start day of both years agrees with the day-by-day counter', async (t) => {
  const mismatches: string[] = []
  for (const start of datesBetween('2025-01-01', '2026-11-20')) {
    for (const [amount, unit] of [[1, 'working-days'], [5, 'working-days'], [20, 'working-days'], [10, 'calendar-days'], [30, 'calendar-days']] as const) {
      const got = due({ start, limit: { amount, unit } })
      const want = referenceDue(start, amount, unit)
      if (got !== want) mismatches.push(`${start} + ${amount} ${unit}: ${got}, expected ${want}`)
    }
  }
  t.same(mismatches, [])
})

t.test('a calendar-day limit ending on a day off moves to the next working day', async (t) => {
  t.equal(due({ start: '2026-09-03', limit: cd(30) }), '2026-10-08', 'the 30th day is 3 October (国庆): moved past the holiday')
  t.equal(due({ start: '2026-03-01', limit: cd(6) }), '2026-03-09', 'ending on Saturday: Monday')
  t.equal(due({ start: '2026-02-21', limit: cd(7) }), '2026-02-28', 'ending on a make-up Saturday: it is a working day, stays')
  t.equal(due({ start: '2026-03-02', limit: cd(10) }), '2026-03-12', 'ending on a working day: stays')
  const d = computeDeadline(calendar, { start: '2026-09-03', limit: cd(30) })
  t.match(d.explain.spans, [
    { from: '2026-09-04', to: '2026-10-03', days: 30, counted: true, why: 'calendar-day' },
    { from: '2026-10-04', to: '2026-10-07', days: 4, counted: false, why: 'holiday', name: '国庆节' },
    { from: '2026-10-08', to: '2026-10-08', counted: false, why: 'moved', movedFrom: '2026-10-03' },
  ])
})

t.test('pauses', async (t) => {
  const p = <To extends string | null>(from: string, to: To, reason = '补正') => ({ from, to, reason })
  t.test('a closed pause removes the days after its first day up to and including its last', async (t) => {
    const d = computeDeadline(calendar, { start: '2026-03-02', limit: wd(20), pauses: [p('2026-03-05T10:00:00+08:00', '2026-03-12T15:00:00+08:00')] })
    t.match(d, { state: 'running', due: '2026-04-07' }, 'five working days later than without, and past 清明')
    t.equal(d.state === 'running' && d.due, referenceDue('2026-03-02', 20, 'working-days', pausedDays([{ from: '2026-03-05', to: '2026-03-12' }])))
    t.match(d.explain.spans.slice(0, 3), [
      { from: '2026-03-03', to: '2026-03-05', days: 3, counted: true, why: 'workday' },
      { from: '2026-03-06', to: '2026-03-12', days: 7, counted: false, why: 'paused', name: '补正' },
      { from: '2026-03-13', to: '2026-03-13', days: 1, counted: true, why: 'workday' },
    ])
    t.ok(d.explain.spans.some((s) => s.why === 'holiday' && s.name === '清明节' && s.from === '2026-04-04'))
  })
  t.test('a pause within one day changes nothing; one starting on the start day delays it all', async (t) => {
    t.equal(due({ start: '2026-03-02', limit: wd(5), pauses: [p('2026-03-04T09:00:00+08:00', '2026-03-04T17:00:00+08:00')] }), '2026-03-09')
    t.equal(due({ start: '2026-03-02T09:00:00+08:00', limit: wd(1), pauses: [p('2026-03-02T10:00:00+08:00', '2026-03-04T10:00:00+08:00')] }), '2026-03-05')
  })
  t.test('several pauses, overlapping ones counted once, one over a holiday', async (t) => {
    const separate = [p('2026-03-03', '2026-03-05'), p('2026-03-10', '2026-03-11', '特别程序')]
    t.equal(due({ start: '2026-03-02', limit: wd(10), pauses: separate }), referenceDue('2026-03-02', 10, 'working-days', pausedDays(separate)))
    t.equal(due({ start: '2026-03-02', limit: wd(10), pauses: separate }), '2026-03-19', '3, 6, 9, 10, 12, 13, 16–19 March')
    const overlapping = [p('2026-03-05', '2026-03-10'), p('2026-03-08', '2026-03-12', '特别程序')]
    t.equal(due({ start: '2026-03-02', limit: wd(20), pauses: overlapping }), due({ start: '2026-03-02', limit: wd(20), pauses: [p('2026-03-05', '2026-03-12')] }))
    t.equal(due({ start: '2026-03-02', limit: wd(20), pauses: [...overlapping].reverse() }), '2026-04-07', 'in any order')
    const overHoliday = [p('2026-09-29', '2026-10-09', '补正')]
    t.equal(due({ start: '2026-09-28', limit: wd(5), pauses: overHoliday }), referenceDue('2026-09-28', 5, 'working-days', pausedDays(overHoliday)))
    t.equal(due({ start: '2026-09-28', limit: wd(5), pauses: overHoliday }), '2026-10-14', 'Tue 29 Sep, then Sat 10 Oct (make-up) is paused too: Mon 12–Wed 14')
    const spans = computeDeadline(calendar, { start: '2026-09-28', limit: wd(5), pauses: overHoliday }).explain.spans
    t.match(spans[1], { from: '2026-09-30', to: '2026-10-09', why: 'paused', name: '补正', days: 10 }, 'a paused holiday is shown as paused')
  })
  t.test('an open pause stops the clock: no due date', async (t) => {
    const d = computeDeadline(calendar, { start: '2026-03-02', limit: wd(20), pauses: [p('2026-03-05', '2026-03-12'), p('2026-03-20T11:00:00+08:00', null, '特别程序')] })
    t.match(d, { state: 'stopped', since: '2026-03-20T11:00:00+08:00' })
    t.notOk('due' in d)
    t.same(d.explain.stopped, { since: '2026-03-20', reason: '特别程序', remaining: wd(11), part: 'limit' })
    t.equal(d.explain.spans.at(-1)?.to, '2026-03-20', 'the pause\'s first day still counts')
    const stillOpen = computeDeadline(calendar, { start: '2026-03-02', limit: wd(20), pauses: [p('2026-03-01', null)] })
    t.match(stillOpen, { state: 'stopped', explain: { spans: [], stopped: { remaining: wd(20) } } }, 'a pause open since before the start holds everything')
  })
  t.test('an open pause begun after the limit ran out does not revive it', async (t) => {
    t.match(computeDeadline(calendar, { start: '2026-03-02', limit: wd(5), pauses: [p('2026-03-20', null)] }), { state: 'running', due: '2026-03-09' })
  })
  t.test('a pause that ends before it starts is refused', async (t) => {
    t.throws(() => computeDeadline(calendar, { start: '2026-03-02', limit: wd(5), pauses: [p('2026-03-10', '2026-03-05')] }), { code: 'TB_DEADLINE_INPUT_INVALID', message: /pauses\[0\] ends/ })
  })
})

t.test('an extension adds its amount after the due date, in its own unit', async (t) => {
  t.equal(due({ start: '2026-03-02', limit: wd(20), extension: wd(10) }), due({ start: '2026-03-02', limit: wd(30) }))
  const d = computeDeadline(calendar, { start: '2026-03-02', limit: wd(20), extension: cd(15) })
  t.match(d, { state: 'running', due: '2026-04-14', explain: { limitDue: '2026-03-30', due: '2026-04-14' } }, '30 March + 15 days = 14 April')
  t.equal(due({ start: '2026-03-02', limit: wd(20), extension: cd(5) }), '2026-04-07', '4 April (清明) moves to Tuesday 7 April')
  t.ok(d.explain.spans.every((s) => (s.to <= '2026-03-30') === (s.part === 'limit')), 'spans after the limit\'s due date belong to the extension')
  const paused = computeDeadline(calendar, { start: '2026-03-02', limit: wd(20), extension: wd(5), pauses: [{ from: '2026-04-01', to: '2026-04-08', reason: '特别程序' }] })
  t.match(paused, { state: 'running', due: '2026-04-13', explain: { limitDue: '2026-03-30' } }, 'a pause during the extension stops it too: 31 Mar, 1 Apr, then 9, 10, 13 Apr')
  const open = computeDeadline(calendar, { start: '2026-03-02', limit: wd(20), extension: wd(5), pauses: [{ from: '2026-04-01', to: null, reason: '特别程序' }] })
  t.match(open, { state: 'stopped', explain: { limitDue: '2026-03-30', stopped: { part: 'extension', remaining: wd(3) } } })
})

t.test('a year the calendar does not cover is refused, never guessed', async (t) => {
  const refused = (input: DeadlineInput, year: number): void => {
    t.throws(() => computeDeadline(calendar, input), {
      name: 'TongbanError',
      code: 'TB_CALENDAR_NOT_COVERED',
      statusCode: 503,
      message: new RegExp(`does not cover ${year} \\(it knows 2025, 2026\\); add the State Council's holiday notice for ${year} as a calendar file under the configuration key calendar\\.files`),
      details: { year, years: [2025, 2026] },
    }, `${input.start} + ${input.limit.amount} ${input.limit.unit}: refused for ${year}`)
  }
  refused({ start: '2027-01-05', limit: wd(1) }, 2027)
  refused({ start: '2024-12-30', limit: wd(1) }, 2024)
  refused({ start: '2026-12-10', limit: wd(20) }, 2027)
  refused({ start: '2026-12-20', limit: cd(15) }, 2027)
  refused({ start: '2026-12-30', limit: cd(2) }, 2027)
  t.equal(due({ start: '2026-12-29', limit: cd(2) }), '2026-12-31')
  refused({ start: '2026-03-02', limit: wd(20), pauses: [{ from: '2026-03-03', to: '2027-02-01', reason: '特别程序' }] }, 2027)
  refused({ start: '2026-12-01', limit: wd(20), extension: wd(10) }, 2027)
  t.equal(due({ start: '2026-12-01', limit: wd(22) }), '2026-12-31', 'the last covered day itself is fine')
  t.throws(() => calendar.dayOf('2027-01-01'), { code: 'TB_CALENDAR_NOT_COVERED' })
  t.throws(() => calendar.dayOf('2024-12-31'), { code: 'TB_CALENDAR_NOT_COVERED' })
  t.throws(() => calendar.dayOf('2026-02-30'), { code: 'TB_DATE_INVALID' })
})

t.test('unusable input is refused with what is wrong', async (t) => {
  const bad = (input: unknown, message: RegExp): void => {
    t.throws(() => computeDeadline(calendar, input as DeadlineInput), { code: 'TB_DEADLINE_INPUT_INVALID', message })
  }
  bad({ start: '2026-03-02T09:00:00', limit: wd(1) }, /start "2026-03-02T09:00:00" is not an ISO instant with its offset/)
  bad({ start: 'yesterday', limit: wd(1) }, /start/)
  bad({ start: '2026-02-30', limit: wd(1) }, /start/)
  bad({ start: '2026-03-02', limit: wd(0) }, /limit\.amount must be a whole number/)
  bad({ start: '2026-03-02', limit: wd(2.5) }, /limit\.amount/)
  bad({ start: '2026-03-02', limit: { amount: 3, unit: 'weeks' } }, /limit\.unit/)
  bad({ start: '2026-03-02', limit: wd(3), extension: cd(-1) }, /extension\.amount/)
  bad({ start: '2026-03-02', limit: wd(3), pauses: [{ from: 'soon', to: null, reason: 'x' }] }, /pauses\[0\]\.from/)
})

t.test('due soon and overdue, for the sweeper', async (t) => {
  const d: Deadline = computeDeadline(calendar, { start: '2026-03-02', limit: wd(20) }) // due Monday 30 March
  t.equal(dueSoon(calendar, d, '2026-03-31', 3), 'overdue')
  t.equal(dueSoon(calendar, d, '2026-03-30', 0), 'due-soon', 'due today')
  t.equal(dueSoon(calendar, d, '2026-03-25', 3), 'due-soon', 'Thu, Fri, Mon left')
  t.equal(dueSoon(calendar, d, '2026-03-24', 3), undefined, 'four working days left')
  t.equal(dueSoon(calendar, d, '2026-03-27', 1), 'due-soon', 'Friday: the weekend does not count, Monday is one working day away')
  t.equal(workingDaysAfter(calendar, '2026-02-13', '2026-02-24'), 2, 'the make-up Saturday and the Tuesday after 春节')
  t.equal(workingDaysAfter(calendar, '2026-03-30', '2026-03-02'), 0)
  const stopped = computeDeadline(calendar, { start: '2026-03-02', limit: wd(20), pauses: [{ from: '2026-03-03', to: null, reason: '补正' }] })
  t.equal(dueSoon(calendar, stopped, '2026-12-31', 3), undefined, 'no alert while the clock is stopped')
  t.throws(() => dueSoon(calendar, computeDeadline(calendar, { start: '2026-12-01', limit: wd(20) }), '2024-12-31', 3), { code: 'TB_CALENDAR_NOT_COVERED' })
})

t.test('explanations count what they say', async (t) => {
  for (const start of ['2026-02-10', '2026-09-28', '2025-04-30']) {
    const d = computeDeadline(calendar, { start, limit: wd(20), extension: wd(3), pauses: [{ from: addDays(start, 3), to: addDays(start, 6), reason: '补正' }] })
    const counted = d.explain.spans.filter((s) => s.counted).reduce((n, s) => n + s.days, 0)
    t.equal(counted, 23, `${start}: 20 + 3 working days counted`)
    const covered = d.explain.spans.reduce((n, s) => n + s.days, 0)
    t.equal(covered, datesBetween(addDays(start, 1), d.state === 'running' ? d.due : start).length, `${start}: the spans cover every day to the due date`)
  }
})
