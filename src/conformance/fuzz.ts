// Bodies no department should send, drawn from a seed: random bytes, text in the wrong encoding
// (GBK where UTF-8 is expected and the other way round, UTF-16), JSON, XML and CSV cut short,
// nesting deep enough to break a recursive reader, numbers no double holds, and — from real
// bodies when the checks have some — the same structure with values of the wrong type. The same
// seed gives the same inputs, so a failure names its input by seed and number.
import { mulberry32, type Rng } from '../adapter-sdk/testkit/random.ts'
import { encodeText } from '../adapter-sdk/codec.ts'

export interface FuzzInput {
  /** What the input is, for the report: `#12 truncated JSON (40 of 212 bytes)`. */
  name: string
  body: Buffer
}

const JSON_SAMPLE = '{"msgId":"M-1","eventType":"BG","occurTime":"2026-01-02 03:04:05","records":[{"GMSFHM":"320412198001010011","XM":"王芳","ZS":"常州市武进区湟里镇"}],"code":"0000","data":{"total":1,"list":[{"TYSHXYDM":"91320412MA1XXXXX0X","QYMC":"常州市某某有限公司"}]}}'
const XML_SAMPLE = '<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><result><total>1</total><records><record><SFZH>320412198001010011</SFZH><XM>王芳</XM></record></records></result></soap:Body></soap:Envelope>'
const CSV_SAMPLE = 'SFZH,XM,JZLB,JE\n320412198001010011,王芳,低保,"1,200.00"\n320412198001010022,"李""强",特困,800\n'

/** Fixed inputs: the shapes that break readers whatever the department. */
function fixed (): Array<[string, string | Buffer]> {
  return [
    ['an empty body', ''],
    ['whitespace only', ' \r\n\t '],
    ['JSON null', 'null'],
    ['a JSON number', '0'],
    ['a JSON string', '"records"'],
    ['a JSON array', '[]'],
    ['an empty JSON object', '{}'],
    ['JSON with the wrong types everywhere', '{"msgId":0,"eventType":[],"occurTime":{},"records":"x","code":null,"data":{"list":{"0":1}},"result":7}'],
    ['records that are not objects', '{"msgId":"M","eventType":"BG","occurTime":"2026-01-02 03:04:05","records":[null,1,"x",[],true],"data":{"list":[null,1,"x",[]]}}'],
    ['huge numbers', '{"n":1e999999,"m":-1e400,"records":[{"GMSFHM":123456789012345678901234567890}],"data":{"total":1e309,"list":[]},"code":1e999}'],
    ['deeply nested arrays', '['.repeat(20_000) + ']'.repeat(20_000)],
    ['deeply nested objects, cut', '{"a":'.repeat(20_000)],
    ['a UTF-8 BOM before JSON', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON_SAMPLE)])],
    ['JSON in GBK where UTF-8 is expected', encodeText(JSON_SAMPLE, 'gbk')],
    ['JSON in UTF-16LE', Buffer.from(JSON_SAMPLE, 'utf16le')],
    ['XML in UTF-8', XML_SAMPLE],
    ['XML declared GBK but sent as UTF-8', XML_SAMPLE.replace('UTF-8', 'GBK')],
    ['XML declared UTF-8 but sent as GBK', encodeText(XML_SAMPLE, 'gbk')],
    ['XML naming an external entity', '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'],
    ['XML with unclosed tags', '<?xml version="1.0"?><soap:Envelope><soap:Body><result><records><record>'],
    ['CSV in UTF-8', CSV_SAMPLE],
    ['CSV in GBK', encodeText(CSV_SAMPLE, 'gbk')],
    ['CSV with an unclosed quote', 'SFZH,XM\n320412198001010011,"王芳\n'],
    ['an nginx error page', '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>'],
    ['NUL bytes', Buffer.alloc(64)],
  ]
}

function randomBytes (rng: Rng, length: number): Buffer {
  const out = Buffer.alloc(length)
  for (let i = 0; i < length; i++) out[i] = Math.floor(rng() * 256)
  return out
}

const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!

const WRONG_VALUES: readonly unknown[] = [null, 0, -1, 1e308, '', 'null', 'x', [], {}, true, [null], { 0: 1 }, '９９']

/** The JSON value with one value, at a random place, replaced by a value of another type. */
function mutate (rng: Rng, value: unknown): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || rng() < 0.2) return pick(rng, WRONG_VALUES)
    const i = Math.floor(rng() * value.length)
    const copy = [...value]
    copy[i] = mutate(rng, value[i])
    return copy
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value)
    if (keys.length === 0 || rng() < 0.2) return pick(rng, WRONG_VALUES)
    const key = pick(rng, keys)
    const copy: Record<string, unknown> = { ...value as Record<string, unknown> }
    if (rng() < 0.15) delete copy[key]
    else copy[key] = mutate(rng, copy[key])
    return copy
  }
  return pick(rng, WRONG_VALUES)
}

function parseJson (body: Buffer): unknown {
  try { return JSON.parse(body.toString('utf8')) } catch { return undefined }
}

/**
 * The fuzz inputs for one run: the fixed shapes, random bytes, and for each sample body (real
 * bodies the department sent, when the checks have them) cuts, re-encodings and type mutations.
 */
export function fuzzInputs (seed: number, samples: readonly Buffer[] = [], perSample = 40): FuzzInput[] {
  const rng = mulberry32(seed)
  const raw: Array<[string, string | Buffer]> = fixed()
  for (let i = 0; i < 20; i++) {
    const length = 1 + Math.floor(rng() * 512)
    raw.push([`${length} random bytes`, randomBytes(rng, length)])
  }
  const bases = [Buffer.from(JSON_SAMPLE), Buffer.from(XML_SAMPLE), Buffer.from(CSV_SAMPLE), ...samples]
  bases.forEach((base, b) => {
    const label = b < 3 ? ['JSON', 'XML', 'CSV'][b]! : `sample body ${b - 2}`
    for (let i = 0; i < 4; i++) {
      const cut = Math.floor(rng() * base.length)
      raw.push([`${label} cut after ${cut} of ${base.length} bytes`, base.subarray(0, cut)])
    }
    if (b > 0 && b < 3) return
    // Which of UTF-8 and GB18030 the sample is in is unknown here: each reading, sent in the other.
    const text = base.toString('utf8')
    raw.push([`${label} read as UTF-8, sent as GB18030`, encodeText(text, 'gb18030')])
    raw.push([`${label} read as GB18030, sent as UTF-8`, Buffer.from(new TextDecoder('gb18030').decode(base))])
    raw.push([`${label} as UTF-16LE`, Buffer.from(text, 'utf16le')])
    const flipped = Buffer.from(base)
    for (let i = 0; i < 8; i++) flipped[Math.floor(rng() * flipped.length)] = Math.floor(rng() * 256)
    raw.push([`${label} with 8 bytes changed`, flipped])
    const json = parseJson(base)
    if (json === undefined) return
    for (let i = 0; i < perSample; i++) raw.push([`${label} with a value of the wrong type`, Buffer.from(JSON.stringify(mutate(rng, json)))])
  })
  return raw.map(([name, body], i) => ({ name: `#${i + 1} ${name}`, body: Buffer.isBuffer(body) ? body : Buffer.from(body) }))
}

/** The start of a body as a person can read it in a report. */
export function preview (body: Buffer, max = 80): string {
  if (body.length === 0) return '(empty)'
  const text = body.subarray(0, max).toString('latin1').replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
  return body.length > max ? `${text}… (${body.length} bytes)` : text
}
