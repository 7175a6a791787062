// `tongban calendar check [--year N] [--config F]`: which years the working-day calendar covers
// and from which notice; exit 1 when the current or next year (Beijing time) — or the year asked —
// is missing, because then legal deadlines running into it cannot be computed.
import { dirname, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { loadCalendar, notCovered, type CalendarYear } from '../calendar/calendar.ts'
import { beijingToday } from '../calendar/days.ts'
import { loadConfig } from '../config/load.ts'
import { projectRoot } from '../paths.ts'
import { readSettings } from '../runtime/settings.ts'

export const CALENDAR_USAGE = `Usage: tongban calendar check [--year <year>] [--config <file>]
  --year <year>    the year that must be covered (default: the current and the next year, Beijing time)
  --config <file>  the configuration whose calendar.files are read (default: TONGBAN_CONFIG, else config/demo.yaml)`

interface Streams { stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream }

function yearText (y: CalendarYear): string {
  const s = y.source
  const about = [s.docNo, s.published && `published ${s.published}`].filter(Boolean).join(', ')
  const files = y.files.map((f) => relative(projectRoot, f) || f)
  return [
    `${y.year}  ${s.title}${about ? ` (${about})` : ''}`,
    `      ${y.holidays} ${y.holidays === 1 ? 'day' : 'days'} off, ${y.workdays} make-up working ${y.workdays === 1 ? 'day' : 'days'}`,
    ...(s.url ? [`      ${s.url}`] : []),
    `      from ${files.join(', ')}`,
  ].join('\n')
}

/** Returns the exit code. */
export async function calendarCommand (args: readonly string[], io: Streams, env: NodeJS.ProcessEnv = process.env, nowMs: number = Date.now()): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: { year: { type: 'string' }, config: { type: 'string' } } })
  } catch (err) {
    io.stderr.write(`tongban: ${(err as Error).message}\n${CALENDAR_USAGE}\n`)
    return 2
  }
  const { values, positionals } = parsed
  const year = values.year === undefined ? undefined : Number(values.year)
  if (positionals.length !== 1 || positionals[0] !== 'check' || (year !== undefined && !(Number.isInteger(year) && year >= 1949 && year <= 2200))) {
    io.stderr.write(`${CALENDAR_USAGE}\n`)
    return 2
  }
  const configFile = values.config ?? readSettings(env).configPath
  const config = await loadConfig(configFile, env)
  const calendar = loadCalendar({ files: config.calendar?.files ?? [], baseDir: dirname(configFile) })
  io.stdout.write(`working-day calendar ${calendar.fingerprint.slice(0, 16)} (configuration ${configFile})\n`)
  io.stdout.write(calendar.coverage.length > 0 ? `${calendar.coverage.map(yearText).join('\n')}\n` : 'no year is covered\n')
  const thisYear = Number(beijingToday(nowMs).slice(0, 4))
  const wanted = year === undefined ? [thisYear, thisYear + 1] : [year]
  const missing = wanted.filter((y) => !calendar.covers(y))
  for (const y of missing) io.stderr.write(`tongban: TB_CALENDAR_NOT_COVERED: ${notCovered(calendar.years, y).message}\n`)
  if (missing.length > 0) return 1
  io.stdout.write(`ok: ${wanted.join(' and ')} covered\n`)
  return 0
}
