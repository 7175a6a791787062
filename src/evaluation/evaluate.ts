// The evaluation of a scope (a town or a county) for a period of Beijing months: the store's
// counts turned into the figures of formulas.ts, each with its numerator, denominator and formula,
// per department and month and for the whole period; and the hotline's 三率 per month. Shared by
// the API (JSON and CSV) and the portal page, so both show the same numbers.
import { stringify } from 'csv-stringify/sync'
import type { Queryable } from '../store/db.ts'
import { departmentCounts, hotlineCounts, type DepartmentRow, type EvaluationPeriod } from '../store/evaluation.ts'
import { DEPARTMENT_FIGURES, HOTLINE_FIGURES, display, figuresOf, formulaOf, type Figure, type Lang } from './formulas.ts'

export const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/
/** The longest period asked at once. */
export const MAX_MONTHS = 36

/** The month after `month` (YYYY-MM). */
export function nextMonth (month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`
}

/** Every month from `from` to `to`, both included; empty when from > to. */
export function monthsOf (from: string, to: string): string[] {
  const months: string[] = []
  for (let m = from; m <= to && months.length <= MAX_MONTHS; m = nextMonth(m)) months.push(m)
  return months
}

/** The current Beijing month. */
export function beijingMonth (now = new Date()): string {
  return new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 7)
}

/** The instants of a period of Beijing months, `from` and `to` included. */
export function periodOf (prefix: string, from: string, to: string): EvaluationPeriod {
  return { prefix, from: new Date(`${from}-01T00:00:00+08:00`).toISOString(), to: new Date(`${nextMonth(to)}-01T00:00:00+08:00`).toISOString() }
}

export interface DepartmentFigures {
  /** YYYY-MM, or null for the whole period. */
  month: string | null
  department: string
  departmentName: string
  figures: Figure[]
}

export interface HotlineFigures {
  month: string
  /** null: all the scope's towns together. */
  town: string | null
  figures: Figure[]
}

export interface Evaluation {
  from: string
  to: string
  prefix: string
  /** Per department and month (months without whistles are absent). */
  rows: DepartmentFigures[]
  /** Per department for the whole period. */
  totals: DepartmentFigures[]
}

export async function evaluate (db: Queryable, opts: { prefix: string, from: string, to: string, names: ReadonlyMap<string, string>, lang: Lang }): Promise<Evaluation> {
  const counts = await departmentCounts(db, periodOf(opts.prefix, opts.from, opts.to))
  const shaped = (r: DepartmentRow): DepartmentFigures => ({
    month: r.month,
    department: r.department,
    departmentName: opts.names.get(r.department) ?? r.department,
    figures: figuresOf(DEPARTMENT_FIGURES, r, opts.lang),
  })
  return {
    from: opts.from,
    to: opts.to,
    prefix: opts.prefix,
    rows: counts.filter((r) => r.month !== null).map(shaped),
    totals: counts.filter((r) => r.month === null).map(shaped),
  }
}

export async function evaluateHotline (db: Queryable, opts: { prefix: string, from: string, to: string, lang: Lang }): Promise<HotlineFigures[]> {
  const rows = await hotlineCounts(db, periodOf(opts.prefix, opts.from, opts.to))
  return rows.map((r) => ({ month: r.month, town: r.town, figures: figuresOf(HOTLINE_FIGURES, r, opts.lang) }))
}

const BOM = '\uFEFF'

/**
 * The monthly table as CSV for Excel: UTF-8 with a byte-order mark (so Excel reads the Chinese),
 * CRLF, one row per department and month, each figure as its value, numerator and denominator;
 * the formulas follow the table so the sheet says what it computed.
 */
export function evaluationCsv (e: Evaluation, lang: Lang): string {
  const zh = lang === 'zh'
  const header = [zh ? '月份' : 'month', zh ? '部门代码' : 'department', zh ? '部门' : 'department name']
  for (const def of DEPARTMENT_FIGURES) {
    const unit = def.unit ? `(${def.unit[lang]})` : ''
    header.push(`${def.name[lang]}${unit}`, `${def.name[lang]} ${zh ? '分子' : 'numerator'}`, `${def.name[lang]} ${zh ? '分母' : 'denominator'}`)
  }
  const line = (r: DepartmentFigures): string[] => [r.month ?? (zh ? '合计' : 'total'), r.department, r.departmentName,
    ...r.figures.flatMap((f, i) => [display(DEPARTMENT_FIGURES[i]!, f.value), String(f.numerator), String(f.denominator)])]
  const records = [header, ...e.rows.map(line), ...e.totals.map(line), [], [zh ? '计算公式' : 'formulas'],
    ...DEPARTMENT_FIGURES.map((def) => [def.name[lang], formulaOf(def as never, lang)])]
  return BOM + stringify(records, { record_delimiter: 'windows' })
}
