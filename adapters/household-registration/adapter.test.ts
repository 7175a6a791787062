import t from 'tap'
import type { RawRecord } from '../../src/adapter-sdk/index.ts'
import { isTongbanError, type ErrorCode } from '../../src/errors.ts'
import { PersonFields } from '../../src/model/person.ts'
import { idAgrees, isEmpty } from '../../src/normalize/index.ts'
import adapter, { events, MAX_BODY_BYTES, parse, parseOccurTime } from './adapter.ts'
import { buildMessage, isQuirky, residentFacts, type HouseholdRecord } from './data.ts'

// A small stand-in for the platform's mapping step: field map -> normalisers -> canonical record,
// then the model's schema and the ID cross-check.
type Mapped = { ok: true, value: Record<string, unknown> } | { ok: false, code: ErrorCode, field?: string, message: string }

function mapRecord (raw: RawRecord): Mapped {
  if (raw.reject) return { ok: false, code: raw.reject.code, message: raw.reject.message }
  const data: Record<string, unknown> = {}
  for (const [field, [target, normalize]] of Object.entries(adapter.fields)) {
    const value = raw.fields[field]
    if (isEmpty(value)) continue
    const result = normalize(String(value))
    if (!result.ok) return { ok: false, code: result.error.code, field, message: result.error.message }
    data[target] = result.value
  }
  Object.assign(data, raw.set)
  const parsed = PersonFields.safeParse(data)
  if (!parsed.success) return { ok: false, code: 'TB_RECORD_INVALID', message: parsed.error.message }
  const p = parsed.data
  const agrees = idAgrees(p.idNumber, p.birthDate, p.gender)
  if (!agrees.ok) return { ok: false, code: agrees.error.code, message: agrees.error.message }
  return { ok: true, value: p }
}

const meta = { webhookId: 'HR20261120093105000123', receivedAt: new Date('2026-11-20T01:31:06Z') }

const specRecord: HouseholdRecord = {
  GMSFHM: '320412194912310029',
  XM: '张秀英',
  XB: '2',
  MZ: '01',
  CSRQ: '19491231',
  HJDZ_XZQHDM: '320412',
  HJDZ_XZJDDM: '320412120',
  HJDZ_QHNXXDZ: '湟里镇村前村12号',
  LXDH: '13800138000',
}

function body (over: Record<string, unknown> = {}, records: unknown[] = [specRecord]): Buffer {
  return Buffer.from(JSON.stringify({ msgId: 'HR20261120093105000123', eventType: 'QR', occurTime: '2026-11-20 09:31:05', records, ...over }))
}

function one (record: Partial<HouseholdRecord> & Record<string, unknown>, over: Record<string, unknown> = {}): Mapped {
  const raws = parse(body(over, [{ ...specRecord, ...record }]), meta)
  return mapRecord(raws[0]!)
}

t.test('the definition reads like the spec sheet', async (t) => {
  t.equal(adapter.id, 'household-registration')
  t.same(adapter.department, { name: '公安 人口信息', level: 'provincial' })
  t.equal(adapter.produces, 'person')
  t.equal(adapter.receive.signature, 'standard-webhooks')
  t.equal(adapter.receive.maxBodyBytes, MAX_BODY_BYTES)
  t.ok(MAX_BODY_BYTES >= 2 * 1024 * 1024 * 1.5, 'headroom above the 2 MB the department sends')
  t.same(Object.fromEntries(Object.entries(adapter.fields).map(([k, [target]]) => [k, target])), {
    GMSFHM: 'idNumber', XM: 'name', XB: 'gender', MZ: 'ethnicityCode', CSRQ: 'birthDate',
    HJDZ_XZJDDM: 'divisionCode', HJDZ_QHNXXDZ: 'address', LXDH: 'phone',
  })
  t.same(events, { CS: 'registered', QR: 'registered', BG: 'registered', QC: 'moved-out', SW: 'deceased' })
})

t.test('a valid record maps to a canonical person', async (t) => {
  const raws = parse(body(), meta)
  t.equal(raws.length, 1)
  const raw = raws[0]!
  t.equal(raw.sourceId, 'HR20261120093105000123#0')
  t.equal(raw.observedAt.toISOString(), '2026-11-20T01:31:05.000Z')
  t.same(raw.set, { status: 'registered' })
  t.notOk(raw.reject)
  const m = mapRecord(raw)
  t.ok(m.ok, m.ok ? 'mapped' : `${m.code}: ${m.message}`)
  if (!m.ok) return
  t.same(m.value, {
    idNumber: '320412194912310029',
    name: '张秀英',
    gender: 'female',
    ethnicityCode: '01',
    birthDate: '1949-12-31',
    divisionCode: '320412120000',
    address: '湟里镇村前村12号',
    phone: '13800138000',
    status: 'registered',
  })
})

