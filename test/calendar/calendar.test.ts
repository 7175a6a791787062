// Loading the calendar: override files (a local holiday, a new year's notice), bad files refused
// with their name and problem, and the fingerprint that tells callers to recompute.
import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadCalendar } from '../../src/calendar/calendar.ts'
import { computeDeadline } from '../../src/calendar/deadline.ts'
import { tempDir } from '../helpers.ts'

const builtIn = loadCalendar()

async function file (dir: string, name: string, content: unknown): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

const localHoliday = {
  year: 2026,
  kind: 'local',
  source: { title: '武进区撤县设区纪念日（测试用的地方假日）' },
  holidays: [{ date: '2026-03-10', name: '区庆' }],
}

t.test('a local holiday is a day off, and deadlines across it move', async (t) => {
  const dir = await tempDir(t)
  const calendar = loadCalendar({ files: [await file(dir, 'local.json', localHoliday)] })
  t.same(calendar.years, [2025, 2026], 'a local file covers no new year')
  t.same(calendar.dayOf('2026-03-10'), { date: '2026-03-10', working: false, reason: 'holiday', name: '区庆' })
  t.match(calendar.coverage.find((y) => y.year === 2026), { holidays: 34, workdays: 6, files: [/2026\.json$/, /local\.json$/] })
  const before = computeDeadline(builtIn, { start: '2026-03-02', limit: { amount: 20, unit: 'working-days' } })
  const after = computeDeadline(calendar, { start: '2026-03-02', limit: { amount: 20, unit: 'working-days' } })
  t.match(before, { due: '2026-03-30' })
  t.match(after, { due: '2026-03-31' })
  t.ok(after.explain.spans.some((s) => s.why === 'holiday' && s.name === '区庆' && s.from === '2026-03-10'))
  t.equal(after.explain.calendar, calendar.fingerprint)
})

t.test('the fingerprint changes when the days change, and only then', async (t) => {
  const dir = await tempDir(t)
  t.match(builtIn.fingerprint, /^[0-9a-f]{64}$/)
  t.equal(loadCalendar().fingerprint, builtIn.fingerprint, 'the same data, the same fingerprint')
  const local = loadCalendar({ files: [await file(dir, 'local.json', localHoliday)] })
  t.not(local.fingerprint, builtIn.fingerprint)
  const workday = loadCalendar({ files: [await file(dir, 'workday.json', { ...localHoliday, holidays: [], workdays: [{ date: '2026-03-14', name: '区庆' }] })] })
  t.not(workday.fingerprint, builtIn.fingerprint)
  t.not(workday.fingerprint, local.fingerprint)
  t.match(workday.dayOf('2026-03-14'), { working: true, reason: 'make-up-workday' })
})

t.test('a notice file makes its year known; relative paths are read from baseDir', async (t) => {
  const dir = await tempDir(t)
  // A made-up notice (test data only: the real 2027 arrangement is not known here).
  const made = {
    year: 2027,
    source: { title: '测试用的2027年节假日安排', docNo: '测试〔2026〕1号', published: '2026-11-01' },
    holidays: [{ date: '2027-01-01', name: '元旦' }],
    workdays: [{ date: '2027-01-02', name: '元旦' }],
  }
  await file(dir, '2027.json', made)
  const calendar = loadCalendar({ files: ['2027.json'], baseDir: dir })
  t.same(calendar.years, [2025, 2026, 2027])
  t.ok(calendar.covers(2027))
  t.match(calendar.coverage.at(-1), { year: 2027, source: { docNo: '测试〔2026〕1号' }, holidays: 1, workdays: 1 })
  t.match(calendar.dayOf('2027-01-02'), { working: true, reason: 'make-up-workday' })
  t.match(computeDeadline(calendar, { start: '2026-12-10', limit: { amount: 20, unit: 'working-days' } }), { state: 'running', due: '2027-01-07' },
    'a limit across the new year now runs: Dec 11–31 has 15 working days, then Sat 2 (make-up), Mon 4 – Thu 7')
  t.throws(() => builtIn.dayOf('2027-01-04'), { code: 'TB_CALENDAR_NOT_COVERED' }, 'the built-in calendar still refuses')
  const onlyLocal = loadCalendar({ files: [await file(dir, 'local-2027.json', { ...made, kind: 'local' })] })
  t.notOk(onlyLocal.covers(2027), 'a local file for a year without its notice covers nothing')
  const replaced = loadCalendar({ files: [await file(dir, '2026.json', { year: 2026, source: { title: '更正' }, holidays: [] })] })
  t.match(replaced.dayOf('2026-10-01'), { working: true, reason: 'workday' }, 'a configured notice replaces the built-in one')
  t.match(replaced.coverage.find((y) => y.year === 2026), { source: { title: '更正' }, holidays: 0 })
})

