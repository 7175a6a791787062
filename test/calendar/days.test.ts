// Dates as day numbers, by arithmetic, against the platform's own Date in UTC.
import t from 'tap'
import { beijingDay, beijingToday, dateOf, dayNumber, isWeekend, parseDate } from '../../src/calendar/days.ts'

t.test('day numbers round-trip and agree with Date for 1900–2200', async (t) => {
  const wrong: string[] = []
  for (let ms = Date.UTC(1900, 0, 1), n = -25567; ms <= Date.UTC(2200, 11, 31); ms += 86_400_000, n++) {
    const date = new Date(ms).toISOString().slice(0, 10)
    const weekend = [0, 6].includes(new Date(ms).getUTCDay())
    if (dateOf(n) !== date || parseDate(date) !== n || isWeekend(n) !== weekend) wrong.push(date)
  }
  t.same(wrong, [])
  t.equal(dayNumber(1970, 1, 1), 0)
})

t.test('only real dates parse', async (t) => {
  for (const bad of ['2026-02-29', '2024-02-30', '2026-13-01', '2026-00-10', '2026-1-5', '20260105', '']) t.equal(parseDate(bad), undefined, bad)
  t.equal(parseDate('2024-02-29'), dayNumber(2024, 2, 29))
})

t.test('an instant is read as its Beijing date; one without an offset is refused', async (t) => {
  t.equal(beijingDay('2026-03-02T15:59:59.999Z'), parseDate('2026-03-02'))
  t.equal(beijingDay('2026-03-02T16:00:00Z'), parseDate('2026-03-03'))
  t.equal(beijingDay('2026-03-03T00:00:00+08:00'), parseDate('2026-03-03'))
  t.equal(beijingDay('2026-03-02T23:00:00-05:00'), parseDate('2026-03-03'))
  t.equal(beijingDay('2026-03-02'), parseDate('2026-03-02'))
  t.equal(beijingDay('2026-03-02T09:00:00'), undefined)
  t.equal(beijingDay('2026-02-30T09:00:00Z'), undefined)
  t.equal(beijingToday(Date.UTC(2026, 11, 31, 16, 0)), '2027-01-01')
  t.equal(beijingToday(Date.UTC(2026, 11, 31, 15, 59)), '2026-12-31')
})
