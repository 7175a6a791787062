// The health-files adapter's description and mapping: GB18030 CRLF CSV with line breaks, commas
// and doubled quotes inside quotes, both date shapes, key groups split by 、 (an unknown one named),
// the per-day manifest, which later file corrects one set aside; and the generator's files read
// through the platform's file reader and field maps give what the generator says they hold.
import t from 'tap'
import adapter, { DATA_FILE, familyDoctor, manifestOf } from './adapter.ts'
import { COLUMNS, contractFacts, csvLine, dayFiles, fileChunks, type DataOptions } from './data.ts'
import { DEMO_HOST_KEY, DEMO_HOST_KEY_FINGERPRINT } from './demo-keys.ts'
import { encodeText, manifestName, readFileRecords, type RawRecord } from '../../src/adapter-sdk/index.ts'
import { sshFingerprint } from '../../src/adapter-sdk/testkit/sftp-server.ts'
import { mapRecord } from '../../src/pipeline/map.ts'
import { listOf, codeTable } from '../../src/normalize/index.ts'
import { householdContracted } from '../demo-story.ts'
import { residentAt, residentFacts } from '../household-registration/data.ts'

const OPTS: DataOptions = { seed: 1, residents: 1000, rowsPerFile: 1500, maxFilesPerDay: 2, startDay: '2026-11-01' }
const info = (name: string) => ({ name, size: 0, modifiedAt: new Date('2026-11-20T00:00:00Z') })

async function * once (bytes: Buffer): AsyncGenerator<Buffer> {
  // in small pieces: a GB18030 character and a CRLF may be split between chunks
  for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7)
}

async function read (bytes: Buffer | AsyncIterable<Buffer>, name = 'JTYSQY_20261120_001.csv'): Promise<RawRecord[]> {
  const out: RawRecord[] = []
  for await (const raw of readFileRecords(adapter.files!, Buffer.isBuffer(bytes) ? once(bytes) : bytes, info(name))) out.push(raw)
  return out
}

const HEADER = '身份证号,姓名,签约状态,签约日期,到期日期,签约团队,签约机构,重点人群,联系电话,居住地址,更新时间\r\n'

t.test('a hand-written file: quoted line breaks, doubled quotes, both date shapes, key groups', async (t) => {
  const text = HEADER +
    '320412195001010011,王建国,已签约,2026/1/5,2027-01-04,"湟里镇家庭医生\r\n第2团队",常州市湟里镇卫生院,老年人、高血压,13912345678,"村前村12号\r\n（东侧）",2026-11-20 02:15:00\r\n' +
    '320412199002020025,李芳,已解约,2025-03-09,2026/3/8,"""健康守护""团队",常州市湟里镇卫生院,,,"东安村3号,后院",2026-11-20 02:15:01\r\n' +
    '320412201802030037,张子轩,已到期,2024-1-1,2025-1-1,第1团队,常州市湟里镇卫生院,儿童、儿童,13800000000,新桥村1号,2026-11-20 02:15:02\r\n'
  const raws = await read(encodeText(text, 'gb18030'))
  t.same(raws.map((r) => r.sourceId), ['JTYSQY_20261120_001.csv#2', 'JTYSQY_20261120_001.csv#5', 'JTYSQY_20261120_001.csv#6'], 'sourceId {file}#{line}: the line a row starts on')
  t.same(raws[0]!.observedAt, new Date('2026-11-19T18:15:00Z'), '更新时间 is Beijing time')
  const mapped = raws.map((raw) => mapRecord(adapter, raw))
  const records = mapped.map((m) => { if (!m.ok) throw new Error(m.rejection.message); return m.record })
  t.same(records.map((r) => r.data), [
    { idNumber: '320412195001010011', name: '王建国', phone: '13912345678' },
    { idNumber: '320412199002020025', name: '李芳' },
    { idNumber: '320412201802030037', name: '张子轩', phone: '13800000000' },
  ].map((d) => ({ ...d })), 'person observations: ID number, name, phone (none when empty)')
  t.same(records.map((r) => r.facet), [
    { name: 'family-doctor', entryKey: '', data: { state: 'signed', signedOn: '2026-01-05', expiresOn: '2027-01-04', team: '湟里镇家庭医生 第2团队', clinic: '常州市湟里镇卫生院', keyGroups: ['elderly', 'hypertension'] } },
    { name: 'family-doctor', entryKey: '', data: { state: 'terminated', signedOn: '2025-03-09', expiresOn: '2026-03-08', team: '"健康守护"团队', clinic: '常州市湟里镇卫生院', keyGroups: [] } },
    { name: 'family-doctor', entryKey: '', data: { state: 'expired', signedOn: '2024-01-01', expiresOn: '2025-01-01', team: '第1团队', clinic: '常州市湟里镇卫生院', keyGroups: ['child'] } },
  ])
})

