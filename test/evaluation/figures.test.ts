// The evaluation's figures from hand-made event histories (in time, late, returned, extended,
// reopened, never answered, not yet opened, another month, another town) on PGlite and
// PostgreSQL; the formulas table; the CSV for Excel.
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { stores } from '../helpers.ts'
import { departmentCounts, hotlineCounts } from '../../src/store/evaluation.ts'
import { evaluate, evaluateHotline, evaluationCsv, periodOf } from '../../src/evaluation/evaluate.ts'
import { DEPARTMENT_FIGURES, HOTLINE_FIGURES, formulaOf } from '../../src/evaluation/formulas.ts'
import { EXPECTED_HOTLINE_NOVEMBER, EXPECTED_NOVEMBER, seedOrders, seedWhistles } from './histories.ts'

const TOWN_PREFIX = '320412120'
const COUNTY_PREFIX = '320412'

for (const [storeName, open] of Object.entries(stores)) {
  t.test(storeName, async (t) => {
    const { db } = await open(t)
    await seedWhistles(db)
    await seedOrders(db)

    t.test('departments per month and for the period, from the events alone', async (t) => {
      const rows = await departmentCounts(db, periodOf(TOWN_PREFIX, '2026-11', '2026-12'))
      const of = (month: string | null, department: string): unknown => {
        const row = rows.find((r) => r.month === month && r.department === department)
        if (!row) return undefined
        const { month: _m, department: _d, ...counts } = row
        return counts
      }
      for (const [code, expected] of Object.entries(EXPECTED_NOVEMBER)) t.same(of('2026-11', code), expected, `November, department ${code}`)
      t.same(of('2026-12', 'a'), { whistled: 1, respondedInTime: 1, arrivedInTime: 0, arrived: 0, arriveHours: 0, done: 0, doneInTime: 0, returned: 0, rated: 0, ratingSum: 0 }, 'December, department a')
      t.match(of(null, 'a'), { whistled: 8, respondedInTime: 4, done: 4 }, 'the period total of a: both months')
      t.equal(rows.filter((r) => r.month === '2026-10').length, 0, 'the whistle blown on 31 October but opened on 1 November counts in November')
    })

    t.test('a period of one month, and the county', async (t) => {
      const december = await departmentCounts(db, periodOf(TOWN_PREFIX, '2026-12', '2026-12'))
      t.same(december.map((r) => [r.month, r.department, r.whistled]), [['2026-12', 'a', 1], [null, 'a', 1]])
      const county = await departmentCounts(db, periodOf(COUNTY_PREFIX, '2026-11', '2026-11'))
      t.match(county.find((r) => r.month === '2026-11' && r.department === 'a'), { whistled: 8, respondedInTime: 4 }, 'the other town\'s whistle too')
      t.same(await departmentCounts(db, periodOf(TOWN_PREFIX, '2025-01', '2025-12')), [], 'no whistles: no rows')
    })

    t.test('figures with numerator, denominator and formula', async (t) => {
      const e = await evaluate(db, { prefix: TOWN_PREFIX, from: '2026-11', to: '2026-11', names: new Map([['a', '区城管局']]), lang: 'zh' })
      const a = e.rows.find((r) => r.department === 'a')!
      t.equal(a.departmentName, '区城管局')
      const fig = (key: string) => a.figures.find((f) => f.key === key)!
      t.match(fig('responseRate'), { numerator: 3, denominator: 7, formula: '响应率 = 在响应时限内响应的部门次数 ÷ 被吹哨的部门次数' })
      t.equal(fig('responseRate').value, 3 / 7)
      t.match(fig('arrivalHours'), { value: 5.5, numerator: 11, denominator: 2 })
      t.match(fig('onTimeFinishRate'), { numerator: 3, denominator: 7 })
      t.match(fig('satisfaction'), { value: 4, numerator: 16, denominator: 4 })
      const c = e.rows.find((r) => r.department === 'c')!
      t.equal(c.figures.find((f) => f.key === 'satisfaction')!.value, null, 'no closed whistle: no satisfaction, not zero')
      t.equal(c.departmentName, 'c', 'a department not configured is shown by its code')
    })

    t.test('the hotline 三率 per month and town', async (t) => {
      const rows = await hotlineCounts(db, periodOf(TOWN_PREFIX, '2026-11', '2026-12'))
      t.same(rows.filter((r) => r.month === '2026-11' && r.town === '320412120000').map(({ month: _m, town: _t, ...c }) => c), [EXPECTED_HOTLINE_NOVEMBER])
      t.match(rows.find((r) => r.month === '2026-12' && r.town === null), { dispatched: 1, signedInTime: 1, revisited: 0 })
      const county = await hotlineCounts(db, periodOf(COUNTY_PREFIX, '2026-11', '2026-11'))
      t.match(county.find((r) => r.town === null), { dispatched: 4, signedInTime: 2 }, 'the county: both towns together')
      const figures = await evaluateHotline(db, { prefix: TOWN_PREFIX, from: '2026-11', to: '2026-11', lang: 'en' })
      const total = figures.find((r) => r.town === null)!
      t.same(total.figures.map((f) => [f.key, f.numerator, f.denominator]), [['hotlineResponseRate', 1, 3], ['hotlineSolvedRate', 2, 2], ['hotlineSatisfiedRate', 2, 2]])
    })

    t.test('the CSV opens in Excel: BOM, header, rows, formulas', async (t) => {
      const e = await evaluate(db, { prefix: TOWN_PREFIX, from: '2026-11', to: '2026-12', names: new Map([['a', '区城管局']]), lang: 'zh' })
      const csv = evaluationCsv(e, 'zh')
      t.ok(csv.startsWith('\uFEFF月份,部门代码,部门,响应率,响应率 分子,响应率 分母,'), 'BOM, then the Chinese header')
      const lines = csv.slice(1).split('\r\n')
      t.ok(lines.includes('2026-11,a,区城管局,42.9%,3,7,14.3%,1,7,5.50,11,2,57.1%,4,7,42.9%,3,7,14.3%,1,7,4.00,16,4'), 'November of 区城管局')
      t.ok(lines.some((l) => l.startsWith('合计,a,区城管局,')), 'the period total')
      for (const def of DEPARTMENT_FIGURES) t.ok(lines.includes(`${def.name.zh},${formulaOf(def as never, 'zh')}`), `the formula of ${def.key}`)
    })
  })
}

