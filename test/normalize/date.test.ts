import t from 'tap'
import { date, formatBeijingCompact, timestamp } from '../../src/normalize/index.ts'

t.test('every date shape departments send', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['2020-09-29', '2020-09-29', 'ISO'],
    ['2020-9-29', '2020-09-29', 'ISO without zero padding'],
    ['20200929', '2020-09-29', 'compact'],
    ['2020/9/29', '2020-09-29', 'slashes'],
    ['2020/09/29', '2020-09-29', 'slashes, padded'],
    ['2020.9.29', '2020-09-29', 'dots'],
    ['2020.09.29', '2020-09-29', 'dots, padded'],
    ['2020年09月29日', '2020-09-29', 'Chinese, padded'],
    ['2020年9月29日', '2020-09-29', 'Chinese'],
    ['2020年 9月 29日', '2020-09-29', 'Chinese with spaces'],
    ['２０２０年９月２９日', '2020-09-29', 'Chinese with full-width digits'],
    ['２０２０－０９－２９', '2020-09-29', 'full-width ISO'],
    ['  20200929\u3000', '2020-09-29', 'padding'],
    ['1601308800000', '2020-09-29', 'epoch millis: 2020-09-28T16:00Z is midnight in Beijing'],
    ['1601308799999', '2020-09-28', 'epoch millis: one millisecond before Beijing midnight'],
    ['1601337599999', '2020-09-29', 'epoch millis: 2020-09-28T23:59:59.999Z is 09-29 07:59 in Beijing'],
    ['1601395199999', '2020-09-29', 'epoch millis: 23:59:59.999 Beijing'],
    ['1601395200000', '2020-09-30', 'epoch millis: next Beijing midnight'],
    ['44103', '2020-09-29', 'Excel serial'],
    ['36526', '2000-01-01', 'Excel serial 2000-01-01'],
    ['36585', '2000-02-29', 'Excel serial leap day 2000'],
    ['10000', '1927-05-18', 'smallest 5-digit Excel serial'],
    ['00061', '1900-03-01', 'Excel serial 61 is 1900-03-01 (after the phantom 1900-02-29)'],
    ['00059', '1900-02-28', 'Excel serial 59 is 1900-02-28'],
    ['00001', '1900-01-01', 'Excel serial 1 is 1900-01-01'],
    ['2000-02-29', '2000-02-29', 'leap day 2000'],
    ['1996-02-29', '1996-02-29', 'leap day 1996'],
    ['20240229', '2024-02-29', 'leap day 2024'],
    ['1949-12-31', '1949-12-31', '1900s'],
    ['1900-01-01', '1900-01-01', '1900'],
    ['2099-12-31', '2099-12-31', 'a future date is still a date'],
    ['9999-12-31', '9999-12-31', 'the registries\u2019 "indefinite" sentinel is a real date'],
    ['20000229', '2000-02-29', 'compact leap day 2000'],
    ['2000/2/29', '2000-02-29', 'slashes, leap day 2000'],
    ['2000.2.29', '2000-02-29', 'YYYY.M.D leap day 2000'],
    ['2000年2月29日', '2000-02-29', 'Chinese leap day 2000'],
    ['2020.1.5', '2020-01-05', 'YYYY.M.D, single-digit month and day'],
    ['1900/1/1', '1900-01-01', 'slashes, 1900'],
    ['1999年12月31日', '1999-12-31', 'Chinese, 1900s'],
    ['21000228', '2100-02-28', 'compact, 2100'],
    ['25569', '1970-01-01', 'Excel serial 1970-01-01'],
    ['36525', '1999-12-31', 'Excel serial 1999-12-31'],
    ['73110', '2100-03-01', 'Excel serial 2100-03-01 (no 2100-02-29 in between)'],
  ]
  for (const [input, value, why] of cases) t.same(date(input), { ok: true, value }, `${why}: ${JSON.stringify(input)}`)
})

t.test('impossible and unreadable dates are TB_DATE_INVALID naming the value', async (t) => {
  const cases: Array<[string, string]> = [
    ['2021-02-29', 'not a leap year'],
    ['1900-02-29', '1900 is not a leap year'],
    ['2100-02-29', '2100 is not a leap year'],
    ['20210229', 'compact, not a leap year'],
    ['2021年2月29日', 'Chinese, not a leap year'],
    ['2020-13-01', 'month 13'],
    ['2020-00-10', 'month 00'],
    ['2020-04-31', 'April 31'],
    ['2020-09-00', 'day 00'],
    ['2020/9/32', 'day 32'],
    ['20201301', 'compact month 13'],
    ['19000229', 'compact 1900-02-29'],
    ['21000229', 'compact 2100-02-29'],
    ['1900/2/29', 'slashes 1900-02-29'],
    ['2100.2.29', 'YYYY.M.D 2100-02-29'],
    ['1900年2月29日', 'Chinese 1900-02-29'],
    ['2020.9.31', 'YYYY.M.D September 31'],
    ['2020.09', 'YYYY.MM without a day'],
    ['0000-00-00', 'zero date'],
    ['0999-01-01', 'three-digit year'],
    ['00060', 'Excel serial 60 is the phantom 1900-02-29'],
    ['00000', 'Excel serial 0'],
    ['2020-09/29', 'mixed separators'],
    ['2020-09-29 10:00:00', 'a timestamp is not a date'],
    ['29/09/2020', 'day first'],
    ['20-09-29', 'two-digit year'],
    ['2020929', '7 digits'],
    ['202009290', '9 digits'],
    ['160130880000', '12 digits'],
    ['2020年09月29', 'Chinese without 日'],
    ['', 'empty'],
    ['null', 'null'],
    ['abc', 'text'],
  ]
  for (const [input, why] of cases) {
    const r = date(input)
    t.equal(r.ok ? `ok ${r.value}` : r.error.code, 'TB_DATE_INVALID', `${why}: ${JSON.stringify(input)}`)
    if (!r.ok) t.ok(r.error.message.includes(JSON.stringify(input)), `${why}: the message names the value`)
  }
})

