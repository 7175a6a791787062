// `npm run bench` (bench/all.ts): the benches read from package.json's scripts, their summary lines
// gathered into one table with failed rows for benches that crashed or said nothing — on canned
// output — and one real run of the fastest bench through it.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { fromRoot } from '../src/paths.ts'
import { report, SUMMARY_PREFIX, type Figure } from '../bench/report.ts'
import { benchesOf, select } from '../bench/suite.ts'
import { allRan, formatNumber, parseSummary, renderMarkdown, renderText, rowsOf, type BenchRun } from '../bench/table.ts'
import { tempDir } from './helpers.ts'

const run = promisify(execFile)

const pull: Figure = { bench: 'pull-sync', figure: 'pull, PostgreSQL, 1,000,000 records', unit: 'records/s', goal: '≥ 20,000', now: 7012.4, floor: 41_250, ratio: 0.17, met: false, rssMb: 412 }
const summaryLine = (f: Figure): string => {
  const printed: string[] = []
  const log = console.log
  console.log = (line: string) => { printed.push(line) }
  try { report(f) } finally { console.log = log }
  return printed[0]!
}

t.test('a summary line is the one report() prints; any other line is none', async (t) => {
  t.same(parseSummary(summaryLine(pull)), pull)
  t.equal(parseSummary('pull   (fetch + map + normalise + unify)     7,012 records/s'), undefined)
  t.equal(parseSummary(`${SUMMARY_PREFIX}{not json`), undefined, 'a broken line is not a figure')
  t.equal(parseSummary(`${SUMMARY_PREFIX}{"bench":"x"}`), undefined, 'nor one without figure and now')
  t.same(parseSummary(`${SUMMARY_PREFIX}{"bench":"x","figure":"y","now":3}`), { bench: 'x', figure: 'y', unit: '', goal: '—', now: 3 }, 'no goal reads as —')
})

t.test('numbers: grouped from 100 up, three significant digits below', async (t) => {
  t.equal(formatNumber(1_234_567.8), '1,234,568')
  t.equal(formatNumber(100), '100')
  t.equal(formatNumber(16.94), '16.9')
  t.equal(formatNumber(0.4523), '0.452')
  t.equal(formatNumber(8), '8')
})

t.test('one row per figure; a crashed or silent bench is a failed row with its exit, and the others still count', async (t) => {
  const runs: BenchRun[] = [
    { bench: 'pull-sync', exit: 0, figures: [pull] },
    { bench: 'drain', exit: 1, figures: [], peakRssMb: 187.4 },
    { bench: 'portal', exit: 0, figures: [] },
    { bench: 'file-import', exit: 'SIGKILL', figures: [{ bench: 'file-import', figure: 'import, 200,000 rows, PostgreSQL', unit: 'rows/s', goal: '≥ 20,000', now: 21_000, met: true }] },
    { bench: 'audit', exit: 0, figures: [{ bench: 'audit', figure: 'verify', unit: 'rows/s', goal: '—', now: 49_337 }] },
  ]
  t.same(rowsOf(runs), [
    { bench: 'pull-sync', figure: 'pull, PostgreSQL, 1,000,000 records', goal: '≥ 20,000', now: '7,012 records/s', floor: '41,250', ratio: '0.17', met: '✗', rssMb: '412' },
    { bench: 'drain', figure: 'failed: no summary line (exit 1)', goal: '', now: '', floor: '', ratio: '', met: '✗', rssMb: '187' },
    { bench: 'portal', figure: 'failed: no summary line (exit 0)', goal: '', now: '', floor: '', ratio: '', met: '✗', rssMb: '' },
    { bench: 'file-import', figure: 'import, 200,000 rows, PostgreSQL', goal: '≥ 20,000', now: '21,000 rows/s', floor: '—', ratio: '—', met: '✓', rssMb: '—' },
    { bench: 'file-import', figure: 'failed: killed by SIGKILL', goal: '', now: '', floor: '', ratio: '', met: '✗', rssMb: '' },
    { bench: 'audit', figure: 'verify', goal: '—', now: '49,337 rows/s', floor: '—', ratio: '—', met: '—', rssMb: '—' },
  ])
  t.notOk(allRan(runs))
  t.ok(allRan([runs[0]!, runs[4]!]), 'goals unmet is not a failed run')
})

