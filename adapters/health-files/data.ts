// Deterministic family-doctor contract files for the health-files simulator, its tests and the bench.
//
// Days and files. Day `d` is `startDay` plus d days. Its files are a seeded plan: about one day in
// seven has none (no `.ok` either), the others 1..maxFilesPerDay files of `rowsPerFile` rows; day 0
// always has one, so a new subscriber sees data at once. Rows are numbered across days (row `g`),
// so a file is a range of row numbers and any row is computed directly (O(1), any file size).
//
// Rows and residents. Row g concerns the resident of slot g mod residents, in revision
// floor(g / residents): a later row of the same resident is a later state of their contract. Who
// sits in a slot is the department's own population, or — in the demo — a resident of the
// household register (`People`), so the demo's residents get family-doctor facets. Birth date
// (the household register's, else the ID number's) and gender (the ID number's) decide the key
// groups, by the age on the row's day (老年人 from 65, 儿童 under 7, 孕产妇 women of 20-45), and
// a contract is signed after its resident's birth.
//
// Quirks (spec): dates as `2026/1/5` or `2026-01-05`; team names and addresses with line breaks
// inside quotes, commas and doubled quotes; an empty phone now and then.
// The kit's data modules, not its index: the demo story loads this file in gateway processes.
import { encodeText } from '../../src/adapter-sdk/codec.ts'
import { residentIdCheckChar } from '../../src/adapter-sdk/testkit/check-characters.ts'
import { COUNTIES, OTHER_BIRTHPLACES, VILLAGES, ESTATES, ROADS, type Town } from '../../src/adapter-sdk/testkit/geography.ts'
import { givenName, mobilePhone, SURNAMES } from '../../src/adapter-sdk/testkit/people.ts'
import { int, mulberry32, pad, pick, seedKey, weighted, type Rng } from '../../src/adapter-sdk/testkit/random.ts'

/** The columns in the order the department writes them; 居住地址 is read by nobody here, as real exports carry more than a town needs. */
export const COLUMNS = ['身份证号', '姓名', '签约状态', '签约日期', '到期日期', '签约团队', '签约机构', '重点人群', '联系电话', '居住地址', '更新时间'] as const
export type Column = (typeof COLUMNS)[number]
export type ContractRow = Record<Column, string>

/** A resident the department knows: an 18-character ID number and a name; `town` (9 digits) and `birthDate` (`YYYY-MM-DD`) when known. */
export interface Person { idNumber: string, name: string, town?: string, birthDate?: string }
/** Who sits in a slot, when the demo says (a household resident); otherwise the department's own population. */
export type People = (slot: number) => Person | undefined

export interface DataOptions {
  seed: number
  /** The population rows cycle through. */
  residents: number
  rowsPerFile: number
  maxFilesPerDay: number
  /** Day 0's date, `YYYY-MM-DD`. */
  startDay: string
  people?: People | undefined
}

const STREAM = 0x6a747973 // 'jtys': unrelated to the other simulators' draws for the same seed
const SALT_PERSON = 31
const SALT_CONTRACT = 32
const SALT_DAY = 33
const SALT_REVISION = 100 // + revision

const seeded = (seed: number, index: number, salt: number): Rng => mulberry32(seedKey(seed, index, salt, STREAM))

const DAY_MS = 86_400_000
const BEIJING_MS = 8 * 3_600_000

/** The epoch milliseconds of a `YYYY-MM-DD` day's Beijing midnight. */
const midnight = (day: string): number => Date.parse(`${day}T00:00:00Z`) - BEIJING_MS

