// Reading dropped files as they stream: strict decoding however the bytes are chunked, CSV rows with
// quoted line breaks and their start lines, headerless files, broken files, manifests.
import t from 'tap'
import { delimitedManifest, encodeText, readFileRecords, timeFormat, type FileDrop, type RawRecord } from '../../src/adapter-sdk/index.ts'

const FILE = { name: 'RK_20261201.csv', size: 0, modifiedAt: new Date('2026-12-01T00:00:00Z') }

async function * chunks (bytes: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

async function read (drop: Pick<FileDrop, 'charset' | 'read'>, bytes: Buffer, size = 64 * 1024): Promise<RawRecord[]> {
  const out: RawRecord[] = []
  for await (const r of readFileRecords(drop, chunks(bytes, size), FILE)) out.push(r)
  return out
}

const csv: Pick<FileDrop, 'charset' | 'read'> = {
  charset: 'gb18030',
  read: { format: 'csv', columns: true, sourceId: '{file}#{line}/{row}', observedAt: { field: 'BGSJ', time: timeFormat('YYYYMMDDHHmmss') } },
}
const TEXT = 'GMSFHM,XM,BZ,BGSJ\r\n' +
  '320412199001011234,王䶮,"第一行\r\n第二行，含逗号和""引号""",20261201080000\r\n' +
  '\r\n' +
  '32041219900101123X,𠀀芳,,20261201083000\r\n'

t.test('a GB18030 CSV with a byte order mark, CRLF and quoted line breaks, however it is chunked', async (t) => {
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), encodeText(TEXT, 'gb18030')])
  const whole = await read(csv, bytes)
  t.same(whole.map((r) => r.sourceId), ['RK_20261201.csv#2/1', 'RK_20261201.csv#5/2'], 'the line each row starts on, past the quoted break and the empty line')
  t.same(whole[0]!.fields, { GMSFHM: '320412199001011234', XM: '王䶮', BZ: '第一行\r\n第二行，含逗号和"引号"', BGSJ: '20261201080000' })
  t.equal(whole[1]!.fields.XM, '𠀀芳', 'a four-byte GB18030 character')
  t.same(whole[0]!.observedAt, new Date('2026-12-01T00:00:00Z'), 'Beijing time')
  for (const size of [1, 2, 3, 5]) t.same(await read(csv, bytes, size), whole, `the same in chunks of ${size} bytes`)
})

t.test('GBK extension characters read as GBK', async (t) => {
  const records = await read({ ...csv, charset: 'gbk' }, encodeText('GMSFHM,XM,BZ,BGSJ\r\n1,王䶮,,20261201080000\r\n', 'gbk'))
  t.equal(records[0]!.fields.XM, '王䶮')
})

t.test('a bad time rejects its row (quarantine), not the file', async (t) => {
  const [row] = await read(csv, encodeText('GMSFHM,XM,BZ,BGSJ\r\n1,张三,,2026-12-01\r\n', 'gb18030'))
  t.match(row, { observedAt: FILE.modifiedAt, reject: { code: 'TB_DATE_INVALID', message: /BGSJ/ } })
})

t.test('a headerless file with another delimiter, observed at its modification time', async (t) => {
  const drop: Pick<FileDrop, 'charset' | 'read'> = { charset: 'utf-8', read: { format: 'csv', columns: ['ID', 'NAME'], delimiter: '|', sourceId: '{ID}', observedAt: 'modified' } }
  const records = await read(drop, Buffer.from('1|张三\n2|"李|四"\n'))
  t.same(records.map((r) => [r.sourceId, r.fields.NAME, r.observedAt]), [['1', '张三', FILE.modifiedAt], ['2', '李|四', FILE.modifiedAt]])
})

t.test('files that cannot be read are TB_FILE_UNREADABLE', async (t) => {
  const bytes = encodeText(TEXT, 'gb18030')
  await t.rejects(read(csv, bytes.subarray(0, bytes.length - 20)), { code: 'TB_FILE_UNREADABLE', message: /not valid CSV: Invalid Record Length/ }, 'cut mid-row')
  const cutInCharacter = bytes.subarray(0, bytes.indexOf(encodeText('𠀀', 'gb18030')) + 2)
  await t.rejects(read(csv, cutInCharacter, 7), { code: 'TB_FILE_UNREADABLE', message: /ends inside a character/ }, 'cut inside a character')
  await t.rejects(read(csv, encodeText('GMSFHM,XM,BZ,BGSJ\r\n1,"open,,x\r\n', 'gb18030')), { code: 'TB_FILE_UNREADABLE', message: /Quote Not Closed/ })
  await t.rejects(read(csv, Buffer.from([0x41, 0x2c, 0x81, 0x20, 0x0d, 0x0a])), { code: 'TB_FILE_UNREADABLE', message: /not valid GB18030 text/ })
  await t.rejects(read({ ...csv, charset: 'utf-8' }, Buffer.from([0x41, 0x2c, 0xc3, 0x28, 0x0a])), { code: 'TB_FILE_UNREADABLE', message: /not valid UTF-8 text/ })
})

t.test('a custom reader reads the decoded text as it arrives', async (t) => {
  const drop: Pick<FileDrop, 'charset' | 'read'> = {
    charset: 'gbk',
    read: {
      format: 'custom',
      async * records (text, file) {
        let rest = ''
        let n = 0
        for await (const chunk of text) {
          const lines = (rest + chunk).split('\n')
          rest = lines.pop()!
          for (const line of lines) yield { sourceId: `${file.name}:${++n}`, observedAt: file.modifiedAt, fields: { line } }
        }
      },
    },
  }
  const records = await read(drop, encodeText('甲\n乙\n', 'gbk'), 1)
  t.same(records.map((r) => [r.sourceId, r.fields.line]), [['RK_20261201.csv:1', '甲'], ['RK_20261201.csv:2', '乙']])
})

t.test('a one-line manifest', async (t) => {
  const parse = delimitedManifest({ separator: '|', rows: 1, bytes: 3, digest: { at: 2, algorithm: 'sm3' } })
  const hex = 'AB'.repeat(32)
  t.same(parse(Buffer.from(`\r\nRK.csv | 200000 | ${hex} | 40000000\r\n`), 'RK.csv'), { rows: 200000, bytes: 40000000, digest: { algorithm: 'sm3', hex: hex.toLowerCase() } })
  t.throws(() => parse(Buffer.from(''), 'RK.csv'), { code: 'TB_FILE_INTEGRITY', message: /manifest is empty/ })
  t.throws(() => parse(Buffer.from(`RK.csv|2e5|${hex}|1`), 'RK.csv'), { code: 'TB_FILE_INTEGRITY', message: /gives the rows as "2e5"/ })
  t.throws(() => parse(Buffer.from('RK.csv|1|abc|1'), 'RK.csv'), { code: 'TB_FILE_INTEGRITY', message: /sm3 digest as "abc"/ })
})
