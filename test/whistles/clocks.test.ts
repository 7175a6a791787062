// Clock spans and ladder rungs: clock time, working days on the PRC calendar (weekends, the
// National Day holiday, a start on a day off), the rungs' shares, and a year the calendar does
// not cover marked uncomputable rather than guessed.
import t from 'tap'
import { loadCalendar } from '../../src/calendar/calendar.ts'
import { clockWindow, spanPoint, targetClocks } from '../../src/whistles/clocks.ts'

const calendar = loadCalendar()
const ladder = { liaison: 0.75, head: 1, supervision: 1.5 }
const at = (iso: string, span: string, f = 1): string => new Date(spanPoint(calendar, Date.parse(iso), span, f)).toISOString()

t.test('clock time: minutes and hours from the start, weekends included', async (t) => {
  t.equal(at('2026-03-06T08:00:00.000Z', '30m'), '2026-03-06T08:30:00.000Z')
  t.equal(at('2026-03-06T08:00:00.000Z', '24h'), '2026-03-07T08:00:00.000Z', 'Friday + 24h is Saturday')
  t.equal(at('2026-03-06T08:00:00.000Z', '24h', 0.75), '2026-03-07T02:00:00.000Z')
})

t.test('working days: the same time of day on the Nth working day after the start', async (t) => {
  // Friday 2026-03-06 10:00 Beijing (02:00Z): 1wd is Monday 10:00, 3wd Wednesday
  t.equal(at('2026-03-06T02:00:00.000Z', '1wd'), '2026-03-09T02:00:00.000Z')
  t.equal(at('2026-03-06T02:00:00.000Z', '3wd'), '2026-03-11T02:00:00.000Z')
  // 23:30 Beijing on a Monday is still Monday in Beijing (15:30Z)
  t.equal(at('2026-03-02T15:30:00.000Z', '1wd'), '2026-03-03T15:30:00.000Z')
  // National Day 2026: 1–7 October off, Sunday 27 September and Saturday 10 October are working days (调休)
  t.equal(at('2026-09-30T02:00:00.000Z', '1wd'), '2026-10-08T02:00:00.000Z', 'the holiday is skipped')
  t.equal(at('2026-09-30T02:00:00.000Z', '3wd'), '2026-10-10T02:00:00.000Z', 'a make-up Saturday counts')
})

t.test('a start on a day off counts from 09:00 Beijing of the next working day', async (t) => {
  // Saturday 2026-03-07 15:00 Beijing: day 0 is Monday 09:00, 1wd Tuesday 09:00
  t.equal(at('2026-03-07T07:00:00.000Z', '1wd'), '2026-03-10T01:00:00.000Z')
  t.equal(at('2026-03-07T07:00:00.000Z', '1wd', 0), '2026-03-09T01:00:00.000Z')
})

t.test('rungs: shares of the span, in working days interpolated between working-day instants', async (t) => {
  const w = clockWindow(calendar, 'arrive', '2026-03-02T01:00:00.000Z', '2wd', ladder)
  t.strictSame(w, {
    clock: 'arrive', ok: true, deadline: '2026-03-04T01:00:00.000Z',
    rungs: [
      { rung: 'liaison', dueAt: '2026-03-03T13:00:00.000Z' },
      { rung: 'head', dueAt: '2026-03-04T01:00:00.000Z' },
      { rung: 'supervision', dueAt: '2026-03-05T01:00:00.000Z' },
    ],
  })
  // Friday + 1wd: the liaison rung at 0.75 lies between Friday and Monday 10:00
  const friday = clockWindow(calendar, 'arrive', '2026-03-06T02:00:00.000Z', '1wd', ladder)
  t.match(friday, { ok: true, deadline: '2026-03-09T02:00:00.000Z', rungs: [{ rung: 'liaison', dueAt: '2026-03-08T08:00:00.000Z' }] })
})

t.test('a year the calendar does not cover: the clock is uncomputable, with the reason', async (t) => {
  const w = clockWindow(calendar, 'finish', '2026-12-28T02:00:00.000Z', '10wd', ladder)
  t.match(w, { ok: false, problem: /2027/ })
  const [respond, arrive] = targetClocks(calendar, { respond: '24h', arrive: '3wd', finish: '10wd' }, '2026-12-28T02:00:00.000Z', ladder)
  t.match(respond, { ok: true })
  t.match(arrive, { ok: true, deadline: '2026-12-31T02:00:00.000Z', problem: /2027/ }, 'the deadline is known; the supervision rung (4.5 working days) is not')
  t.strictSame(arrive!.ok && arrive!.rungs.map((r) => r.rung), ['liaison', 'head'])
  t.match(clockWindow(calendar, 'arrive', '2027-01-04T02:00:00.000Z', '1wd', ladder), { ok: false, problem: /2027/ })
})
