// The built-in years against the notices: every day of 2025 and 2026, and well-known dates pinned.
import t from 'tap'
import { loadCalendar } from '../../src/calendar/calendar.ts'
import { datesBetween, HOLIDAY_DATES, MAKE_UP_DATES, referenceWorking } from './notices.ts'

const calendar = loadCalendar()

t.test('the built-in years are 2025 and 2026, with their notices', async (t) => {
  t.same(calendar.years, [2025, 2026])
  t.match(calendar.coverage, [
    { year: 2025, source: { title: '国务院办公厅关于2025年部分节假日安排的通知', docNo: '国办发明电〔2024〕12号' }, holidays: 28, workdays: 5 },
    { year: 2026, source: { title: '国务院办公厅关于2026年部分节假日安排的通知', docNo: '国办发明电〔2025〕7号' }, holidays: 33, workdays: 6 },
  ])
  t.notOk(calendar.covers(2024))
  t.notOk(calendar.covers(2027))
})

t.test('every day of 2025 and 2026 is what the notices say', async (t) => {
  let checked = 0
  for (const date of datesBetween('2025-01-01', '2026-12-31')) {
    const day = calendar.dayOf(date)
    const holiday = HOLIDAY_DATES.get(date)
    const makeUp = MAKE_UP_DATES.get(date)
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay()
    const expected = holiday !== undefined
      ? { date, working: false, reason: 'holiday', name: holiday }
      : makeUp !== undefined
        ? { date, working: true, reason: 'make-up-workday', name: makeUp }
        : weekday === 0 || weekday === 6 ? { date, working: false, reason: 'weekend' } : { date, working: true, reason: 'workday' }
    if (JSON.stringify(day) !== JSON.stringify(expected)) t.same(day, expected, date)
    if (day.working !== referenceWorking(date)) t.fail(`${date}: the reference counter's notion of a working day differs`)
    checked++
  }
  t.equal(checked, 730, 'every day of both years checked')
})

t.test('well-known dates', async (t) => {
  t.match(calendar.dayOf('2025-01-28'), { working: false, reason: 'holiday', name: '春节' }, '2025 除夕 is off (new since the 2024 revision)')
  t.match(calendar.dayOf('2025-01-26'), { working: true, reason: 'make-up-workday', name: '春节' }, 'a Sunday worked before 春节 2025')
  t.match(calendar.dayOf('2025-05-02'), { working: false, reason: 'holiday', name: '劳动节' })
  t.match(calendar.dayOf('2025-10-06'), { working: false, reason: 'holiday', name: '国庆节、中秋节' })
  t.match(calendar.dayOf('2025-10-11'), { working: true, reason: 'make-up-workday' }, 'a Saturday worked after 国庆 2025')
  t.match(calendar.dayOf('2026-01-04'), { working: true, reason: 'make-up-workday', name: '元旦' })
  t.match(calendar.dayOf('2026-02-15'), { working: false, reason: 'holiday', name: '春节' }, '春节 2026 begins on 腊月二十八')
  t.match(calendar.dayOf('2026-02-23'), { working: false, reason: 'holiday', name: '春节' })
  t.match(calendar.dayOf('2026-02-24'), { working: true, reason: 'workday' })
  t.match(calendar.dayOf('2026-02-28'), { working: true, reason: 'make-up-workday', name: '春节' })
  t.match(calendar.dayOf('2026-09-25'), { working: false, reason: 'holiday', name: '中秋节' }, '中秋 2026 is apart from 国庆')
  t.match(calendar.dayOf('2026-10-07'), { working: false, reason: 'holiday', name: '国庆节' })
  t.match(calendar.dayOf('2026-10-08'), { working: true, reason: 'workday' })
  t.match(calendar.dayOf('2026-12-31'), { working: true, reason: 'workday' })
  t.match(calendar.dayOf('2026-03-07'), { working: false, reason: 'weekend' })
})
