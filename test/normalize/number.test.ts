import t from 'tap'
import { count, yearMonth, yuan } from '../../src/normalize/index.ts'

t.test('counts', async (t) => {
  t.same(count('3'), { ok: true, value: 3 })
  t.same(count(' ３ '), { ok: true, value: 3 }, 'full-width digits and padding')
  t.same(count('0'), { ok: true, value: 0 })
  for (const bad of ['', '-1', '2.5', '3人', 'null', '1e3', '1234567890']) {
    const r = count(bad)
    t.equal(r.ok ? 'ok' : r.error.code, 'TB_NUMBER_INVALID', JSON.stringify(bad))
  }
})

t.test('amounts in yuan come out in integer fen', async (t) => {
  const cases: Array<[string, number]> = [
    ['765.00', 76_500], ['765', 76_500], ['765.5', 76_550], ['0.01', 1], ['1,230.50', 123_050],
    ['1230.50元', 123_050], ['７６５．００', 76_500], ['  98.10 ', 9810], ['999999999999.99', 99_999_999_999_999],
  ]
  for (const [text, fen] of cases) t.same(yuan(text), { ok: true, value: fen }, text)
  t.equal((yuan('0.1') as { value: number }).value + (yuan('0.2') as { value: number }).value, 30, 'fen add up exactly')
  for (const bad of ['', '-765.00', '765.001', '7,65.00', '765.', '.5', '七百', 'null', '1e3']) {
    const r = yuan(bad)
    t.equal(r.ok ? 'ok' : r.error.code, 'TB_NUMBER_INVALID', JSON.stringify(bad))
  }
})

t.test('months', async (t) => {
  const cases: Array<[string, string]> = [
    ['202401', '2024-01'], ['2024-01', '2024-01'], ['2024/1', '2024-01'], ['2024.12', '2024-12'],
    ['2024年1月', '2024-01'], ['2024 年 01 月', '2024-01'], ['２０２４０３', '2024-03'],
  ]
  for (const [text, month] of cases) t.same(yearMonth(text), { ok: true, value: month }, text)
  for (const bad of ['', '202413', '202400', '2024', '20240101', '24-01', 'null', '0999-01']) {
    const r = yearMonth(bad)
    t.equal(r.ok ? 'ok' : r.error.code, 'TB_DATE_INVALID', JSON.stringify(bad))
  }
})