t.test('sourceId is msgId#index for every record, in order', async (t) => {
  const raws = parse(body({}, [specRecord, specRecord, specRecord]), meta)
  t.same(raws.map((r) => r.sourceId), ['HR20261120093105000123#0', 'HR20261120093105000123#1', 'HR20261120093105000123#2'])
})

t.test('a 15-digit legacy ID becomes the 18-character number', async (t) => {
  const m = one({ GMSFHM: '320412491231002' })
  t.ok(m.ok, m.ok ? '' : `${m.code}: ${m.message}`)
  if (m.ok) t.equal(m.value.idNumber, '320412194912310029')
})

t.test('a lowercase x check character is accepted and upper-cased', async (t) => {
  const m = one({ GMSFHM: '11010519491231002x', HJDZ_XZQHDM: '110105', HJDZ_XZJDDM: '110105001' })
  t.ok(m.ok, m.ok ? '' : `${m.code}: ${m.message}`)
  if (m.ok) t.equal(m.value.idNumber, '11010519491231002X')
})

t.test('a missing town code falls back to the county code', async (t) => {
  const { HJDZ_XZJDDM: _, ...withoutTown } = specRecord
  const records = [withoutTown, { ...specRecord, HJDZ_XZJDDM: '' }, { ...specRecord, HJDZ_XZJDDM: '  ' }]
  const raws = parse(body({}, records), meta)
  for (const raw of raws) {
    t.equal(raw.fields.HJDZ_XZJDDM, '320412')
    t.equal(raw.fields.HJDZ_QHNXXDZ, '湟里镇村前村12号', 'the address detail stays as given')
    const m = mapRecord(raw)
    t.ok(m.ok, m.ok ? '' : `${m.code}: ${m.message}`)
    if (m.ok) t.equal(m.value.divisionCode, '320412000000')
  }
  t.notOk('HJDZ_XZJDDM' in withoutTown, 'the received record is not modified')

  const neither = parse(body({}, [{ ...withoutTown, HJDZ_XZQHDM: '' }]), meta)
  const m = mapRecord(neither[0]!)
  t.ok(m.ok, 'no division code at all is not an error')
  if (m.ok) t.equal(m.value.divisionCode, undefined)
})

t.test('event types set the status; QC and SW keep the record', async (t) => {
  const expected = { CS: 'registered', QR: 'registered', BG: 'registered', QC: 'moved-out', SW: 'deceased' }
  for (const [eventType, status] of Object.entries(expected)) {
    const m = one({}, { eventType })
    t.ok(m.ok, eventType)
    if (m.ok) t.equal(m.value.status, status, `${eventType} -> ${status}`)
  }
})

t.test('an unknown event type quarantines every record of the message', async (t) => {
  for (const eventType of ['ZX', 'qr', '', 42, null, undefined]) {
    const raws = parse(body({ eventType }, [specRecord, specRecord, 'not a record']), meta)
    t.equal(raws.length, 3, `${String(eventType)}: nothing dropped`)
    for (const raw of raws) {
      t.equal(raw.reject?.code, 'TB_EVENT_TYPE_UNKNOWN')
      t.notOk(raw.set)
    }
    t.match(raws[0]!.reject?.message, /Unknown event type/)
  }
  t.match(parse(body({ eventType: 'ZX' }), meta)[0]!.reject?.message, /"ZX"/)
  t.notOk(Object.hasOwn(events, 'toString'), 'no prototype keys')
  t.equal(parse(body({ eventType: 'toString' }), meta)[0]!.reject?.code, 'TB_EVENT_TYPE_UNKNOWN')
})

t.test('occurTime is Beijing time (UTC+8)', async (t) => {
  t.equal(parseOccurTime('2026-11-20 09:31:05')?.toISOString(), '2026-11-20T01:31:05.000Z')
  t.equal(parseOccurTime('2026-01-01 07:59:59')?.toISOString(), '2025-12-31T23:59:59.000Z', 'crosses midnight and year')
  t.equal(parseOccurTime('2024-02-29 00:00:00')?.toISOString(), '2024-02-28T16:00:00.000Z', 'leap day')
  for (const bad of ['2026-02-29 10:00:00', '2026-13-01 00:00:00', '2026-11-31 00:00:00', '2026-11-20 24:00:00',
    '2026-11-20 09:60:00', '2026/11/20 09:31:05', '20261120093105', '2026-11-20T09:31:05', ' 2026-11-20 09:31:05', '']) {
    t.equal(parseOccurTime(bad), undefined, JSON.stringify(bad))
  }
})

t.test('a bad occurTime quarantines the records with TB_DATE_INVALID', async (t) => {
  const raws = parse(body({ occurTime: '2026-02-30 09:31:05' }, [specRecord, specRecord]), meta)
  t.equal(raws.length, 2)
  for (const raw of raws) {
    t.equal(raw.reject?.code, 'TB_DATE_INVALID')
    t.match(raw.reject?.message, /2026-02-30/)
    t.equal(raw.observedAt, meta.receivedAt, 'observedAt falls back to the receive time')
  }
})