t.test('what a row cannot be is quarantined with a code naming the column', async (t) => {
  const row = (values: Partial<Record<(typeof COLUMNS)[number], string>>): string => csvLine(COLUMNS.map((c) => ({
    身份证号: '320412195001010011', 姓名: '王建国', 签约状态: '已签约', 签约日期: '2026/1/5', 到期日期: '2027/1/4', 签约团队: '第1团队', 签约机构: '卫生院', 重点人群: '', 联系电话: '', 居住地址: '', 更新时间: '2026-11-20 02:15:00', ...values,
  })[c]))
  const cases: Array<[Partial<Record<(typeof COLUMNS)[number], string>>, string, string]> = [
    [{ 重点人群: '老年人、肥胖' }, 'TB_CODE_UNKNOWN', '重点人群'],
    [{ 签约状态: '待签约' }, 'TB_CODE_UNKNOWN', '签约状态'],
    [{ 签约日期: '2026/2/30' }, 'TB_DATE_INVALID', '签约日期'],
  ]
  for (const [values, code, field] of cases) {
    const [raw] = await read(encodeText(HEADER + row(values) + '\r\n', 'gb18030'))
    const result = mapRecord(adapter, raw!)
    t.notOk(result.ok, `${JSON.stringify(values)} is refused`)
    if (!result.ok) {
      t.equal(result.rejection.code, code)
      t.equal(result.rejection.field, field)
    }
  }
  const [raw] = await read(encodeText(HEADER + row({ 重点人群: '老年人、肥胖' }) + '\r\n', 'gb18030'))
  const result = mapRecord(adapter, raw!)
  t.match(!result.ok && result.rejection.message, /肥胖.*重点人群.*item 2 of 2/, 'the unknown group, its table and its place')
  const [late] = await read(encodeText(HEADER + row({ 更新时间: '2026/11/20 02:15' }) + '\r\n', 'gb18030'))
  t.ok(late!.reject, 'an 更新时间 in another shape rejects the row, not the file')
})

t.test('listOf: split, each item through its normaliser, each once', async (t) => {
  const groups = listOf('、', codeTable('g', { a: 1, b: 2 }))
  t.same(groups('a、b、a'), { ok: true, value: [1, 2] })
  t.same(groups(' 、a 、'), { ok: true, value: [1] })
  t.same(groups(''), { ok: true, value: [] })
  t.match(groups('a、c'), { ok: false, error: { code: 'TB_CODE_UNKNOWN' } })
})

t.test('the exchange: data files, the day manifest, which later file corrects one set aside, the DEMO keys', async (t) => {
  const drop = adapter.files!
  t.ok(DATA_FILE.test('JTYSQY_20261120_001.csv'))
  t.notOk(drop.match.test('JTYSQY_20261120.ok'))
  t.notOk(drop.match.test('JTYSQY_20261120_1.csv'))
  t.equal(manifestName(drop.manifest!, 'JTYSQY_20261120_002.csv'), 'JTYSQY_20261120.ok')
  t.equal(manifestOf('JTYSQY_20261120_001.csv'), 'JTYSQY_20261120.ok')
  const manifest = Buffer.from(`JTYSQY_20261120_001.csv,3,${'AB'.repeat(32)}\r\nJTYSQY_20261120_002.csv,5,${'cd'.repeat(32)}\r\n`)
  t.same(drop.manifest!.parse(manifest, 'JTYSQY_20261120_002.csv'), { rows: 5, digest: { algorithm: 'sm3', hex: 'cd'.repeat(32) } })
  t.throws(() => drop.manifest!.parse(manifest, 'JTYSQY_20261120_003.csv'), { code: 'TB_FILE_INTEGRITY' })
  t.ok(drop.corrects!('JTYSQY_20261121_001.csv', 'JTYSQY_20261120_002.csv'), "a later day's file corrects one set aside")
  t.notOk(drop.corrects!('JTYSQY_20261120_003.csv', 'JTYSQY_20261120_002.csv'), "the same day's does not")
  t.equal(familyDoctor.sensitivity, 'sensitive')
  t.equal(adapter.auth?.type, 'sftp-key')
  t.equal(sshFingerprint(DEMO_HOST_KEY), DEMO_HOST_KEY_FINGERPRINT, 'the DEMO fingerprint is the DEMO host key\'s')
})

