// The 2025 and 2026 holiday arrangements as the State Council's notices word them (periods off and
// make-up working days), written here independently of src/calendar/data, and a naive day-by-day
// reference counter on them (Date objects, no precomputation) to check the calendar against.

interface Period { from: string, to: string, name: string }

// 国办发明电〔2024〕12号 and 国办发明电〔2025〕7号
export const OFF: readonly Period[] = [
  { from: '2025-01-01', to: '2025-01-01', name: '元旦' },
  { from: '2025-01-28', to: '2025-02-04', name: '春节' },
  { from: '2025-04-04', to: '2025-04-06', name: '清明节' },
  { from: '2025-05-01', to: '2025-05-05', name: '劳动节' },
  { from: '2025-05-31', to: '2025-06-02', name: '端午节' },
  { from: '2025-10-01', to: '2025-10-08', name: '国庆节、中秋节' },
  { from: '2026-01-01', to: '2026-01-03', name: '元旦' },
  { from: '2026-02-15', to: '2026-02-23', name: '春节' },
  { from: '2026-04-04', to: '2026-04-06', name: '清明节' },
  { from: '2026-05-01', to: '2026-05-05', name: '劳动节' },
  { from: '2026-06-19', to: '2026-06-21', name: '端午节' },
  { from: '2026-09-25', to: '2026-09-27', name: '中秋节' },
  { from: '2026-10-01', to: '2026-10-07', name: '国庆节' },
]

export const MAKE_UP: ReadonlyArray<{ date: string, name: string }> = [
  { date: '2025-01-26', name: '春节' },
  { date: '2025-02-08', name: '春节' },
  { date: '2025-04-27', name: '劳动节' },
  { date: '2025-09-28', name: '国庆节、中秋节' },
  { date: '2025-10-11', name: '国庆节、中秋节' },
  { date: '2026-01-04', name: '元旦' },
  { date: '2026-02-14', name: '春节' },
  { date: '2026-02-28', name: '春节' },
  { date: '2026-05-09', name: '劳动节' },
  { date: '2026-09-20', name: '国庆节' },
  { date: '2026-10-10', name: '国庆节' },
]

const DAY = 86_400_000
export const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
export const ms = (date: string): number => Date.parse(`${date}T00:00:00Z`)
export const addDays = (date: string, n: number): string => iso(ms(date) + n * DAY)

/** Every date from `from` to `to`, both included. */
export function datesBetween (from: string, to: string): string[] {
  const out: string[] = []
  for (let t = ms(from); t <= ms(to); t += DAY) out.push(iso(t))
  return out
}

export const HOLIDAY_DATES: ReadonlyMap<string, string> = new Map(OFF.flatMap((p) => datesBetween(p.from, p.to).map((d) => [d, p.name] as const)))
export const MAKE_UP_DATES: ReadonlyMap<string, string> = new Map(MAKE_UP.map((m) => [m.date, m.name]))

export function referenceWorking (date: string, extraHolidays: ReadonlySet<string> = new Set()): boolean {
  if (extraHolidays.has(date) || HOLIDAY_DATES.has(date)) return false
  if (MAKE_UP_DATES.has(date)) return true
  const weekday = new Date(ms(date)).getUTCDay()
  return weekday !== 0 && weekday !== 6
}

/** Paused days as the rules say: after each pause's first day up to and including its last. */
export function pausedDays (pauses: ReadonlyArray<{ from: string, to: string }>): Set<string> {
  const out = new Set<string>()
  for (const p of pauses) for (const d of datesBetween(addDays(p.from, 1), p.to)) out.add(d)
  return out
}

/** The due date by walking day by day: working or calendar days after `start`, skipping `paused`. */
export function referenceDue (start: string, amount: number, unit: 'working-days' | 'calendar-days', paused: ReadonlySet<string> = new Set()): string {
  let day = start
  let left = amount
  while (left > 0) {
    day = addDays(day, 1)
    if (paused.has(day)) continue
    if (unit === 'calendar-days' || referenceWorking(day)) left--
  }
  if (unit === 'calendar-days') {
    while (!referenceWorking(day) || paused.has(day)) day = addDays(day, 1)
  }
  return day
}
