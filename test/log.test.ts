import t from 'tap'
import { captureLogger } from './helpers.ts'
import { maskPersonalData } from '../src/log.ts'

t.test('ID numbers and phone numbers are masked in every log line', async (t) => {
  const { logger, lines } = captureLogger()
  logger.info({ idNumber: '320412194912310029', legacy: '320412850612301', phone: '13800138000', landline: '0519-86781234', nested: { text: 'resident 32041219491231002x called' } }, 'lookup of 320412194912310029 by 13800138000')
  logger.error(new Error('bad record 320412194912310029'))
  const out = lines.join('')
  for (const secret of ['320412194912310029', '320412850612301', '13800138000', '86781234', '32041219491231002x']) t.notOk(out.includes(secret), `${secret} is not logged`)
  t.ok(out.includes('320412********0029'))
  t.ok(out.includes('138****8000'))
  t.ok(out.includes('0519-****1234'))
  t.ok(out.includes('"time":'), 'timestamps are left alone')
})

t.test('masking leaves other numbers alone', async (t) => {
  t.equal(maskPersonalData('{"time":1763600000000,"inboxId":123456,"gxsj":"20261120093105"}'), '{"time":1763600000000,"inboxId":123456,"gxsj":"20261120093105"}')
  t.equal(maskPersonalData('91320412MA1MXK7Q0T'), '91320412MA1MXK7Q0T', 'credit codes are not personal data')
})