t.test('the table as aligned text and as markdown', async (t) => {
  const rows = rowsOf([{ bench: 'pull-sync', exit: 0, figures: [pull] }, { bench: 'drain', exit: 1, figures: [] }])
  const text = renderText(rows).split('\n')
  t.equal(text.length, 4)
  t.match(text[0], /^bench\s+figure\s+goal\s+now\s+floor\s+ratio\s+met\s+peak RSS MB$/)
  t.match(text[1], /^-+( +-+){7}$/)
  t.match(text[2], /^pull-sync  pull, PostgreSQL, 1,000,000 records  ≥ 20,000  7,012 records\/s  41,250 +0\.17  ✗ +412$/)
  t.match(text[3], /^drain +failed: no summary line \(exit 1\) +✗$/)
  t.equal(new Set(text.slice(0, 3).map((l) => l.length)).size, 1, 'the columns line up')
  t.equal(renderMarkdown(rows), [
    '| bench | figure | goal | now | floor | ratio | met | peak RSS MB |',
    '|---|---|---|---:|---:|---:|---|---:|',
    '| pull-sync | pull, PostgreSQL, 1,000,000 records | ≥ 20,000 | 7,012 records/s | 41,250 | 0.17 | ✗ | 412 |',
    '| drain | failed: no summary line (exit 1) |  |  |  |  | ✗ |  |',
  ].join('\n'))
  t.match(renderMarkdown(rowsOf([{ bench: 'x', exit: 0, figures: [{ ...pull, figure: 'a | b' }] }])), /\| a \\\| b \|/, 'a pipe in a cell is escaped')
})

t.test('the benches are the bench:* scripts, run with their own node flags', async (t) => {
  const benches = benchesOf({
    test: 'tap',
    bench: 'node --import tsx bench/all.ts',
    'bench:pull-sync': 'node --import tsx bench/pull-sync.ts',
    'bench:file-import': 'node --max-old-space-size=128 --import tsx bench/file-import.ts',
  })
  t.same(benches, [
    { name: 'pull-sync', nodeArgs: ['--import', 'tsx', 'bench/pull-sync.ts'] },
    { name: 'file-import', nodeArgs: ['--max-old-space-size=128', '--import', 'tsx', 'bench/file-import.ts'] },
  ])
  t.same(select(benches, []), benches, 'all of them when none is named')
  t.same(select(benches, ['file-import', 'pull-sync']).map((b) => b.name), ['file-import', 'pull-sync'], 'those named, in the order named')
  t.throws(() => select(benches, ['drian']), /no bench 'drian'; the benches: pull-sync, file-import/)
  t.throws(() => benchesOf({ 'bench:x': 'tsx bench/x.ts' }), /bench:x must be a plain 'node/)
  t.throws(() => benchesOf({ 'bench:x': 'node bench/x.ts && rm -rf /' }), /bench:x must be a plain 'node/)

  const { scripts } = JSON.parse(await readFile(fromRoot('package.json'), 'utf8')) as { scripts: Record<string, string> }
  const ours = benchesOf(scripts).map((b) => b.name)
  for (const name of ['webhook-ingest', 'pull-sync', 'portal', 'declarative', 'file-import', 'normalize', 'audit']) t.ok(ours.includes(name), `package.json runs ${name}`)
})

t.test('npm run bench -- normalize: the bench runs, its output streams, its figures make the table and the markdown', async (t) => {
  const markdown = join(await tempDir(t), 'bench.md')
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fromRoot('bench', 'all.ts'), 'normalize', '--markdown', markdown], { cwd: fromRoot(), maxBuffer: 1 << 20 })
  t.match(stdout, /household record \(8 normalisers\) +[\d,]+ records\/s/, 'the bench\'s own lines stream through')
  t.match(stdout, /\nbench +figure +goal +now +floor +ratio +met +peak RSS MB\n/)
  const rows = (await readFile(markdown, 'utf8')).trim().split('\n').slice(2)
  t.equal(rows.length, 3)
  for (const row of rows) t.match(row, /^\| normalize \| .+ \| ≥ [\d,]+ \| [\d,]+ (IDs|records)\/s \| — \| — \| [✓✗] \| \d+ \|$/)
})

t.test('an unknown bench is refused before anything runs', async (t) => {
  const failed = await run(process.execPath, ['--import', 'tsx', fromRoot('bench', 'all.ts'), 'no-such-bench'], { cwd: fromRoot() }).then(() => undefined, (err: unknown) => err as { code: number, stderr: string })
  t.equal(failed?.code, 2)
  t.match(failed?.stderr, /no bench 'no-such-bench'; the benches: .*normalize/)
})
