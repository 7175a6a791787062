// The evaluation's figures (考评), each written once: its name, what it counts over what, and the
// number the store computes for each side. The API, the portal, the CSV and the README's table
// show these words next to the figure, so the formula shown is the one computed (a test holds the
// README to this table).
import type { DepartmentCounts, HotlineCounts } from '../model/evaluation.ts'

export interface Text { zh: string, en: string }

export interface FigureDef<C> {
  key: string
  name: Text
  /** rate: a share 0–1 shown as a percentage; average: a mean of a quantity (hours, rating). */
  kind: 'rate' | 'average'
  unit?: Text
  numerator: Text
  denominator: Text
  /** Numerator and denominator from the counts. */
  of: (c: C) => [number, number]
}

/** Which month a whistle counts in and which deadline an answer is held to. */
export const COUNTING_NOTE: Text = {
  zh: '哨子计入其开启（首次开始计时）的月份；时限为答复当时有效的时限（含批准的延期与重开后重新给定的时限）。',
  en: "A whistle counts in the month it opened (its clocks first started); a deadline is the one in force when the department answered (granted extensions and a reopening's new deadlines included).",
}

export const DEPARTMENT_FIGURES: ReadonlyArray<FigureDef<DepartmentCounts>> = [
  {
    key: 'responseRate',
    name: { zh: '响应率', en: 'Response rate' },
    kind: 'rate',
    numerator: { zh: '在响应时限内响应的部门次数', en: 'departments that responded by their respond deadline' },
    denominator: { zh: '被吹哨的部门次数', en: 'departments whistled' },
    of: (c) => [c.respondedInTime, c.whistled],
  },
  {
    key: 'arrivalRate',
    name: { zh: '报到率', en: 'Arrival rate' },
    kind: 'rate',
    numerator: { zh: '在报到时限内报到（以申报的到场时间计）的部门次数', en: 'departments that arrived (as their 报到 states) by their arrive deadline' },
    denominator: { zh: '被吹哨的部门次数', en: 'departments whistled' },
    of: (c) => [c.arrivedInTime, c.whistled],
  },
  {
    key: 'arrivalHours',
    name: { zh: '平均报到用时', en: 'Average time to arrive' },
    kind: 'average',
    unit: { zh: '小时', en: 'hours' },
    numerator: { zh: '各次报到距该部门被吹哨（哨开启或改派到该部门）的小时数之和', en: 'sum of the hours from the department\'s summons (the whistle opening, or the reroute that summoned it) to its 报到' },
    denominator: { zh: '已报到的部门次数', en: 'departments that arrived' },
    of: (c) => [c.arriveHours, c.arrived],
  },
  {
    key: 'finishRate',
    name: { zh: '办结率', en: 'Completion rate' },
    kind: 'rate',
    numerator: { zh: '已申报办结且哨已由镇关闭的部门次数', en: 'departments that declared done (after any reopening) on whistles the town closed' },
    denominator: { zh: '被吹哨的部门次数', en: 'departments whistled' },
    of: (c) => [c.done, c.whistled],
  },
  {
    key: 'onTimeFinishRate',
    name: { zh: '按时办结率', en: 'On-time completion rate' },
    kind: 'rate',
    numerator: { zh: '办结且最后一次办结申报在办结时限（含延期）内的部门次数', en: 'completed departments whose last declaration of done was by the finish deadline (as extended)' },
    denominator: { zh: '被吹哨的部门次数', en: 'departments whistled' },
    of: (c) => [c.doneInTime, c.whistled],
  },
  {
    key: 'returnRate',
    name: { zh: '退回率', en: 'Return rate' },
    kind: 'rate',
    numerator: { zh: '退回（非本部门职责）的部门次数', en: 'departments that returned the whistle (not theirs)' },
    denominator: { zh: '被吹哨的部门次数', en: 'departments whistled' },
    of: (c) => [c.returned, c.whistled],
  },
  {
    key: 'satisfaction',
    name: { zh: '满意度', en: 'Satisfaction' },
    kind: 'average',
    unit: { zh: '分（1–5）', en: 'points (1–5)' },
    numerator: { zh: '镇关闭哨时给出的评分之和', en: "sum of the closing leader's ratings" },
    denominator: { zh: '召集了该部门且已关闭的哨数', en: 'closed whistles that summoned the department' },
    of: (c) => [c.ratingSum, c.rated],
  },
]

export const HOTLINE_FIGURES: ReadonlyArray<FigureDef<HotlineCounts>> = [
  {
    key: 'hotlineResponseRate',
    name: { zh: '12345 响应率', en: '12345 response rate' },
    kind: 'rate',
    numerator: { zh: '在签收时限内签收的工单数', en: 'orders signed by their sign deadline' },
    denominator: { zh: '派发到本镇的工单数', en: 'orders dispatched to the town' },
    of: (c) => [c.signedInTime, c.dispatched],
  },
  {
    key: 'hotlineSolvedRate',
    name: { zh: '12345 解决率', en: '12345 solved rate' },
    kind: 'rate',
    numerator: { zh: '回访为已解决的工单数', en: 'orders the (last) revisit found solved' },
    denominator: { zh: '已回访的工单数', en: 'orders revisited' },
    of: (c) => [c.solved, c.revisited],
  },
  {
    key: 'hotlineSatisfiedRate',
    name: { zh: '12345 满意率', en: '12345 satisfaction rate' },
    kind: 'rate',
    numerator: { zh: '回访满意度为 4 或 5 的工单数', en: 'orders whose (last) revisit rated 4 or 5' },
    denominator: { zh: '已回访的工单数', en: 'orders revisited' },
    of: (c) => [c.satisfied, c.revisited],
  },
]

export const HOTLINE_NOTE: Text = {
  zh: '工单计入其派发（order.dispatched）的月份；回访取最后一次。',
  en: 'An order counts in the month it was dispatched (order.dispatched); the last revisit counts.',
}

export type Lang = keyof Text

/** The formula as shown beside the figure: `name = numerator ÷ denominator`. */
export function formulaOf (def: FigureDef<never>, lang: Lang): string {
  const avg = def.kind === 'average' ? (lang === 'zh' ? '（平均）' : ' (average)') : ''
  return `${def.name[lang]}${avg} = ${def.numerator[lang]} ÷ ${def.denominator[lang]}`
}

export interface Figure {
  key: string
  name: string
  /** The share (0–1) or the average; null without a denominator. */
  value: number | null
  numerator: number
  denominator: number
  formula: string
}

/** Each figure of the table computed from the counts, with its formula in `lang`. */
export function figuresOf<C> (defs: ReadonlyArray<FigureDef<C>>, counts: C, lang: Lang): Figure[] {
  return defs.map((def) => {
    const [numerator, denominator] = def.of(counts)
    return {
      key: def.key,
      name: def.name[lang],
      value: denominator === 0 ? null : numerator / denominator,
      numerator: Math.round(numerator * 100) / 100,
      denominator,
      formula: formulaOf(def as FigureDef<never>, lang),
    }
  })
}

/** The figure's value as written: a percentage with one decimal, or the average with two; '—' without a denominator. */
export function display (def: Pick<FigureDef<never>, 'kind'>, value: number | null): string {
  if (value === null) return '—'
  return def.kind === 'rate' ? `${(Math.round(value * 1000) / 10).toFixed(1)}%` : value.toFixed(2)
}
