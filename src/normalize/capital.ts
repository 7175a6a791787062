// Registered capital (注册资本) as registries write it: '100万元人民币', '50万美元', '1.5亿元',
// '人民币100万元', '50.000000万美元', '1,000万元', and a bare number meaning 万元 (the registry's unit).
import { failNote } from './fail-note.ts'
import { ok, type Normalized } from './result.ts'

export interface Capital {
  /** In units of the currency (yuan, dollars, ...), not in 万. */
  amount: number
  /** ISO 4217 */
  currency: string
  /** The text as given, NFKC-normalised and trimmed. */
  text: string
}

/** Currency words (after NFKC, upper-cased) -> ISO 4217. A bare 元 is the renminbi yuan. */
const CURRENCIES: Readonly<Record<string, string>> = Object.freeze({
  元: 'CNY', 人民币: 'CNY', 元人民币: 'CNY', 人民币元: 'CNY', RMB: 'CNY', CNY: 'CNY',
  美元: 'USD', 美金: 'USD', 元美元: 'USD', USD: 'USD',
  港元: 'HKD', 港币: 'HKD', 元港币: 'HKD', 元港元: 'HKD', HKD: 'HKD',
  欧元: 'EUR', 元欧元: 'EUR', EUR: 'EUR',
  日元: 'JPY', 元日元: 'JPY', JPY: 'JPY',
  英镑: 'GBP', GBP: 'GBP',
  新台币: 'TWD', TWD: 'TWD',
  澳门元: 'MOP', 澳门币: 'MOP', MOP: 'MOP',
  新加坡元: 'SGD', SGD: 'SGD',
  澳元: 'AUD', 澳大利亚元: 'AUD', AUD: 'AUD',
  加元: 'CAD', 加拿大元: 'CAD', CAD: 'CAD',
  瑞士法郎: 'CHF', CHF: 'CHF',
  韩元: 'KRW', KRW: 'KRW',
})

/** Powers of ten of the multiplier characters. */
const MULTIPLIERS: Readonly<Record<string, number>> = Object.freeze({ 十: 1, 百: 2, 千: 3, 万: 4, 亿: 8 })

const SHAPE = /^([^\d]*?)(\d+(?:\.\d+)?)([十百千]?[万亿]?)(.*)$/u

/** decimal digits × 10^exponent, correctly rounded. */
function scaled (digits: string, exponent: number): number {
  return exponent >= 0 ? Number(digits + '0'.repeat(exponent)) : Number(digits) / 10 ** -exponent
}

/** Registered capital text -> amount and ISO 4217 currency. */
export function capital (input: string): Normalized<Capital> {
  const text = input.normalize('NFKC').replace(/\s+/g, ' ').trim()
  // spaces, thousands separators and brackets carry nothing: '1,000 万元 (人民币)'
  const s = text.replace(/[\s,()]/g, '').toUpperCase()
  const m = SHAPE.exec(s)
  if (m === null) return failNote('TB_CAPITAL_INVALID', 'no amount', input)
  const [, before, number, multiplier, after] = m as unknown as [string, string, string, string, string]

  const pre = before === '' ? undefined : CURRENCIES[before]
  const post = after === '' ? undefined : CURRENCIES[after]
  if (before !== '' && pre === undefined) return failNote('TB_CAPITAL_INVALID', `unknown currency ${before}`, input)
  if (after !== '' && post === undefined) return failNote('TB_CAPITAL_INVALID', `unknown currency or unit ${after}`, input)
  if (pre !== undefined && post !== undefined && pre !== post && after !== '元') {
    return failNote('TB_CAPITAL_INVALID', `two currencies ${before} and ${after}`, input)
  }
  const currency = pre ?? post ?? 'CNY'

  let exponent = 0
  for (const ch of multiplier) exponent += MULTIPLIERS[ch]!
  // a bare number is in 万元, the unit registries keep capital in
  if (multiplier === '' && before === '' && after === '') exponent = 4

  const dot = number.indexOf('.')
  const digits = dot < 0 ? number : number.slice(0, dot) + number.slice(dot + 1)
  const fraction = dot < 0 ? 0 : number.length - dot - 1
  const amount = scaled(digits, exponent - fraction)
  if (!Number.isFinite(amount)) return failNote('TB_CAPITAL_INVALID', 'amount out of range', input)
  return ok({ amount, currency, text })
}
