// A deadline explains itself in sentences, in Chinese and English.
import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadCalendar } from '../../src/calendar/calendar.ts'
import { computeDeadline } from '../../src/calendar/deadline.ts'
import { explainText } from '../../src/calendar/explain.ts'
import { tempDir } from '../helpers.ts'

const calendar = loadCalendar()

t.test('working days across 春节 with a pause', async (t) => {
  const d = computeDeadline(calendar, {
    start: '2026-02-10T10:00:00+08:00',
    limit: { amount: 10, unit: 'working-days' },
    pauses: [{ from: '2026-02-26T09:00:00+08:00', to: '2026-03-03T16:00:00+08:00', reason: '补正' }],
  })
  t.same(explainText(d.explain, 'zh'), [
    '2026-02-10 开始计时，当日不计入，自次日起算；期限 10 个工作日。',
    '2026-02-11 至 2026-02-13：计入 3 个工作日。',
    '2026-02-14：调休上班日（春节），计入 1 个工作日。',
    '2026-02-15 至 2026-02-23：春节假期，不计。',
    '2026-02-24 至 2026-02-26：计入 3 个工作日。',
    '2026-02-27 至 2026-03-03：暂停计时（补正），不计。',
    '2026-03-04 至 2026-03-06：计入 3 个工作日。',
    '截止日：2026-03-06。',
  ])
  t.same(explainText(d.explain, 'en'), [
    'The clock started on 2026-02-10; that day is not counted, counting begins the next day. Limit: 10 working days.',
    '2026-02-11 to 2026-02-13: 3 working days counted.',
    '2026-02-14: make-up working day (Spring Festival), counted.',
    '2026-02-15 to 2026-02-23: Spring Festival holiday, not counted.',
    '2026-02-24 to 2026-02-26: 3 working days counted.',
    '2026-02-27 to 2026-03-03: clock paused (补正), not counted.',
    '2026-03-04 to 2026-03-06: 3 working days counted.',
    'Due: 2026-03-06.',
  ])
})

t.test('calendar days moved off 国庆, then an extension', async (t) => {
  const d = computeDeadline(calendar, { start: '2026-09-03', limit: { amount: 30, unit: 'calendar-days' }, extension: { amount: 2, unit: 'working-days' } })
  t.same(explainText(d.explain, 'zh'), [
    '2026-09-03 开始计时，当日不计入，自次日起算；期限 30 个自然日，延期 2 个工作日。',
    '2026-09-04 至 2026-10-03：计入 30 日。',
    '2026-10-04 至 2026-10-07：国庆节假期，不计。',
    '期限最后一日 2026-10-03 不是工作日，顺延至 2026-10-08。',
    '原期限于 2026-10-08 届满，延期自次日起算。',
    '2026-10-09：计入 1 个工作日。',
    '2026-10-10：调休上班日（国庆节），计入 1 个工作日。',
    '截止日：2026-10-10。',
  ])
  t.same(explainText(d.explain, 'en').slice(3, 5), [
    'The last day, 2026-10-03, is not a working day; it moves to 2026-10-08.',
    'The limit ends on 2026-10-08; the extension counts from the next day.',
  ])
})

t.test('a stopped clock says since when, why, and what is left', async (t) => {
  const d = computeDeadline(calendar, { start: '2026-03-02', limit: { amount: 20, unit: 'working-days' }, pauses: [{ from: '2026-03-06T10:00:00+08:00', to: null, reason: '特别程序：专家评审' }] })
  t.same(explainText(d.explain, 'zh').slice(-2), [
    '2026-03-03 至 2026-03-06：计入 4 个工作日。',
    '自 2026-03-06 起暂停计时（特别程序：专家评审），暂停期间没有截止日；期限尚余 16 个工作日。',
  ])
  t.equal(explainText(d.explain, 'en').at(-1), 'The clock is stopped since 2026-03-06 (特别程序：专家评审); there is no due date while it is stopped; 16 working days of the limit remain.')
})

t.test('festivals are named in English; a local holiday keeps its own name', async (t) => {
  const d = computeDeadline(calendar, { start: '2025-09-30', limit: { amount: 1, unit: 'working-days' } })
  t.same(explainText(d.explain, 'en').slice(1), [
    '2025-10-01 to 2025-10-08: National Day and Mid-Autumn Festival holiday, not counted.',
    '2025-10-09: 1 working day counted.',
    'Due: 2025-10-09.',
  ])
  const dir = await tempDir(t)
  await writeFile(join(dir, 'local.json'), JSON.stringify({ year: 2026, kind: 'local', source: { title: '测试用的地方假日' }, holidays: [{ date: '2026-03-10', name: '区庆' }] }))
  const local = loadCalendar({ files: [join(dir, 'local.json')] })
  const l = computeDeadline(local, { start: '2026-03-09', limit: { amount: 1, unit: 'working-days' } })
  t.same(explainText(l.explain, 'en').slice(1, 2), ['2026-03-10: 区庆 holiday, not counted.'])
  t.same(explainText(l.explain, 'zh').slice(1, 2), ['2026-03-10：区庆假期，不计。'])
})
