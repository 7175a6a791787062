// npm run bench [-- <bench> ...] [--markdown <file>]: every bench (or those named) in sequence,
// each in its own process exactly as its `bench:<name>` script runs it, output streamed as it
// comes; then one table of every figure — goal, now, floor, ratio, met, peak RSS — with a failed
// row for a bench that crashed or printed no summary line. Environment passes through
// (BENCH_RECORDS, DATABASE_URL, REDIS_URL, …). Exits 1 when a bench failed, not when a goal is unmet.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { peakRssMbOf } from './report.ts'
import { benchesOf, select, type Bench } from './suite.ts'
import { allRan, parseSummary, renderMarkdown, renderText, rowsOf, type BenchRun } from './table.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }

let benches: Bench[]
let markdown: string | undefined
try {
  const { values, positionals } = parseArgs({ options: { markdown: { type: 'string' } }, allowPositionals: true })
  markdown = values.markdown
  benches = select(benchesOf(scripts), positionals)
} catch (err) {
  console.error((err as Error).message)
  process.exit(2)
}

async function run (bench: Bench): Promise<BenchRun> {
  const started = performance.now()
  console.log(`\n=== ${bench.name}: node ${bench.nodeArgs.join(' ')}`)
  const child = spawn(process.execPath, bench.nodeArgs, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  const result: BenchRun = { bench: bench.name, exit: 0, figures: [] }
  // The bench process's own peak, watched from outside: what a failed row can still tell.
  const watch = setInterval(() => { result.peakRssMb = peakRssMbOf(child.pid!) ?? result.peakRssMb }, 500)
  const lines = createInterface({ input: child.stdout! })
  lines.on('line', (line) => {
    console.log(line)
    const figure = parseSummary(line)
    if (figure) result.figures.push(figure)
  })
  const [code, signal] = await once(child, 'close') as [number | null, NodeJS.Signals | null]
  clearInterval(watch)
  result.exit = code ?? signal ?? 1
  console.log(`=== ${bench.name}: ${typeof result.exit === 'number' ? `exit ${result.exit}` : `killed by ${result.exit}`} after ${((performance.now() - started) / 1000).toFixed(0)} s`)
  return result
}

const runs: BenchRun[] = []
for (const bench of benches) runs.push(await run(bench))

const rows = rowsOf(runs)
console.log(`\n${renderText(rows)}`)
if (markdown !== undefined) {
  writeFileSync(markdown, `${renderMarkdown(rows)}\n`)
  console.log(`\n(markdown table written to ${markdown})`)
}
process.exitCode = allRan(runs) ? 0 : 1
