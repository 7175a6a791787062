// bench/declarative: what the adapter kit's declarative helpers cost against the same work written
// by hand. One market-regulation answer page of 500 rows is checked (business code), its list
// selected, each row made a raw record (sourceId template, observedAt in Beijing time), the cursor
// advanced and the page mapped — once through the kit (the adapter as it ships), once through code
// written for this department alone (the floor). Rounds alternate so both see the same machine.
//   npm run bench:declarative   (BENCH_ROUNDS optional)
import { mapBatch } from '../src/pipeline/map.ts'
import type { RawRecord } from '../src/model/intake.ts'
import { isRealDate } from '../src/normalize/calendar.ts'
import market, { Cursor, EPOCH, fetchEnterprises } from '../adapters/market-regulation/adapter.ts'
import { enterprisesBetween, type EnterpriseRow } from '../adapters/market-regulation/data.ts'
import type { DepartmentHttp } from '../src/adapter-sdk/index.ts'
import { ownPeakRssMb, report } from './report.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20)
const PAGES_PER_ROUND = 40
const PAGE = 500

const pages = Array.from({ length: PAGES_PER_ROUND }, (_, i) => {
  const list = enterprisesBetween(1, i * PAGE, (i + 1) * PAGE)
  return JSON.stringify({ code: '0000', msg: 'ok', data: { total: 1_000_000, pageNo: 1, pageSize: PAGE, list } })
})

/** A department client answering from memory: both paths parse the same JSON text. */
function httpFor (body: string): DepartmentHttp {
  return { baseUrl: 'http://department.invalid', request: async () => { throw new Error('unused') }, json: async <T>() => JSON.parse(body) as T }
}

const startCursor: Cursor = { updatedAfter: EPOCH, pageNo: 1, maxGxsj: null }

/** Whether a round also maps the page (the whole in-process path) or stops at raw records (the helpers alone). */
let mapping = true
const mapped = (records: RawRecord[]): number => mapping ? mapBatch(market, records).records.length : records.length

async function declarative (body: string): Promise<number> {
  const page = await fetchEnterprises({ http: httpFor(body), cursor: startCursor, pageSize: PAGE })
  return mapped(page.records) + (page.done ? 1 : 0)
}

// The same steps for this one department, by hand.
const GXSJ = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/
const BEIJING_MS = 8 * 3600_000
/** GXSJ as an instant, checked as the kit checks it: a real date and time, or undefined. */
function gxsjMs (text: string): number | undefined {
  const m = GXSJ.exec(text)
  if (m === null) return undefined
  const [y, mo, d, h, mi, s] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!]
  if (y < 1000 || !isRealDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined
  return Date.UTC(y, mo - 1, d, h, mi, s) - BEIJING_MS
}
function formatGxsj (ms: number): string {
  return new Date(ms + BEIJING_MS).toISOString().replace(/\D/g, '').slice(0, 14)
}
async function handWritten (body: string): Promise<number> {
  const answer = await httpFor(body).json<{ code: string, msg: string, data: { pageSize: number, list: EnterpriseRow[] } }>({ path: '/api/v2/enterprises' })
  if (answer.code !== '0000') throw new Error(`business code ${answer.code}`)
  const list = answer.data.list
  if (!Array.isArray(list)) throw new Error('no list')
  const receivedAt = new Date()
  const records: RawRecord[] = []
  let newest = -Infinity
  for (const row of list) {
    const at = gxsjMs(row.GXSJ)
    const record: RawRecord = { sourceId: `${row.TYSHXYDM.trim()}@${row.GXSJ.trim()}`, observedAt: at === undefined ? receivedAt : new Date(at), fields: row as unknown as Record<string, unknown> }
    if (at === undefined) record.reject = { code: 'TB_DATE_INVALID', message: 'GXSJ' }
    else if (at > newest) newest = at
    records.push(record)
  }
  const done = records.length < PAGE
  const next = newest === -Infinity ? EPOCH : formatGxsj(newest - 1000)
  return mapped(records) + (done ? 1 : 0) + (next.length > 0 ? 0 : 1)
}

async function round (fn: (body: string) => Promise<number>): Promise<number> {
  const start = process.hrtime.bigint()
  let sink = 0
  for (const body of pages) sink += await fn(body)
  if (sink === 0) throw new Error('nothing mapped')
  return Number(process.hrtime.bigint() - start) / 1e6
}

// The fastest round: on a busy machine the least disturbed one is the truest figure of the work.
const fastest = (xs: number[]): number => Math.min(...xs)
const rows = PAGES_PER_ROUND * PAGE

/** The adapter kit's issue: its declarative paths cost at most 5 % against hand-written ones. */
const MAX_COST = 0.05

async function compare (label: string, figure: string): Promise<void> {
  for (let i = 0; i < 3; i++) { await round(declarative); await round(handWritten) } // warm up both
  const kit: number[] = []
  const floor: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) { kit.push(await round(declarative)); floor.push(await round(handWritten)) } else { floor.push(await round(handWritten)); kit.push(await round(declarative)) }
  }
  const kitRate = rows / fastest(kit) * 1000
  const floorRate = rows / fastest(floor) * 1000
  console.log(`${label}`)
  console.log(`  kit (declarative helpers): ${Math.round(kitRate).toLocaleString()} rows/s`)
  console.log(`  floor (hand-written):      ${Math.round(floorRate).toLocaleString()} rows/s`)
  console.log(`  ratio kit/floor: ${(kitRate / floorRate).toFixed(3)}  (cost of the kit: ${((floorRate / kitRate - 1) * 100).toFixed(1)} %, goal ≤ 5 %)`)
  report({
    bench: 'declarative', figure, unit: 'rows/s', goal: 'kit cost ≤ 5 %', now: Math.round(kitRate), floor: Math.round(floorRate),
    ratio: kitRate / floorRate, met: floorRate / kitRate - 1 <= MAX_COST, rssMb: ownPeakRssMb(),
  })
}

console.log(`declarative: ${PAGES_PER_ROUND} pages of ${PAGE} rows per round, ${ROUNDS} rounds each, node ${process.version}`)
await compare('page to mapped records (what a pull does in process):', 'kit, page → mapped records')
mapping = false
await compare('page to raw records (the helpers alone, mapping left out):', 'kit, page → raw records')