t.test('timestamps: Beijing time unless a zone is given', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['2026-11-20 09:31:05', '2026-11-20T01:31:05.000Z', 'occurTime shape, Beijing'],
    ['20261120093105', '2026-11-20T01:31:05.000Z', 'GXSJ shape, Beijing'],
    ['2026/11/20 09:31:05', '2026-11-20T01:31:05.000Z', 'slashes'],
    ['2026-11-20T09:31:05', '2026-11-20T01:31:05.000Z', 'ISO without zone is Beijing'],
    ['2026-11-20 09:31', '2026-11-20T01:31:00.000Z', 'no seconds'],
    ['2026-11-20T09:31:05+08:00', '2026-11-20T01:31:05.000Z', 'ISO +08:00'],
    ['2026-11-20T09:31:05+0800', '2026-11-20T01:31:05.000Z', 'ISO +0800'],
    ['2026-11-20T09:31:05+08', '2026-11-20T01:31:05.000Z', 'ISO +08'],
    ['2026-11-20T01:31:05Z', '2026-11-20T01:31:05.000Z', 'ISO Z'],
    ['2026-11-20T01:31:05.123Z', '2026-11-20T01:31:05.123Z', 'milliseconds'],
    ['2026-11-20T01:31:05.123456Z', '2026-11-20T01:31:05.123Z', 'microseconds truncated'],
    ['2026-11-20T01:31:05.1Z', '2026-11-20T01:31:05.100Z', 'tenths'],
    ['2026-11-19T20:31:05-05:00', '2026-11-20T01:31:05.000Z', 'negative offset'],
    ['2026-01-01 07:59:59', '2025-12-31T23:59:59.000Z', 'crosses midnight and the year'],
    ['2024-02-29 00:00:00', '2024-02-28T16:00:00.000Z', 'leap day'],
    ['1763602265000', '2025-11-20T01:31:05.000Z', 'epoch millis'],
    ['  2026-11-20 09:31:05 ', '2026-11-20T01:31:05.000Z', 'padding'],
    ['20000229120000', '2000-02-29T04:00:00.000Z', 'compact, leap day 2000'],
    ['20000101000000', '1999-12-31T16:00:00.000Z', 'compact, Beijing midnight is the previous day in UTC'],
    ['２０２６１１２００９３１０５', '2026-11-20T01:31:05.000Z', 'full-width digits'],
  ]
  for (const [input, value, why] of cases) t.same(timestamp(input), { ok: true, value }, `${why}: ${JSON.stringify(input)}`)

  const bad: Array<[string, string]> = [
    ['2026-02-29 10:00:00', 'not a leap year'],
    ['2026-13-01 00:00:00', 'month 13'],
    ['2026-11-31 00:00:00', 'November 31'],
    ['2026-11-20 24:00:00', 'hour 24'],
    ['2026-11-20 09:60:00', 'minute 60'],
    ['2026-11-20 09:31:60', 'second 60'],
    ['20261120246000', 'compact hour 24'],
    ['19000229120000', 'compact 1900-02-29'],
    ['2100-02-29 00:00:00', '2100-02-29'],
    ['202611200931', '12 digits: YYYYMMDDHHmm or epoch millis before 2001-09-09? Ambiguous, so neither'],
    ['202611200931050', '15 digits'],
    ['2026-11-20', 'a date without a time'],
    ['2026-11-20T09:31:05+25:00', 'offset out of range'],
    ['2026-11-20T09:31:05 PST', 'zone name'],
    ['', 'empty'],
    ['yesterday', 'text'],
  ]
  for (const [input, why] of bad) {
    const r = timestamp(input)
    t.equal(r.ok ? `ok ${r.value}` : r.error.code, 'TB_DATE_INVALID', `${why}: ${JSON.stringify(input)}`)
    if (!r.ok) t.ok(r.error.message.includes(JSON.stringify(input)), `${why}: the message names the value`)
  }
})

t.test('formatBeijingCompact is YYYYMMDDHHmmss in Beijing time and round-trips through timestamp', async (t) => {
  t.equal(formatBeijingCompact(new Date('2026-11-20T01:31:05Z')), '20261120093105')
  t.equal(formatBeijingCompact(new Date('2025-12-31T16:00:00Z')), '20260101000000', 'Beijing midnight of new year')
  t.equal(formatBeijingCompact(new Date('2025-12-31T15:59:59.999Z')), '20251231235959', 'milliseconds are dropped')
  t.equal(formatBeijingCompact(new Date('2024-02-28T16:00:00Z')), '20240229000000', 'leap day')
  for (const iso of ['2026-11-20T01:31:05.000Z', '2000-02-28T16:00:00.000Z', '1999-12-31T15:59:59.000Z']) {
    const r = timestamp(formatBeijingCompact(new Date(iso)))
    t.same(r, { ok: true, value: iso }, `round trip ${iso}`)
  }
})
