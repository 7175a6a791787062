// The working-day calendar of the People's Republic of China: statutory holidays and the weekend
// make-up working days (调休) per year, as the State Council's notice for that year publishes them.
// The years are data (src/calendar/data/YYYY.json); configuration adds files (a new year's notice,
// a local holiday). A day in a year no notice covers is never guessed: asking about it throws
// TB_CALENDAR_NOT_COVERED.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { TongbanError } from '../errors.ts'
import { fromRoot } from '../paths.ts'
import { dateOf, dayNumber, isWeekend, parseDate } from './days.ts'

const CalendarDate = z.string().refine((s) => parseDate(s) !== undefined, 'a date YYYY-MM-DD')

const Entry = z.object({ date: CalendarDate, name: z.string().trim().min(1).max(60) }).strict()

/**
 * One calendar file. `kind: notice` (the default) is a year's State Council notice and makes the
 * year known; `kind: local` adds a local holiday or working day to a year a notice covers (on its
 * own it covers nothing). `workdays` are weekend days that are working days (调休).
 */
export const CalendarFile = z.object({
  year: z.number().int().min(1949).max(2200),
  kind: z.enum(['notice', 'local']).default('notice'),
  source: z.object({
    title: z.string().trim().min(1),
    docNo: z.string().trim().min(1).optional(),
    url: z.url().optional(),
    published: CalendarDate.optional(),
  }).strict(),
  holidays: z.array(Entry),
  workdays: z.array(Entry).default([]),
}).strict().superRefine((file, ctx) => {
  const seen = new Map<string, string>()
  const check = (list: 'holidays' | 'workdays', entry: z.infer<typeof Entry>, i: number): void => {
    const at = (message: string): void => { ctx.addIssue({ code: 'custom', path: [list, i, 'date'], message }) }
    if (!entry.date.startsWith(`${file.year}-`)) at(`${entry.date} is not in ${file.year}`)
    const before = seen.get(entry.date)
    if (before) at(`${entry.date} is already listed under ${before}`)
    seen.set(entry.date, list)
    if (list === 'workdays' && !isWeekend(parseDate(entry.date)!)) at(`${entry.date} is a weekday: only a Saturday or Sunday can be a make-up working day`)
  }
  file.holidays.forEach((e, i) => { check('holidays', e, i) })
  file.workdays.forEach((e, i) => { check('workdays', e, i) })
})
export type CalendarFile = z.infer<typeof CalendarFile>

export type DayReason = 'workday' | 'weekend' | 'holiday' | 'make-up-workday'

export interface Day {
  date: string
  working: boolean
  reason: DayReason
  /** The holiday's name, or the festival a make-up working day belongs to. */
  name?: string
}

/** What the calendar knows of one year, and from where. */
export interface CalendarYear {
  year: number
  source: CalendarFile['source']
  /** Days off (statutory and local) and make-up working days after every file is applied. */
  holidays: number
  workdays: number
  /** The files that made the year: its notice first, then local additions. */
  files: readonly string[]
}

/**
 * Every day from 1 January of the first covered year to 31 December of the last, by position
 * (day number − base), precomputed so that counting working days is array reads.
 */
export interface DayIndex {
  /** Day number of position 0. */
  readonly base: number
  readonly length: number
  /** What each day is; undefined where its year is not covered. */
  readonly reasons: ReadonlyArray<DayReason | undefined>
  /** Holiday or make-up day names by position (undefined elsewhere). */
  readonly names: ReadonlyArray<string | undefined>
  readonly dates: readonly string[]
  /** workingBefore[i]: working days at positions 0 … i−1 (length + 1 entries). */
  readonly workingBefore: Int32Array
  /** Positions of the working days, in order. */
  readonly working: Int32Array
  /** Last position of the run of covered days holding position i; −1 where i is not covered. */
  readonly runEnd: Int32Array
}

export interface WorkingCalendar {
  /** The covered years, ascending. */
  readonly years: readonly number[]
  readonly coverage: readonly CalendarYear[]
  /** SHA-256 of the effective data: when it changes, deadlines are computed again. */
  readonly fingerprint: string
  readonly index: DayIndex
  covers (year: number): boolean
  /** A covered day; throws TB_CALENDAR_NOT_COVERED for any other and TB_DATE_INVALID for a non-date. */
  dayOf (date: string): Day
}

export const BUILT_IN_DIR = fromRoot('src', 'calendar', 'data')

export interface LoadOptions {
  /** Calendar files applied after the built-in years, in order. */
  files?: readonly string[]
  /** Where relative `files` are resolved from (the configuration file's folder); default the working directory. */
  baseDir?: string
  /** The built-in years' folder (tests point it elsewhere). */
  builtInDir?: string
}

/** The built-in years, then the given files. A bad file throws TB_CALENDAR_FILE_INVALID naming it. */
export function loadCalendar (options: LoadOptions = {}): WorkingCalendar {
  const builtInDir = options.builtInDir ?? BUILT_IN_DIR
  const builtIn = readdirSync(builtInDir).filter((f) => /^\d{4}\.json$/.test(f)).sort().map((f) => join(builtInDir, f))
  const overrides = (options.files ?? []).map((f) => resolve(options.baseDir ?? '.', f))
  return buildCalendar([
    ...builtIn.map((file) => ({ file, data: readCalendarFile(file), builtIn: true })),
    ...overrides.map((file) => ({ file, data: readCalendarFile(file), builtIn: false })),
  ])
}