t.test('every figure has both languages and a formula', async (t) => {
  for (const def of [...DEPARTMENT_FIGURES, ...HOTLINE_FIGURES]) {
    t.match(formulaOf(def as never, 'en'), /^.+ = .+ ÷ .+$/)
    t.match(formulaOf(def as never, 'zh'), /^.+ = .+ ÷ .+$/)
  }
  t.equal(new Set(DEPARTMENT_FIGURES.map((d) => d.key)).size, DEPARTMENT_FIGURES.length)
})

t.test("the README's formulas table is the one computed", async (t) => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
  const from = readme.indexOf('### Evaluation (考评)')
  // Up to the next section of its level or above: tables further down have rows of this shape too.
  const section = readme.slice(from, readme.slice(from + 1).search(/\n##? /) + from + 1)
  const rows = section.split('\n').filter((l) => /^\| .+ \| `\w+` \| /.test(l)).map((l) => l.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, '')))
  t.same(rows.map((r) => r[1]), [...DEPARTMENT_FIGURES, ...HOTLINE_FIGURES].map((d) => `\`${d.key}\``), 'a row per figure, in order')
  for (const d of [...DEPARTMENT_FIGURES, ...HOTLINE_FIGURES]) {
    const row = rows.find((r) => r[1] === `\`${d.key}\``)!
    t.ok(row[0]!.startsWith(`${d.name.zh} (${d.name.en})`), `${d.key}: its name`)
    t.same([row[2], row[3]], [d.numerator.en, d.denominator.en], `${d.key}: numerator and denominator`)
  }
})
