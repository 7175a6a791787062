// The decrypt step every intake runs before mapping, on its own: the declared fields decrypted, a
// record whose value does not decrypt rejected alone with the field named, quarantine handed the
// record as received; and what the SDK and the configuration refuse about `encrypted`.
import t from 'tap'
import { z } from 'zod'
import { defineAdapter, secretCredentials, type AdapterDefinition, type RawRecord } from '../src/adapter-sdk/index.ts'
import { encryptSm4Field } from '../src/crypto/sm4.ts'
import { personName, phone, residentId } from '../src/normalize/index.ts'
import { mapReceived, mapReceivedInSlices, mapReceivedRecord } from '../src/pipeline/decrypt.ts'
import { resident } from './conformance/fixtures/encrypted-push.ts'

const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex')
const fields = { SFZH: ['idNumber', residentId], XM: ['name', personName], SJHM: ['phone', phone] } as const
const adapter = defineAdapter({
  id: 'enc', department: { name: '测试', level: 'city' }, produces: 'person',
  receive: { signature: 'standard-webhooks', maxBodyBytes: 1024, parse: () => [] },
  encrypted: { fields: ['SFZH', 'SJHM'], cipher: 'sm4-cbc' },
  fields,
  instance: z.object({}),
})
const plain: AdapterDefinition = { ...adapter, encrypted: undefined }

const at = new Date('2026-11-20T00:00:00Z')
const raw = (n: number, over: Record<string, unknown> = {}): RawRecord => {
  const r = resident(n)
  return { sourceId: `S#${n}`, observedAt: at, fields: { SFZH: encryptSm4Field(KEY, r.idNumber), XM: r.name, SJHM: encryptSm4Field(KEY, r.mobile), ...over } }
}

t.test('declared fields are decrypted; one that fails rejects its record alone, as received', async (t) => {
  const bad = raw(2, { SJHM: 'bm90IGEgYmxvY2s=' })
  const raws = [raw(1), bad, raw(3, { SJHM: '' }), raw(4, { SJHM: null })]
  const given = structuredClone(raws)
  const { records, rejections } = mapReceived(adapter, KEY, raws)
  t.same(records.map((r) => [r.key, r.data.phone]), [[resident(1).idNumber, resident(1).mobile], [resident(3).idNumber, undefined], [resident(4).idNumber, undefined]], 'empty values are left alone')
  t.equal(rejections.length, 1)
  t.match(rejections[0], { sourceId: 'S#2', code: 'TB_FIELD_DECRYPT_FAILED', field: 'SJHM', message: /^SJHM: An encrypted field cannot be decrypted: / })
  t.equal(rejections[0]!.raw, bad, 'quarantine gets the record as received')
  t.notOk('reject' in rejections[0]!.raw)
  t.same(raws, given, 'the records given are not changed')
})

t.test('a normaliser rejection also carries the record as received, the decrypted value as its raw value', async (t) => {
  const received = raw(5, { SJHM: encryptSm4Field(KEY, '12345') })
  const result = mapReceivedRecord(adapter, KEY, received)
  t.notOk(result.ok)
  if (result.ok) return
  t.match(result.rejection, { code: 'TB_PHONE_INVALID', field: 'SJHM', rawValue: '12345' })
  t.equal(result.rejection.raw, received)
})

t.test('a value that is not text, and a record already rejected by parse', async (t) => {
  const { rejections } = await mapReceivedInSlices(adapter, KEY, [raw(6, { SFZH: 320412 }), { ...raw(7), reject: { code: 'TB_EVENT_TYPE_UNKNOWN', message: 'XX' } }])
  t.match(rejections, [{ code: 'TB_FIELD_DECRYPT_FAILED', field: 'SFZH', message: 'SFZH: An encrypted field cannot be decrypted: a number, not encrypted text' }, { code: 'TB_EVENT_TYPE_UNKNOWN' }])
})

t.test('a wrong key rejects, never maps', async (t) => {
  const { records, rejections } = mapReceived(adapter, Buffer.alloc(16, 9), [raw(8), raw(9)])
  t.equal(records.length, 0)
  t.same(rejections.map((r) => r.code), ['TB_FIELD_DECRYPT_FAILED', 'TB_FIELD_DECRYPT_FAILED'])
})

t.test('an adapter without encrypted fields maps as before; one with them needs the key', async (t) => {
  const r = { sourceId: 'P', observedAt: at, fields: { SFZH: resident(10).idNumber, XM: '王芳' } }
  t.equal(mapReceived(plain, undefined, [r]).records[0]?.key, resident(10).idNumber)
  t.throws(() => mapReceived(adapter, undefined, [raw(1)]), /the intake must give the instance's data key/)
})

t.test('defineAdapter checks the declaration; the data key is a secret', async (t) => {
  const base = { id: 'x', department: { name: '测试', level: 'city' }, produces: 'person', receive: adapter.receive, fields, instance: z.object({}) } as const
  t.throws(() => defineAdapter({ ...base, encrypted: { fields: [], cipher: 'sm4-cbc' } }), /encrypted\.fields must name at least one/)
  t.throws(() => defineAdapter({ ...base, encrypted: { fields: ['SFZH', ''], cipher: 'sm4-cbc' } }), /non-empty field names/)
  t.throws(() => defineAdapter({ ...base, encrypted: { fields: ['SFZH'], cipher: 'aes' as 'sm4-cbc' } }), /only sm4-cbc/)
  t.throws(() => defineAdapter({ id: 'y', department: base.department, operations: {}, encrypted: { fields: ['A'], cipher: 'sm4-cbc' }, instance: z.object({}) } as never), /declares encrypted but produces no records/)
  t.same(secretCredentials({ appId: 'a', appSecret: 's', dataKey: 'k' }), [['appSecret', 's'], ['dataKey', 'k']])
})