function readCalendarFile (file: string): CalendarFile {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    const why = err instanceof SyntaxError ? `not JSON (${err.message})` : `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`
    throw new TongbanError('TB_CALENDAR_FILE_INVALID', [file, why])
  }
  const parsed = CalendarFile.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new TongbanError('TB_CALENDAR_FILE_INVALID', [file, `${keyPath(issue.path)}: ${issue.message}`])
  }
  return parsed.data
}

/** A zod issue's path as the file writes it: `holidays[3].date`. */
const keyPath = (path: readonly PropertyKey[]): string =>
  path.map((k) => typeof k === 'number' ? `[${k}]` : `.${String(k)}`).join('').replace(/^\./, '') || '(root)'

interface Loaded { file: string, data: CalendarFile, builtIn: boolean }

/** A calendar from parsed files: notices make years (a later file's notice replaces a built-in one), local files add to them. */
export function buildCalendar (files: readonly Loaded[]): WorkingCalendar {
  const notices = new Map<number, Loaded>()
  for (const f of files) {
    if (f.data.kind !== 'notice') continue
    const before = notices.get(f.data.year)
    if (before && !before.builtIn) throw new TongbanError('TB_CALENDAR_FILE_INVALID', [f.file, `a second notice for ${f.data.year} (${before.file} has one already); give one file per year`])
    notices.set(f.data.year, f)
  }
  const years = [...notices.keys()].sort((a, b) => a - b)
  const days = new Map<number, { reason: 'holiday' | 'make-up-workday', name: string }>()
  const coverage: CalendarYear[] = []
  for (const year of years) {
    const notice = notices.get(year)!
    const locals = files.filter((f) => f.data.kind === 'local' && f.data.year === year)
    for (const f of [notice, ...locals]) {
      for (const h of f.data.holidays) days.set(parseDate(h.date)!, { reason: 'holiday', name: h.name })
      for (const w of f.data.workdays) days.set(parseDate(w.date)!, { reason: 'make-up-workday', name: w.name })
    }
    coverage.push({ year, source: notice.data.source, holidays: 0, workdays: 0, files: [notice.file, ...locals.map((f) => f.file)] })
  }
  for (const [n, d] of days) {
    const y = coverage.find((c) => c.year === Number(dateOf(n).slice(0, 4)))!
    if (d.reason === 'holiday') y.holidays++
    else y.workdays++
  }
  const index = buildIndex(years, days)
  const fingerprint = createHash('sha256').update(JSON.stringify({
    years: coverage.map((c) => [c.year, c.source]),
    days: [...days].sort((a, b) => a[0] - b[0]).map(([n, d]) => [dateOf(n), d.reason, d.name]),
  })).digest('hex')
  const covered = new Set(years)
  return {
    years,
    coverage,
    fingerprint,
    index,
    covers: (year) => covered.has(year),
    dayOf (date) {
      const n = parseDate(date)
      if (n === undefined) throw new TongbanError('TB_DATE_INVALID', [date])
      const i = n - index.base
      const reason = i >= 0 && i < index.length ? index.reasons[i] : undefined
      if (reason === undefined) throw notCovered(years, Number(date.slice(0, 4)))
      const name = index.names[i]
      return { date, working: isWorking(reason), reason, ...(name === undefined ? {} : { name }) }
    },
  }
}

function buildIndex (years: readonly number[], days: ReadonlyMap<number, { reason: DayReason, name: string }>): DayIndex {
  if (years.length === 0) {
    return { base: 0, length: 0, reasons: [], names: [], dates: [], workingBefore: new Int32Array(1), working: new Int32Array(0), runEnd: new Int32Array(0) }
  }
  const base = dayNumber(years[0]!, 1, 1)
  const length = dayNumber(years[years.length - 1]!, 12, 31) - base + 1
  const covered = new Set(years)
  const reasons = new Array<DayReason | undefined>(length)
  const names = new Array<string | undefined>(length).fill(undefined)
  const dates = new Array<string>(length)
  const workingBefore = new Int32Array(length + 1)
  const working: number[] = []
  for (let i = 0; i < length; i++) {
    const n = base + i
    const date = dateOf(n)
    dates[i] = date
    const special = days.get(n)
    const reason = !covered.has(Number(date.slice(0, 4))) ? undefined : special ? special.reason : isWeekend(n) ? 'weekend' : 'workday'
    reasons[i] = reason
    names[i] = special?.name
    const counts = reason !== undefined && isWorking(reason)
    if (counts) working.push(i)
    workingBefore[i + 1] = workingBefore[i]! + (counts ? 1 : 0)
  }
  const runEnd = new Int32Array(length)
  let end = -1
  for (let i = length - 1; i >= 0; i--) {
    if (reasons[i] === undefined) { end = -1; runEnd[i] = -1; continue }
    if (end === -1) end = i
    runEnd[i] = end
  }
  return { base, length, reasons, names, dates, workingBefore, working: Int32Array.from(working), runEnd }
}

export const isWorking = (reason: DayReason): boolean => reason === 'workday' || reason === 'make-up-workday'

/** The refusal for a question about `year`, which the calendar does not cover. */
export function notCovered (years: readonly number[], year: number): TongbanError {
  return new TongbanError('TB_CALENDAR_NOT_COVERED', [year, years.length > 0 ? years.join(', ') : 'no year', year], { details: { year, years } })
}