t.test('a year missing between two known ones is refused too', async (t) => {
  const dir = await tempDir(t)
  const calendar = loadCalendar({ files: [await file(dir, '2028.json', { year: 2028, source: { title: '测试用' }, holidays: [] })] })
  t.same(calendar.years, [2025, 2026, 2028])
  t.throws(() => calendar.dayOf('2027-06-01'), { code: 'TB_CALENDAR_NOT_COVERED', message: /does not cover 2027 \(it knows 2025, 2026, 2028\)/ })
  t.throws(() => computeDeadline(calendar, { start: '2026-12-20', limit: { amount: 30, unit: 'calendar-days' } }), { code: 'TB_CALENDAR_NOT_COVERED', message: /does not cover 2027/ })
  t.throws(() => computeDeadline(calendar, { start: '2026-12-20', limit: { amount: 20, unit: 'working-days' } }), { code: 'TB_CALENDAR_NOT_COVERED', message: /does not cover 2027/ })
  t.match(computeDeadline(calendar, { start: '2028-03-01', limit: { amount: 1, unit: 'working-days' } }), { due: '2028-03-02' })
})

t.test('a bad file is refused, naming the file and the problem', async (t) => {
  const dir = await tempDir(t)
  const cases: Array<[string, unknown, RegExp]> = [
    ['not-json.json', '{ "year": 2026,', /not JSON/],
    ['outside.json', { ...localHoliday, holidays: [{ date: '2025-03-10', name: 'x' }] }, /holidays\[0\]\.date: 2025-03-10 is not in 2026/],
    ['twice.json', { ...localHoliday, holidays: [{ date: '2026-03-10', name: 'x' }], workdays: [{ date: '2026-03-10', name: 'x' }] }, /workdays\[0\]\.date: 2026-03-10 is already listed under holidays/],
    ['weekday.json', { ...localHoliday, holidays: [], workdays: [{ date: '2026-03-10', name: 'x' }] }, /workdays\[0\]\.date: 2026-03-10 is a weekday/],
    ['no-date.json', { ...localHoliday, holidays: [{ date: '2026-02-30', name: 'x' }] }, /holidays\[0\]\.date: a date YYYY-MM-DD/],
    ['no-source.json', { year: 2026, holidays: [] }, /source: /],
    ['unknown-key.json', { ...localHoliday, extra: 1 }, /extra/],
    ['kind.json', { ...localHoliday, kind: 'regional' }, /kind: /],
  ]
  for (const [name, content, problem] of cases) {
    const path = await file(dir, name, content)
    t.throws(() => loadCalendar({ files: [path] }), { code: 'TB_CALENDAR_FILE_INVALID', message: new RegExp(`^Calendar file ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is invalid: .*${problem.source}`) }, name)
  }
  t.throws(() => loadCalendar({ files: [join(dir, 'missing.json')] }), { code: 'TB_CALENDAR_FILE_INVALID', message: /missing\.json is invalid: cannot be read \(ENOENT\)/ })
  const a = await file(dir, 'a.json', { year: 2027, source: { title: 'a' }, holidays: [] })
  const b = await file(dir, 'b.json', { year: 2027, source: { title: 'b' }, holidays: [] })
  t.throws(() => loadCalendar({ files: [a, b] }), { code: 'TB_CALENDAR_FILE_INVALID', message: /b\.json is invalid: a second notice for 2027 \(.*a\.json has one already\)/ })
})

t.test('with no year at all, every question is refused', async (t) => {
  const empty = loadCalendar({ builtInDir: await tempDir(t) })
  t.same(empty.years, [])
  t.throws(() => empty.dayOf('2026-03-02'), { code: 'TB_CALENDAR_NOT_COVERED', message: /does not cover 2026 \(it knows no year\)/ })
  t.throws(() => computeDeadline(empty, { start: '2026-03-02', limit: { amount: 1, unit: 'working-days' } }), { code: 'TB_CALENDAR_NOT_COVERED' })
})
