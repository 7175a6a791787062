// sourceId and observedAt described as templates, and envelope values from code tables.
import t from 'tap'
import { BEIJING, envelopeValue, recordTemplate, textTemplate, timeFormat } from '../../src/adapter-sdk/index.ts'

t.test('textTemplate', async (t) => {
  const id = textTemplate('{TYSHXYDM}@{GXSJ}')
  t.equal(id({ TYSHXYDM: ' 91320412MA1XXXXX0X ', GXSJ: 20261120093105 }), '91320412MA1XXXXX0X@20261120093105', 'trimmed; numbers as text')
  t.equal(id({}), '@', 'absent fields are empty')
  t.equal(textTemplate('row')({}), 'row', 'no fields')
  t.equal(textTemplate('{a}{b}#')({ a: 1, b: null }), '1#')
})

t.test('recordTemplate', async (t) => {
  const toRaw = recordTemplate({ sourceId: '{ID}@{T}', observedAt: { field: 'T', time: timeFormat('YYYYMMDDHHmmss', BEIJING) } })
  const receivedAt = new Date('2026-11-20T02:00:00.000Z')
  const row = { ID: 'A', T: ' 20261120093105 ' }
  t.same(toRaw(row, receivedAt), { sourceId: 'A@20261120093105', observedAt: new Date('2026-11-20T01:31:05.000Z'), fields: row })
  const bad = toRaw({ ID: 'B', T: '20261131250000' }, receivedAt)
  t.match(bad, { sourceId: 'B@20261131250000', observedAt: receivedAt, reject: { code: 'TB_DATE_INVALID', message: /^T: .*20261131250000.*YYYYMMDDHHmmss/ } })
  t.match(toRaw('junk', receivedAt), { sourceId: 'row@20261120100000', observedAt: receivedAt, fields: { row: 'junk' }, reject: { code: 'TB_RECORD_INVALID' } })
  t.match(toRaw(['x'], receivedAt), { reject: { code: 'TB_RECORD_INVALID' } })
})

t.test('envelopeValue', async (t) => {
  const status = envelopeValue('person', 'status', { QC: 'moved-out', SW: 'deceased' }, 'TB_EVENT_TYPE_UNKNOWN')
  t.same(status('QC'), { set: { status: 'moved-out' } })
  t.match(status('XX'), { reject: { code: 'TB_EVENT_TYPE_UNKNOWN', message: /"XX"/ } })
  t.match(status(undefined), { reject: { code: 'TB_EVENT_TYPE_UNKNOWN', message: /null/ } })
  t.match(status(' QC'), { reject: {} }, 'envelope codes match exactly')
  t.match(envelopeValue('enterprise', 'status', { 1: 'in-business' })('2'), { reject: { code: 'TB_CODE_UNKNOWN' } }, 'TB_CODE_UNKNOWN unless told')
  // @ts-expect-error a value the canonical field cannot hold
  t.ok(envelopeValue('person', 'status', { QC: 'emigrated' }))
  // @ts-expect-error no such canonical field
  t.throws(() => envelopeValue('person', 'mood', { A: 'happy' }), { message: /person has no field mood/ })
})
