import t from 'tap'
import { capital } from '../../src/normalize/index.ts'

t.test('registered capital text', async (t) => {
  const cases: Array<[string, number, string, string]> = [
    ['100万元人民币', 1_000_000, 'CNY', 'the spec sample'],
    ['50万美元', 500_000, 'USD', 'US dollars'],
    ['1.5亿元', 150_000_000, 'CNY', '亿'],
    ['100万元', 1_000_000, 'CNY', '万元'],
    ['100万', 1_000_000, 'CNY', '万 without a currency is renminbi'],
    ['300', 3_000_000, 'CNY', 'a bare number is in 万元'],
    ['12.5', 125_000, 'CNY', 'a bare decimal is in 万元'],
    ['300元', 300, 'CNY', 'yuan'],
    ['100万港元', 1_000_000, 'HKD', '港元'],
    ['100万港币', 1_000_000, 'HKD', '港币'],
    ['5万欧元', 50_000, 'EUR', '欧元'],
    ['10万日元', 100_000, 'JPY', '日元'],
    ['20万英镑', 200_000, 'GBP', '英镑'],
    ['人民币100万元', 1_000_000, 'CNY', 'currency first'],
    ['人民币 100 万元', 1_000_000, 'CNY', 'spaces'],
    ['100万人民币', 1_000_000, 'CNY', '万人民币'],
    ['100万人民币元', 1_000_000, 'CNY', '万人民币元'],
    ['1,000万元', 10_000_000, 'CNY', 'thousands separator'],
    ['50.000000万美元', 500_000, 'USD', 'six decimals, as registries print'],
    ['1.1万元', 11_000, 'CNY', 'decimal arithmetic is exact'],
    ['0.01万元', 100, 'CNY', 'small amount'],
    ['3千万元', 30_000_000, 'CNY', '千万'],
    ['５００万元人民币', 5_000_000, 'CNY', 'full-width digits'],
    ['100(万元)', 1_000_000, 'CNY', 'unit in brackets'],
    ['100万元（人民币）', 1_000_000, 'CNY', 'currency in full-width brackets'],
    ['USD 500,000', 500_000, 'USD', 'ISO code first'],
    ['500 RMB', 500, 'CNY', 'RMB'],
    ['0万元', 0, 'CNY', 'zero'],
    ['  100万元人民币  ', 1_000_000, 'CNY', 'padding'],
  ]
  for (const [input, amount, currency, why] of cases) {
    const r = capital(input)
    t.same(r, { ok: true, value: { amount, currency, text: input.normalize('NFKC').trim() } }, `${why}: ${JSON.stringify(input)}`)
  }
  const r = capital(' 100万元人民币 ')
  t.equal(r.ok && r.value.text, '100万元人民币', 'the text is kept, trimmed')
})

t.test('unreadable capital is TB_CAPITAL_INVALID naming the value', async (t) => {
  const cases: Array<[string, string]> = [
    ['', 'empty'],
    ['万元', 'no amount'],
    ['人民币', 'currency only'],
    ['abc', 'text'],
    ['100万韩币', 'unknown currency word'],
    ['100万卢布', 'unknown currency'],
    ['-100万元', 'negative'],
    ['100万元美元人民币', 'two currencies'],
    ['美元100万人民币', 'conflicting currencies'],
    ['100万2000元', 'two amounts'],
    ['1.2.3万元', 'two decimal points'],
    ['约100万元', 'approximate'],
    ['null', 'null'],
  ]
  for (const [input, why] of cases) {
    const r = capital(input)
    t.equal(r.ok ? `ok ${JSON.stringify(r.value)}` : r.error.code, 'TB_CAPITAL_INVALID', `${why}: ${JSON.stringify(input)}`)
    if (!r.ok) t.ok(r.error.message.includes(JSON.stringify(input)), `${why}: the message names the value`)
  }
})
