// Normaliser throughput on one core: resident ID validations per second, and whole household
// records (the eight normalisers the household-registration adapter runs per resident) per second.
// Goals (the normalisers' issue): ≥ 1,000,000 ID checks/s and ≥ 100,000 household records/s.
// Run: npm run bench:normalize
import {
  address, date, divisionCode, ethnicityCode, genderCode, personName, phone, residentId,
} from '../src/normalize/index.ts'
import { ownPeakRssMb, report } from './report.ts'
import { medianRate, sink } from './rate.ts'

// ---------------------------------------------------------------------------------------------
// inputs: deterministic, computed here (independently of src/normalize)

let state = 0x2545f491
function rand (): number {
  state = (state + 0x6d2b79f5) >>> 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (n: number): number => Math.floor(rand() * n)
const pick = <T>(list: readonly T[]): T => list[int(list.length)]!
const pad = (n: number, w: number): string => String(n).padStart(w, '0')

const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
function idCheck (first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * W[i]!
  return '10X98765432'[sum % 11]!
}

// ID numbers carry the county where they were first issued: mostly 常州's, some from elsewhere,
// some from counties since abolished (320107 下关区, 320482 金坛市, 440301 深圳市市辖区)
const COUNTIES = [
  '320402', '320404', '320411', '320412', '320412', '320412', '320413', '320481',
  '320102', '320582', '341221', '511325', '650102', '110105', '441900', '320107', '320482', '440301',
]
const TOWNS = ['320412120', '320412100', '320402002', '320411101', '320481106']

interface Household { GMSFHM: string, XM: string, XB: string, MZ: string, CSRQ: string, HJDZ_XZJDDM: string, HJDZ_QHNXXDZ: string, LXDH: string }

function household (): Household {
  const y = 1930 + int(95)
  const m = 1 + int(12)
  const d = 1 + int(28)
  const male = rand() < 0.5
  const first17 = `${pick(COUNTIES)}${y}${pad(m, 2)}${pad(d, 2)}${pad(int(500) * 2 + (male ? 1 : 0), 3)}`
  const id = first17 + idCheck(first17)
  const form = rand()
  const GMSFHM = form < 0.03 && y < 2000 ? id.slice(0, 6) + id.slice(8, 17) : form < 0.06 ? id.toLowerCase() : id
  const name = pick(['张秀英', '王建国', '李伟', '陈晓燕', '欧阳文杰', '买买提·艾力'])
  const nameRoll = rand()
  const XM = nameRoll < 0.05 ? `\u3000${name}\u3000` : nameRoll < 0.08 ? `${name}  ` : name
  const phoneRoll = rand()
  const LXDH = phoneRoll < 0.65 ? `1${pick(['38', '39', '58', '86', '99'])}${pad(int(100_000_000), 8)}` : phoneRoll < 0.85 ? `0519-8${pad(int(10_000_000), 7)}` : '051986781234'
  return {
    GMSFHM,
    XM,
    XB: male ? '1' : '2',
    MZ: pick(['01', '01', '01', '03', '05', '11']),
    CSRQ: `${y}${pad(m, 2)}${pad(d, 2)}`,
    HJDZ_XZJDDM: pick(TOWNS),
    HJDZ_QHNXXDZ: `湟里镇${pick(['村前村', '东安村', '西墅村'])}${1 + int(300)}号`,
    LXDH,
  }
}

const SIZE = 1 << 14
const records: Household[] = Array.from({ length: SIZE }, household)
const ids18: string[] = Array.from({ length: SIZE }, () => {
  const first17 = `${pick(COUNTIES)}${1930 + int(95)}${pad(1 + int(12), 2)}${pad(1 + int(28), 2)}${pad(int(1000), 3)}`
  return first17 + idCheck(first17)
})
const idsMixed = records.map((r) => r.GMSFHM)

// ---------------------------------------------------------------------------------------------

function measure (label: string, unit: string, body: (i: number) => number): number {
  const median = medianRate(body, SIZE, { warmUp: 200_000, batch: 10_000 })
  console.log(`${label.padEnd(52)} ${Math.round(median).toLocaleString('en-US').padStart(12)} ${unit}/s`)
  return median
}

/** The figure for the bench table: no floor (the normalisers are the work itself). */
function summary (figure: string, unit: string, goal: number, now: number): void {
  report({ bench: 'normalize', figure, unit: `${unit}/s`, goal: `≥ ${goal.toLocaleString('en-US')}`, now: Math.round(now), met: now >= goal, rssMb: ownPeakRssMb() })
}

console.log(`node ${process.version}, ${process.arch}, one core; median of 5 rounds of 0.3 s`)
const clean = measure('residentId, clean 18-character numbers', 'IDs', (i) => (residentId(ids18[i]!).ok ? 1 : 0))
const mixed = measure('residentId, department mix (15-digit, lowercase x)', 'IDs', (i) => (residentId(idsMixed[i]!).ok ? 1 : 0))
const households = measure('household record (8 normalisers)', 'records', (i) => {
  const r = records[i]!
  let ok = 0
  if (residentId(r.GMSFHM).ok) ok++
  if (personName(r.XM).ok) ok++
  if (genderCode(r.XB).ok) ok++
  if (ethnicityCode(r.MZ).ok) ok++
  if (date(r.CSRQ).ok) ok++
  if (divisionCode(r.HJDZ_XZJDDM).ok) ok++
  if (address(r.HJDZ_QHNXXDZ).ok) ok++
  if (phone(r.LXDH).ok) ok++
  return ok
})
if (sink === 42) console.log('') // keep the results observable
summary('residentId, clean', 'IDs', 1_000_000, clean)
summary('residentId, department mix', 'IDs', 1_000_000, mixed)
summary('household record (8 normalisers)', 'records', 100_000, households)
