// Server-rendered SVG charts: small pure functions from figures to markup, drawn on the server so
// the page needs no script, no CDN and no build. Each chart is an image with a <title> and <desc>
// for screen readers, and writes every bar's value as text beside it (values are never only a
// length).
import { html, raw, type Html } from '../html.ts'

export interface Bar {
  label: string
  value: number
  /** The value as written beside the bar (defaults to the number). */
  text?: string
}

export interface ChartText {
  /** Unique in the page: the title's and description's ids derive from it. */
  id: string
  title: string
  desc: string
}

const FONT = raw('font-family="sans-serif" font-size="12"')
/** Fits the page's palette: one colour for bars, one for the axis. */
const BAR = '#2f6fb3'
const AXIS = '#666'

const round1 = (n: number): number => Math.round(n * 10) / 10

/** Columns, one per label (cases per day): the value above each column, the label below (every nth when crowded). */
export function columnChart (t: ChartText, bars: readonly Bar[], opts: { height?: number, columnWidth?: number } = {}): Html {
  const height = opts.height ?? 160
  const col = opts.columnWidth ?? 22
  const top = 18
  const bottom = 34
  const left = 8
  const width = left * 2 + Math.max(1, bars.length) * col
  const max = Math.max(1, ...bars.map((b) => b.value))
  const plot = height - top - bottom
  const labelEvery = Math.max(1, Math.ceil(bars.length / Math.floor(width / 60)))
  const columns = bars.map((b, i) => {
    const h = round1((b.value / max) * plot)
    const x = left + i * col
    const y = round1(top + plot - h)
    return html`<g><rect x="${x + 3}" y="${y}" width="${col - 6}" height="${h}" fill="${BAR}"><title>${b.label}: ${b.text ?? String(b.value)}</title></rect>
<text x="${x + col / 2}" y="${round1(y - 4)}" text-anchor="middle" ${FONT}>${b.text ?? String(b.value)}</text>
${i % labelEvery === 0 ? html`<text x="${x + col / 2}" y="${height - bottom + 16}" text-anchor="middle" ${FONT}>${b.label}</text>` : ''}</g>`
  })
  return svg(t, width, height, html`<line x1="${left}" y1="${top + plot}" x2="${width - left}" y2="${top + plot}" stroke="${AXIS}"/>${columns}`)
}

/** Horizontal bars, one row per label (on-time rate per matter, ratings per level): label, bar, value. */
export function barChart (t: ChartText, bars: readonly Bar[], opts: { max?: number, labelWidth?: number, barWidth?: number } = {}): Html {
  const row = 24
  const labelWidth = opts.labelWidth ?? 200
  const barWidth = opts.barWidth ?? 260
  const valueWidth = 90
  const width = labelWidth + barWidth + valueWidth
  const height = Math.max(1, bars.length) * row + 8
  const max = opts.max ?? Math.max(1, ...bars.map((b) => b.value))
  const rows = bars.map((b, i) => {
    const y = 4 + i * row
    const w = max === 0 ? 0 : round1((Math.min(b.value, max) / max) * barWidth)
    return html`<g><text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end" ${FONT}>${clip(b.label, Math.floor(labelWidth / 12))}</text>
<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${row - 8}" fill="${BAR}"><title>${b.label}: ${b.text ?? String(b.value)}</title></rect>
<text x="${labelWidth + w + 6}" y="${y + 15}" ${FONT}>${b.text ?? String(b.value)}</text></g>`
  })
  return svg(t, width, height, html`<line x1="${labelWidth}" y1="2" x2="${labelWidth}" y2="${height - 2}" stroke="${AXIS}"/>${rows}`)
}

function svg (t: ChartText, width: number, height: number, body: Html): Html {
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${t.id}" role="img" aria-labelledby="${t.id}-title ${t.id}-desc" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
<title id="${t.id}-title">${t.title}</title>
<desc id="${t.id}-desc">${t.desc}</desc>
${body}
</svg>`
}

function clip (s: string, chars: number): string {
  const all = [...s]
  return all.length <= chars ? s : `${all.slice(0, chars - 1).join('')}…`
}