/** Day `d`'s date, `YYYYMMDD` as file names carry it. */
export function dayStamp (startDay: string, d: number): string {
  return new Date(midnight(startDay) + BEIJING_MS + d * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')
}

// ---------------------------------------------------------------------------------------------
// days and files

export interface PlannedFile {
  name: string
  /** Its first row number, and how many rows it holds. */
  from: number
  rows: number
}

/** How many files day `d` has. */
export function filesOnDay (opts: Pick<DataOptions, 'seed' | 'maxFilesPerDay'>, d: number): number {
  if (d === 0) return 1
  const r = seeded(opts.seed, d, SALT_DAY)
  return r() < 0.15 ? 0 : 1 + int(r, opts.maxFilesPerDay)
}

/** Day `d`'s files: `JTYSQY_{YYYYMMDD}_{seq}.csv` with seq from 001, and their row ranges. */
export function dayFiles (opts: Omit<DataOptions, 'residents' | 'people'>, d: number): PlannedFile[] {
  let from = 0
  for (let day = 0; day < d; day++) from += filesOnDay(opts, day) * opts.rowsPerFile
  return Array.from({ length: filesOnDay(opts, d) }, (_, i) => ({
    name: `JTYSQY_${dayStamp(opts.startDay, d)}_${pad(i + 1, 3)}.csv`,
    from: from + i * opts.rowsPerFile,
    rows: opts.rowsPerFile,
  }))
}

// ---------------------------------------------------------------------------------------------
// residents

const GBK_EXTENSION_NAMES = ['䶮', '堃', '喆', '昇', '祎', '玥', '珺', '赟']

/** Resident `slot` of the department's own population: born 1935-2024 across 常州. */
export function ownPerson (seed: number, slot: number): Person {
  const r = seeded(seed, slot, SALT_PERSON)
  // draws happen in a fixed order: do not reorder without accepting different data
  const county = pick(r, COUNTIES)
  const town = pick(r, county.towns)
  const birthplace = r() < 0.85 ? county.code : pick(r, OTHER_BIRTHPLACES)
  const born = new Date(Date.UTC(1935, 0, 1) + int(r, 90 * 365) * DAY_MS)
  const male = r() < 0.5
  const seq = int(r, 500) * 2 + (male ? 1 : 0)
  const given = r() < 0.04 ? pick(r, GBK_EXTENSION_NAMES) : givenName(r, male, born.getUTCFullYear())
  const first17 = `${birthplace}${born.getUTCFullYear()}${pad(born.getUTCMonth() + 1, 2)}${pad(born.getUTCDate(), 2)}${pad(seq, 3)}`
  return { idNumber: first17 + residentIdCheckChar(first17), name: weighted(r, SURNAMES) + given, town: town.code }
}

const TOWNS = new Map<string, Town>(COUNTIES.flatMap((c) => c.towns.map((t) => [t.code, t] as const)))

// ---------------------------------------------------------------------------------------------
// rows

/** What a correct pipeline stores for a row: the person's observations and the facet entry. */
export interface ContractFacts {
  idNumber: string
  name: string
  /** The resident's town (9 digits): their clinic's and address's. */
  town: string
  phone: string | undefined
  state: 'signed' | 'terminated' | 'expired'
  signedOn: string
  expiresOn: string
  /** As written, before a pipeline collapses line breaks. */
  team: string
  clinic: string
  keyGroups: string[]
  /** 更新时间 as an instant. */
  updatedAt: Date
}

const GROUP_NAMES: Readonly<Record<string, string>> = {
  elderly: '老年人', hypertension: '高血压', diabetes: '糖尿病', maternal: '孕产妇', child: '儿童', disabled: '残疾人', 'severe-mental-disorder': '严重精神障碍',
}
const TEAM_LEADS = ['王医生', '李医生', '张医生', '陈医生', '周医生', '徐医生', '顾医生', '钱医生']

const isoDay = (ms: number): string => new Date(ms + BEIJING_MS).toISOString().slice(0, 10)
/** `2026/1/5`, as about one row in three writes a date. */
const slashed = (iso: string): string => `${Number(iso.slice(0, 4))}/${Number(iso.slice(5, 7))}/${Number(iso.slice(8, 10))}`

/** The day a row belongs to, and its place among the day's rows: 更新时间 is that day from 01:00, a second per 50 rows. */
function dayOfRow (opts: Omit<DataOptions, 'residents' | 'people'>, g: number): { day: number, at: number } {
  let from = 0
  for (let d = 0; ; d++) {
    const rows = filesOnDay(opts, d) * opts.rowsPerFile
    if (g < from + rows) return { day: d, at: g - from }
    from += rows
  }
}

/** Row `g`'s facts: who, and the state of their contract in revision floor(g / residents). */
export function contractFacts (opts: DataOptions, g: number, day = dayOfRow(opts, g)): ContractFacts {
  const slot = g % opts.residents
  const revision = Math.floor(g / opts.residents)
  const given = opts.people?.(slot)
  const own = given === undefined
  const person = given ?? ownPerson(opts.seed, slot)
  const town = TOWNS.get(person.town ?? '') ?? TOWNS.get('320412120')!
  const r = seeded(opts.seed, slot, SALT_CONTRACT)
  const birthDate = person.birthDate ?? `${person.idNumber.slice(6, 10)}-${person.idNumber.slice(10, 12)}-${person.idNumber.slice(12, 14)}`
  const female = Number(person.idNumber[16]) % 2 === 0
  const clinic = town.street ? `${town.name}社区卫生服务中心` : `常州市${town.name}卫生院`
  const teamNo = 1 + int(r, 6)
  const lead = pick(r, TEAM_LEADS)
  const teamStyle = r()
  const team = teamStyle < 0.05
    ? `${town.name}家庭医生\r\n第${teamNo}团队` // a line break inside the quotes
    : teamStyle < 0.09 ? `"${lead}"团队（${town.name}）` : `${lead}家庭医生团队第${teamNo}组`
  const groups: string[] = []
  const now = midnight(opts.startDay) + day.day * DAY_MS
  const today = isoDay(now)
  // whole years on the row's day: a birthday later in the year does not count yet
  const age = Number(today.slice(0, 4)) - Number(birthDate.slice(0, 4)) - (today.slice(5) < birthDate.slice(5) ? 1 : 0)
  if (age >= 65) groups.push('elderly')
  if (age >= 30 && r() < 0.2) groups.push('hypertension')
  if (age >= 30 && r() < 0.1) groups.push('diabetes')
  if (female && age >= 20 && age <= 45 && r() < 0.08) groups.push('maternal')
  if (age < 7) groups.push('child')
  if (r() < 0.03) groups.push('disabled')
  if (r() < 0.01) groups.push('severe-mental-disorder')
  const drawn = r() < 0.07 ? undefined : mobilePhone(r)
  // A household resident's phone stays empty: the household register's changes with every message
  // the demo sends, and a second department's would open a conflict on nearly every resident.
  const phone = own ? drawn : undefined

  const v = seeded(opts.seed, slot, SALT_REVISION + revision)
  // signed within the last 700 days, and not before the day after birth
  const daysAlive = Math.round((now - midnight(birthDate)) / DAY_MS)
  const signed = now - (1 + int(v, Math.max(1, Math.min(700, daysAlive - 1)))) * DAY_MS
  const expires = signed + 365 * DAY_MS
  const state = expires <= now ? 'expired' : v() < 0.05 ? 'terminated' : 'signed'
  return {
    idNumber: person.idNumber,
    name: person.name,
    town: town.code,
    phone,
    state,
    signedOn: isoDay(signed),
    expiresOn: isoDay(expires),
    team,
    clinic,
    keyGroups: groups,
    updatedAt: new Date(now + 3_600_000 + Math.floor(day.at / 50) * 1000),
  }
}

const STATE_TEXT = { signed: '已签约', terminated: '已解约', expired: '已到期' } as const

/** Beijing `YYYY-MM-DD HH:mm:ss`. */
const beijingTime = (at: Date): string => new Date(at.getTime() + BEIJING_MS).toISOString().slice(0, 19).replace('T', ' ')

/** Row `g` as the department writes its columns. */
export function contractRow (opts: DataOptions, g: number, day = dayOfRow(opts, g)): ContractRow {
  const f = contractFacts(opts, g, day)
  const r = seeded(opts.seed, g, SALT_REVISION - 1)
  const dates = r() < 0.35 ? slashed : (iso: string) => iso
  const town = TOWNS.get(f.town)!
  const place = town.street ? `${pick(r, ROADS)}${1 + int(r, 300)}号${pick(r, ESTATES)}` : `${pick(r, VILLAGES)}${1 + int(r, 120)}号`
  const style = r()
  // addresses as clerks typed them: a second line, a comma, a quoted remark
  const address = style < 0.05 ? `${town.name}${place}\n（东侧）` : style < 0.08 ? `${town.name}${place},后院` : style < 0.1 ? `${town.name}${place}"老屋"` : `${town.name}${place}`
  return {
    身份证号: f.idNumber,
    姓名: f.name,
    签约状态: STATE_TEXT[f.state],
    签约日期: dates(f.signedOn),
    到期日期: dates(f.expiresOn),
    签约团队: f.team,
    签约机构: f.clinic,
    重点人群: f.keyGroups.map((k) => GROUP_NAMES[k]!).join('、'),
    联系电话: f.phone ?? '',
    居住地址: address,
    更新时间: beijingTime(f.updatedAt),
  }
}

const quoted = (value: string): string => /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value

/** One CSV record, RFC 4180 quoting, without its line end. */
export const csvLine = (values: readonly string[]): string => values.map(quoted).join(',')

/** Rows a chunk of `fileChunks` holds after the header chunk. */
export const ROWS_PER_CHUNK = 2000

/**
 * A file's bytes as they are written: GB18030, CRLF, the header first, then its rows a block at a
 * time (constant memory for any size). `rows` may be fewer than the file's: a truncated upload.
 */
export async function * fileChunks (opts: DataOptions, file: PlannedFile): AsyncGenerator<Buffer> {
  yield encodeText(`${COLUMNS.join(',')}\r\n`, 'gb18030')
  const day = dayOfRow(opts, file.from)
  let lines: string[] = []
  for (let i = 0; i < file.rows; i++) {
    const row = contractRow(opts, file.from + i, { day: day.day, at: day.at + i })
    lines.push(csvLine(COLUMNS.map((c) => row[c])))
    if (lines.length === ROWS_PER_CHUNK) { yield encodeText(`${lines.join('\r\n')}\r\n`, 'gb18030'); lines = [] }
  }
  if (lines.length > 0) yield encodeText(`${lines.join('\r\n')}\r\n`, 'gb18030')
}
