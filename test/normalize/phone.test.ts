import t from 'tap'
import { phone } from '../../src/normalize/index.ts'

t.test('mobile and landline numbers', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['13800138000', '13800138000', 'mobile'],
    ['19912345678', '19912345678', 'mobile 199'],
    ['16612345678', '16612345678', 'mobile 166'],
    ['138 0013 8000', '13800138000', 'spaces'],
    ['138-0013-8000', '13800138000', 'dashes'],
    ['+86 138 0013 8000', '13800138000', '+86'],
    ['+8613800138000', '13800138000', '+86 without space'],
    ['(+86)13800138000', '13800138000', '(+86)'],
    ['0086 13800138000', '13800138000', '0086'],
    ['008613800138000', '13800138000', '0086 without space'],
    ['86 13800138000', '13800138000', 'bare 86'],
    ['8613800138000', '13800138000', 'bare 86 without space'],
    ['１３８００１３８０００', '13800138000', 'full-width digits'],
    ['\u300013800138000 ', '13800138000', 'padding'],
    ['0519-86781234', '0519-86781234', 'landline, 4-digit area code'],
    ['051986781234', '0519-86781234', 'landline without dash'],
    ['0519 8678 1234', '0519-86781234', 'landline with spaces'],
    ['(0519)86781234', '0519-86781234', 'area code in parentheses'],
    ['（0519）86781234', '0519-86781234', 'area code in full-width parentheses'],
    ['０５１９－８６７８１２３４', '0519-86781234', 'full-width landline'],
    ['0519-8678123', '0519-8678123', '7-digit local number'],
    ['010-62345678', '010-62345678', 'Beijing 010'],
    ['01062345678', '010-62345678', 'Beijing without dash'],
    ['021-61234567', '021-61234567', 'Shanghai 021'],
    ['029 8123 4567', '029-81234567', 'Xi\u2019an 029'],
    ['0991-2345678', '0991-2345678', 'Urumqi 0991, 7 digits'],
    ['+86 519 8678 1234', '0519-86781234', 'international landline drops the 0'],
    ['+86 10 6234 5678', '010-62345678', 'international Beijing'],
    ['0086 0519 86781234', '0519-86781234', '0086 with the trunk 0 kept'],
  ]
  for (const [input, value, why] of cases) t.same(phone(input), { ok: true, value }, `${why}: ${JSON.stringify(input)}`)
})

t.test('anything else is TB_PHONE_INVALID naming the value', async (t) => {
  const cases: Array<[string, string]> = [
    ['', 'empty'],
    ['   ', 'blank'],
    ['1380013800', '10-digit mobile'],
    ['138001380001', '12-digit mobile'],
    ['12800138000', 'mobile 12x'],
    ['10086', 'service number'],
    ['95588', 'bank hotline'],
    ['86781234', 'local number without area code'],
    ['4008123456', '400 number'],
    ['0519-0678123', 'local number starting 0'],
    ['0519-1678123', 'local number starting 1'],
    ['0519-867812', '6-digit local number'],
    ['0519-867812345', '9-digit local number'],
    ['011-62345678', 'area code 011'],
    ['0019-86781234', 'area code 00x'],
    ['0519-86781234-801', 'extension'],
    ['0519-86781234转801', 'extension in Chinese'],
    ['13800138000/13900139000', 'two numbers'],
    ['+1 415 555 0100', 'another country'],
    ['+44 20 7946 0958', 'another country'],
    ['abc', 'text'],
    ['1380013800O', 'letter O'],
  ]
  for (const [input, why] of cases) {
    const r = phone(input)
    t.equal(r.ok ? `ok ${r.value}` : r.error.code, 'TB_PHONE_INVALID', `${why}: ${JSON.stringify(input)}`)
    if (!r.ok) t.ok(r.error.message.includes(JSON.stringify(input)), `${why}: the message names the value`)
  }
})
