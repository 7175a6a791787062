// The one table `npm run bench` (bench/all.ts) prints: every bench's summary lines (bench/report.ts)
// gathered into rows, a failed row for a bench that crashed or said nothing, rendered as text for
// the terminal and as markdown for notes. Pure: no processes, no files.
import { SUMMARY_PREFIX, type Figure } from './report.ts'

/** What one bench's run left behind. */
export interface BenchRun {
  bench: string
  /** Exit code, or the signal that ended it. */
  exit: number | NodeJS.Signals
  /** Its summary lines, parsed. */
  figures: Figure[]
  /** Peak RSS of the bench process as last seen from outside, in MB (shown on a failed row only). */
  peakRssMb?: number
}

export interface Row {
  bench: string
  figure: string
  goal: string
  now: string
  floor: string
  ratio: string
  met: string
  rssMb: string
}

/** The figure a summary line carries; undefined for any other line (or a summary line that does not parse). */
export function parseSummary (line: string): Figure | undefined {
  if (!line.startsWith(SUMMARY_PREFIX)) return undefined
  try {
    const figure = JSON.parse(line.slice(SUMMARY_PREFIX.length)) as Partial<Figure>
    if (typeof figure.bench !== 'string' || typeof figure.figure !== 'string' || typeof figure.now !== 'number') return undefined
    return { unit: '', goal: '—', ...figure } as Figure
  } catch {
    return undefined
  }
}

/** 12,345 from 100 up; three significant digits below (16.9, 0.452). */
export function formatNumber (n: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US')
  return String(Number(n.toPrecision(3)))
}

const exitText = (exit: BenchRun['exit']): string => typeof exit === 'number' ? `exit ${exit}` : `killed by ${exit}`

/** One row per figure; a bench that failed also gets a failed row, one with no figures a row saying so. */
export function rowsOf (runs: BenchRun[]): Row[] {
  const rows: Row[] = []
  for (const run of runs) {
    for (const f of run.figures) {
      rows.push({
        bench: run.bench,
        figure: f.figure,
        goal: f.goal,
        now: `${formatNumber(f.now)}${f.unit ? ` ${f.unit}` : ''}`,
        floor: f.floor === undefined ? '—' : formatNumber(f.floor),
        ratio: f.ratio === undefined ? '—' : f.ratio.toFixed(2),
        met: f.met === undefined ? '—' : f.met ? '✓' : '✗',
        rssMb: f.rssMb === undefined ? '—' : formatNumber(f.rssMb),
      })
    }
    const failed = run.exit !== 0 || run.figures.length === 0
    if (failed) {
      const why = run.figures.length === 0 ? `failed: no summary line (${exitText(run.exit)})` : `failed: ${exitText(run.exit)}`
      rows.push({ bench: run.bench, figure: why, goal: '', now: '', floor: '', ratio: '', met: '✗', rssMb: run.peakRssMb === undefined ? '' : formatNumber(run.peakRssMb) })
    }
  }
  return rows
}

/** Whether every bench ran to the end and reported (goals met or not). */
export const allRan = (runs: BenchRun[]): boolean => runs.every((r) => r.exit === 0 && r.figures.length > 0)

const HEADINGS: Row = { bench: 'bench', figure: 'figure', goal: 'goal', now: 'now', floor: 'floor', ratio: 'ratio', met: 'met', rssMb: 'peak RSS MB' }
const COLUMNS = Object.keys(HEADINGS) as Array<keyof Row>
const RIGHT = new Set<keyof Row>(['now', 'floor', 'ratio', 'rssMb'])

/** The rows as an aligned plain-text table. */
export function renderText (rows: Row[]): string {
  const all = [HEADINGS, ...rows]
  const width = Object.fromEntries(COLUMNS.map((c) => [c, Math.max(...all.map((r) => r[c].length))])) as Record<keyof Row, number>
  const line = (r: Row): string => COLUMNS.map((c) => RIGHT.has(c) ? r[c].padStart(width[c]) : r[c].padEnd(width[c])).join('  ').trimEnd()
  const rule = COLUMNS.map((c) => '-'.repeat(width[c])).join('  ')
  return [line(HEADINGS), rule, ...rows.map(line)].join('\n')
}

/** The rows as a markdown table, to paste into notes. */
export function renderMarkdown (rows: Row[]): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|')
  const line = (r: Row): string => `| ${COLUMNS.map((c) => cell(r[c])).join(' | ')} |`
  const rule = `|${COLUMNS.map((c) => RIGHT.has(c) ? '---:' : '---').join('|')}|`
  return [line(HEADINGS), rule, ...rows.map(line)].join('\n')
}