t.test('a record that is not an object is quarantined, its siblings are not', async (t) => {
  const raws = parse(body({}, [specRecord, 'x', null, [1]]), meta)
  t.equal(raws.length, 4)
  t.notOk(raws[0]!.reject)
  for (const raw of raws.slice(1)) t.equal(raw.reject?.code, 'TB_RECORD_INVALID')
})

t.test('an unreadable body throws TB_WEBHOOK_BODY_INVALID', async (t) => {
  const bad: [string, Buffer][] = [
    ['not JSON', Buffer.from('<html>502 Bad Gateway</html>')],
    ['truncated', body().subarray(0, 40)],
    ['empty', Buffer.alloc(0)],
    ['an array', Buffer.from('[]')],
    ['null', Buffer.from('null')],
    ['no records', Buffer.from(JSON.stringify({ msgId: 'HR1', eventType: 'QR', occurTime: '2026-11-20 09:31:05' }))],
    ['records not an array', body({ records: { 0: specRecord } })],
    ['no msgId', body({ msgId: undefined })],
    ['empty msgId', body({ msgId: '' })],
    ['no occurTime', body({ occurTime: undefined })],
    ['numeric occurTime', body({ occurTime: 1763602265000 })],
  ]
  for (const [what, buf] of bad) {
    t.throws(() => parse(buf, meta), { code: 'TB_WEBHOOK_BODY_INVALID', statusCode: 400 }, what)
    try { parse(buf, meta) } catch (err) { t.ok(isTongbanError(err), `${what}: a TongbanError`) }
  }
  t.same(parse(body({}, []), meta), [], 'an empty records array is readable')
})

t.test('values that do not normalise are reported per field', async (t) => {
  const cases: [Partial<HouseholdRecord>, ErrorCode][] = [
    [{ GMSFHM: '320412194912310028' }, 'TB_ID_CHECKSUM'],
    [{ CSRQ: '19491230' }, 'TB_ID_BIRTHDATE'],
    [{ XB: '1' }, 'TB_ID_GENDER'],
    [{ XB: '7' }, 'TB_CODE_UNKNOWN'],
    [{ CSRQ: '19491332' }, 'TB_DATE_INVALID'],
  ]
  for (const [record, code] of cases) {
    const m = one(record)
    t.notOk(m.ok, JSON.stringify(record))
    if (!m.ok) t.equal(m.code, code, JSON.stringify(record))
  }
  const landline = one({ LXDH: '0519-86881234' })
  t.ok(landline.ok, 'a landline with area code')
  const empty = one({ LXDH: '' })
  t.ok(empty.ok, 'an empty phone is no value')
  if (empty.ok) t.equal(empty.value.phone, undefined)
  const padded = one({ XM: '\u3000张秀英  ' })
  if (padded.ok) t.equal(padded.value.name, '张秀英')
  else t.fail(`${padded.code}: ${padded.message}`)
})

t.test('generated population: valid residents map, quirky ones are quarantined', async (t) => {
  const seed = 11
  const residents = 3000
  let ok = 0
  let quarantined = 0
  for (let m = 0; m < residents / 500; m++) {
    const message = buildMessage(seed, m + 1, { records: 500, residents, residentFrom: m * 500, eventType: 'QR' })
    const buf = Buffer.from(JSON.stringify(message))
    t.ok(buf.length < 2 * 1024 * 1024, '500 records fit in 2 MB')
    const raws = parse(buf, { webhookId: message.msgId, receivedAt: new Date() })
    t.equal(raws.length, 500)
    raws.forEach((raw, i) => {
      const index = m * 500 + i
      const facts = residentFacts(seed, index)
      const mapped = mapRecord(raw)
      const quirk = isQuirky(seed, index)
      if (quirk) {
        quarantined++
        if (mapped.ok) t.fail(`resident ${index} (${quirk}) should be quarantined`)
        else if (mapped.code !== (quirk === 'checksum' ? 'TB_ID_CHECKSUM' : 'TB_ID_BIRTHDATE')) t.fail(`resident ${index}: ${quirk} gave ${mapped.code}`)
        return
      }
      if (!mapped.ok) { t.fail(`resident ${index} ${JSON.stringify(raw.fields)}: ${mapped.code} ${mapped.message}`); return }
      ok++
      const v = mapped.value
      if (v.idNumber !== facts.idNumber || v.name !== facts.name || v.gender !== facts.gender ||
        v.birthDate !== facts.birthDate || v.ethnicityCode !== facts.ethnicityCode) {
        t.fail(`resident ${index}: ${JSON.stringify(v)} vs ${JSON.stringify(facts)}`)
      }
    })
  }
  t.equal(ok + quarantined, residents)
  t.ok(quarantined > residents / 100 && quarantined < residents / 25, `about 1 in 50 quarantined (${quarantined})`)
})
