// Legal deadline computation on one core: deadlines per second for typical inputs (20 working days
// from an acceptance instant, 0–2 pauses, now and then an extension), each with its explanation.
// Floor: the same number of iterations doing the least any deadline of these inputs needs: read
// its instants (Date.parse of the start and of each pause's ends) and the 20th working day after
// the start from the day index (two array reads, also measured alone for scale).
// Goal (issue 13): ≥ 100,000 deadlines/s.
// Run: npm run bench:deadlines
import { loadCalendar } from '../src/calendar/calendar.ts'
import { computeDeadline, type DeadlineInput } from '../src/calendar/deadline.ts'
import { parseDate } from '../src/calendar/days.ts'
import { ownPeakRssMb, report } from './report.ts'
import { medianRate, sink } from './rate.ts'

const calendar = loadCalendar()

// ---------------------------------------------------------------------------------------------
// inputs: deterministic; start days from 2025-01-01 to 2026-10-31, so that every limit stays
// inside the covered years

let state = 0x1f2e3d4c
function rand (): number {
  state = (state + 0x6d2b79f5) >>> 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (n: number): number => Math.floor(rand() * n)
const pad = (n: number): string => String(n).padStart(2, '0')

const FIRST = Date.UTC(2025, 0, 1)
const DAYS = 669 // to 2026-10-31
const instant = (dayOffset: number): string => {
  const d = new Date(FIRST + dayOffset * 86_400_000)
  return `${d.toISOString().slice(0, 10)}T${pad(8 + int(9))}:${pad(int(60))}:${pad(int(60))}+08:00`
}

function input (): DeadlineInput {
  const day = int(DAYS)
  const roll = rand()
  const pauses = roll < 0.5
    ? []
    : roll < 0.85
      ? [{ from: instant(day + 2 + int(5)), to: instant(day + 8 + int(6)), reason: '补正' }]
      : [{ from: instant(day + 1 + int(3)), to: instant(day + 5 + int(3)), reason: '补正' }, { from: instant(day + 10 + int(4)), to: rand() < 0.3 ? null : instant(day + 16 + int(8)), reason: '特别程序' }]
  return {
    start: instant(day),
    limit: { amount: 20, unit: 'working-days' },
    pauses,
    ...(rand() < 0.1 ? { extension: { amount: 10, unit: 'working-days' as const } } : {}),
  }
}

const SIZE = 1 << 14
const inputs: DeadlineInput[] = Array.from({ length: SIZE }, input)
const ix = calendar.index
const startPositions = Int32Array.from(inputs, (i) => parseDate(i.start.slice(0, 10))! - ix.base)

// ---------------------------------------------------------------------------------------------

function measure (label: string, body: (i: number) => number): number {
  const median = medianRate(body, SIZE, { warmUp: 100_000, batch: 1_000 })
  console.log(`${label.padEnd(60)} ${Math.round(median).toLocaleString('en-US').padStart(12)} /s`)
  return median
}

console.log(`node ${process.version}, ${process.arch}, one core; median of 5 rounds of 0.3 s; calendar ${calendar.years.join(', ')}`)
const now = measure('computeDeadline (20 working days, 0–2 pauses, explained)', (i) => {
  const d = computeDeadline(calendar, inputs[i]!)
  return d.explain.spans.length
})
const reads = measure('the 20th working day by two array reads alone', (i) => {
  const s = startPositions[i]!
  return ix.dates[ix.working[ix.workingBefore[s + 1]! + 19]!]!.length
})
const floor = measure('floor: the input\'s instants read (Date.parse), then those reads', (i) => {
  const input = inputs[i]!
  const startMs = Date.parse(input.start)
  let pauseMs = 0
  for (const p of input.pauses!) pauseMs += Date.parse(p.from) + (p.to === null ? 0 : Date.parse(p.to))
  const s = Math.floor((startMs + 28_800_000) / 86_400_000) - ix.base
  return ix.dates[ix.working[ix.workingBefore[s + 1]! + 19]!]!.length + (pauseMs > 0 ? 1 : 0)
})
if (sink === 42) console.log('') // keep the results observable
const goal = 100_000
console.log(`ratio ${(now / floor).toFixed(3)} of the floor (${(now / reads).toFixed(4)} of the bare reads)`)
report({ bench: 'deadlines', figure: 'deadline computation', unit: 'deadlines/s', goal: `≥ ${goal.toLocaleString('en-US')}`, now: Math.round(now), floor: Math.round(floor), ratio: Number((now / floor).toFixed(3)), met: now >= goal, rssMb: ownPeakRssMb() })