t.test("the generator's file read and mapped gives what the generator says", async (t) => {
  const [file] = dayFiles(OPTS, 0)
  const raws = await read(fileChunks(OPTS, file!), file!.name)
  t.equal(raws.length, file!.rows)
  let quotedBreaks = 0
  let slashes = 0
  let groups = 0
  for (const [i, raw] of raws.entries()) {
    const facts = contractFacts(OPTS, file!.from + i)
    const result = mapRecord(adapter, raw)
    if (!result.ok) { t.fail(`row ${i}: ${result.rejection.message}`); continue }
    const { data, facet } = result.record
    if (data.idNumber !== facts.idNumber || data.name !== facts.name || data.phone !== facts.phone) t.fail(`row ${i}: person ${JSON.stringify(data)}`)
    const entry = facet!.data
    const expected = { state: facts.state, signedOn: facts.signedOn, expiresOn: facts.expiresOn, team: facts.team.normalize('NFKC').replace(/\s+/g, ' '), clinic: facts.clinic, keyGroups: facts.keyGroups }
    if (JSON.stringify(entry) !== JSON.stringify(expected)) t.fail(`row ${i}: facet ${JSON.stringify(entry)} is not ${JSON.stringify(expected)}`)
    if (/\r\n/.test(facts.team) || /\n/.test(String(raw.fields['居住地址']))) quotedBreaks++
    if (String(raw.fields['签约日期']).includes('/')) slashes++
    if (facts.keyGroups.length > 0) groups++
    if (raw.observedAt.getTime() !== facts.updatedAt.getTime()) t.fail(`row ${i}: observedAt`)
  }
  t.ok(quotedBreaks > 10 && slashes > 100 && groups > 100, `quirks present: ${quotedBreaks} rows with quoted line breaks, ${slashes} slashed dates, ${groups} with key groups`)
})

t.test('key groups and signing dates fit the resident; in the demo the town\'s residents get contracts within minutes', async (t) => {
  const demo = { towns: ['320412120000'], simulators: { 'household-registration': { seed: 1, residents: 5000 }, 'health-files': { residentsFromHousehold: 2 } } }
  const people = householdContracted(demo)!
  const DEMO: DataOptions = { seed: 1, residents: 5000, rowsPerFile: 400, maxFilesPerDay: 2, startDay: '2026-10-01', people }
  for (const opts of [{ ...OPTS, residents: 5000 }, DEMO]) {
    const wrong: string[] = []
    const seen = new Set<string>()
    for (let g = 0; g < 5000; g++) {
      const f = contractFacts(opts, g)
      const birth = `${f.idNumber.slice(6, 10)}-${f.idNumber.slice(10, 12)}-${f.idNumber.slice(12, 14)}`
      const today = new Date(f.updatedAt.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)
      const age = Number(today.slice(0, 4)) - Number(birth.slice(0, 4)) - (today.slice(5) < birth.slice(5) ? 1 : 0)
      const female = Number(f.idNumber[16]) % 2 === 0
      for (const group of f.keyGroups) seen.add(group)
      const why = [
        f.signedOn <= birth && 'signed before birth',
        f.keyGroups.includes('elderly') !== age >= 65 && '老年人 is 65 and over',
        f.keyGroups.includes('child') !== age < 7 && '儿童 is under 7',
        f.keyGroups.includes('maternal') && !(female && age >= 18 && age <= 49) && '孕产妇 is a woman of 18-49',
      ].filter(Boolean)
      if (why.length > 0) wrong.push(`row ${g}, born ${birth}, ${age} on ${today}, signed ${f.signedOn}, ${f.keyGroups.join('、')}: ${why.join(', ')}`)
    }
    t.same(wrong.slice(0, 10), [], `${opts.people ? 'the demo' : 'own population'}: ${wrong.length} rows out of line`)
    t.same([...seen].sort(), ['child', 'diabetes', 'disabled', 'elderly', 'hypertension', 'maternal', 'severe-mental-disorder'], 'every group occurs')
  }

  // The household simulator moves residents between the towns of their county from message to
  // message: the demo town's residents a few minutes in are mostly its county's. The rows of the
  // demo's first five days (a day every 2 minutes) reach more than half of them.
  const county: number[] = []
  for (let i = 0; i < 5000; i++) if (residentAt(1, i, 0).HJDZ_XZQHDM === '320412' && residentFacts(1, i).quirk === undefined) county.push(i)
  const contracted = new Set<string>()
  let local = 0
  for (let d = 0; d < 5; d++) {
    for (const file of dayFiles(DEMO, d)) {
      for (let g = file.from; g < file.from + file.rows; g++) {
        const p = people(g % DEMO.residents)
        if (p === undefined) continue
        contracted.add(p.idNumber)
        if (d === 0 && p.town === '320412120') local++
      }
    }
  }
  t.ok(local >= 90, `${local} of the first day's 400 rows are of residents the demo town's clinic serves`)
  const reached = county.filter((i) => contracted.has(residentFacts(1, i).idNumber)).length
  t.ok(reached > county.length / 2, `${reached} of the county's ${county.length} residents have a contract after five days`)
})
