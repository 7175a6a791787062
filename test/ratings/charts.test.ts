// The leader's charts as pure functions: well-formed SVG (an XML parser reads it), an accessible
// image (role, title, desc), every value written as text, and bar lengths in proportion.
import t from 'tap'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { barChart, columnChart } from '../../src/portal/charts.ts'
import { percent } from '../../src/portal/pages/leader-view.ts'

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' })

function parsed (svg: string): Record<string, any> {
  t.equal(XMLValidator.validate(svg), true, 'well-formed XML')
  return parser.parse(svg).svg
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x])

t.test('columns: one per day, values as text, the tallest fills the plot', async (t) => {
  const svg = columnChart({ id: 'per-day', title: '每日接件数', desc: '共 7 件 <含转义>' }, [
    { label: '12-01', value: 2 }, { label: '12-02', value: 0 }, { label: '12-03', value: 5 },
  ]).value
  const root = parsed(svg)
  t.match(root, { role: 'img', 'aria-labelledby': 'per-day-title per-day-desc', id: 'per-day' })
  t.same(root.title, { '#text': '每日接件数', id: 'per-day-title' })
  t.equal(root.desc['#text'], '共 7 件 <含转义>', 'text is escaped, and reads back as given')
  const groups = asArray(root.g)
  t.equal(groups.length, 3)
  const heights = groups.map((g) => Number(g.rect.height))
  t.equal(heights[1], 0, 'zero is no bar')
  t.equal(heights[0]! / heights[2]!, 0.4, 'in proportion')
  const values = groups.map((g) => asArray(g.text)[0]['#text'])
  t.same(values.map(String), ['2', '0', '5'], 'each value written above its column')
  t.same(groups.map((g) => g.rect.title), ['12-01: 2', '12-02: 0', '12-03: 5'])
})

t.test('bars: label, bar and text value per row; a fixed maximum for rates', async (t) => {
  const svg = barChart({ id: 'on-time', title: '各事项按时办结率', desc: 'd' }, [
    { label: '临时救助申请', value: 1, text: '100.0%（3/3）' },
    { label: '城乡居民养老保险参保登记', value: 0.5, text: '50.0%（1/2）' },
  ], { max: 1, barWidth: 200, labelWidth: 120 }).value
  const groups = asArray(parsed(svg).g)
  t.same(groups.map((g) => Number(g.rect.width)), [200, 100])
  t.same(groups.map((g) => asArray(g.text).map((x) => String(x['#text'] ?? x))), [['临时救助申请', '100.0%（3/3）'], ['城乡居民养老保险参…', '50.0%（1/2）']], 'a long label is cut short, the full one in the bar title')
  t.equal(groups[1].rect.title, '城乡居民养老保险参保登记: 50.0%（1/2）')
})

t.test('an empty series is still a well-formed chart', async (t) => {
  parsed(columnChart({ id: 'e', title: 'x', desc: 'y' }, []).value)
  parsed(barChart({ id: 'f', title: 'x', desc: 'y' }, [{ label: 'a', value: 0 }]).value)
})

t.test('percent: one decimal, none without a denominator', async (t) => {
  t.equal(percent(2, 3), '66.7%')
  t.equal(percent(0, 4), '0.0%')
  t.equal(percent(1, 0), undefined)
})
