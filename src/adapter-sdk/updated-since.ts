// The `updatedSince` cursor of a department that lists what changed after a time, page by page:
// the paging logic that is easy to get subtly wrong, written once. Declared by the department's
// time format and zone, how far to look back, its query parameter names and how pages count.
import { z } from 'zod'
import type { RawRecord } from '../model/intake.ts'
import type { TimeFormat } from './time.ts'

export interface UpdatedSinceSpec<S extends string, P extends string, M extends string> {
  /** How the department writes the time parameter (and the rows' update time). */
  time: TimeFormat
  /** How far before the largest time seen the next run starts, so rows sharing it are read again rather than missed. */
  lookbackSeconds: number
  /** Query parameter names; the cursor keeps the time and page under the same names. */
  params: { since: S, page: P, pageSize: string }
  /** Cursor key of the largest update time seen since the run began. */
  maxSeen: M
  /** The first page's number and what a page adds to it: 1 (page numbers) or 'pageSize' (offsets). */
  page?: { first?: number, increment?: number | 'pageSize' }
  /** The most rows the department gives in one page. */
  maxPageSize: number
}

/** The persisted cursor: time after which to list (exclusive), page within it, largest time seen. */
export type UpdatedSinceCursor<S extends string, P extends string, M extends string> =
  { [K in S | P | M]: K extends S ? string : K extends P ? number : string | null }

export interface PageSeen {
  /** The page's records; rejected ones carry no trustworthy time and do not move the cursor. */
  records: readonly RawRecord[]
  /** The page size asked for. */
  pageSize: number
  /** The page size the department says it applied, if it says. */
  appliedPageSize?: unknown
}

export interface UpdatedSince<C> {
  /** Validates the persisted cursor; every cursor `initial` and `next` give round-trips it. */
  schema: z.ZodType<C>
  initial: () => C
  /** The query of the page at `cursor`, with the page size clamped to what the department gives. */
  request: (cursor: C, pageSize: number) => { query: Record<string, string | number>, pageSize: number }
  /** Where the stream stands after a page, and whether the run has caught up. */
  next: (cursor: C, page: PageSeen) => { cursor: C, done: boolean }
}

/**
 * A full page continues the run from `lookbackSeconds` before its last update time, first page
 * again: rows an update moved while we paged cannot slip past us (with offsets they would: every
 * row updated behind us shifts the rest one place forward). If the whole page shares the time just
 * after `since`, the run steps the page instead. A short page ends the run; the next run starts
 * `lookbackSeconds` before the largest time seen, so rows sharing it are read again rather than
 * missed (unify is idempotent).
 */
export function updatedSince<const S extends string, const P extends string, const M extends string> (
  spec: UpdatedSinceSpec<S, P, M>,
): UpdatedSince<UpdatedSinceCursor<S, P, M>> {
  type C = UpdatedSinceCursor<S, P, M>
  interface Position { since: string, page: number, maxSeen: string | null }
  const { time, params, maxSeen: maxKey, maxPageSize } = spec
  const first = spec.page?.first ?? 1
  const increment = spec.page?.increment ?? 1
  const lookbackMs = spec.lookbackSeconds * 1000
  const ms = (text: string): number => time.parse(text)!.getTime()
  // to the department's resolution, so comparisons agree with what the cursor can hold
  const truncated = (at: number): number => ms(time.format(new Date(at)))
  const when = z.string().refine((v) => time.parse(v) !== undefined, `a real time written ${time.pattern}`)

  const schema = z.object({
    [params.since]: when,
    [params.page]: z.number().int().min(first),
    [maxKey]: when.nullable().default(null),
  }) as unknown as z.ZodType<C>
  const position = (c: C): Position => {
    const r = c as Record<string, unknown>
    return { since: r[params.since] as string, page: r[params.page] as number, maxSeen: r[maxKey] as string | null }
  }
  const cursorOf = (p: Position): C => ({ [params.since]: p.since, [params.page]: p.page, [maxKey]: p.maxSeen }) as C

  return {
    schema,
    initial: () => cursorOf({ since: time.format(new Date(0)), page: first, maxSeen: null }),
    request (cursor, requested) {
      const pageSize = Math.min(Math.max(1, Math.trunc(requested)), maxPageSize)
      const { since, page } = position(cursor)
      return { query: { [params.since]: since, [params.page]: page, [params.pageSize]: pageSize }, pageSize }
    },
    next (cursor, seen) {
      const at = position(cursor)
      const { records, pageSize, appliedPageSize: applied } = seen
      // a department that pages by less than we asked must not make every page look like the last
      const fullPage = typeof applied === 'number' && Number.isInteger(applied) && applied > 0 && applied < pageSize ? applied : pageSize

      let newest = -Infinity
      for (const r of records) {
        if (r.reject) continue
        const t = r.observedAt.getTime()
        if (t > newest) newest = t
      }
      const pageMax = newest === -Infinity ? undefined : truncated(newest)
      const maxSeen = pageMax !== undefined && (at.maxSeen === null || pageMax > ms(at.maxSeen)) ? time.format(new Date(pageMax)) : at.maxSeen
      const sinceMs = ms(at.since)

      if (records.length < fullPage) {
        let since = at.since
        if (maxSeen !== null) {
          const resume = ms(maxSeen) - lookbackMs
          if (resume > sinceMs) since = time.format(new Date(resume))
        }
        return { cursor: cursorOf({ since, page: first, maxSeen: null }), done: true }
      }
      if (pageMax !== undefined && pageMax - lookbackMs > sinceMs) {
        return { cursor: cursorOf({ since: time.format(new Date(pageMax - lookbackMs)), page: first, maxSeen }), done: false }
      }
      const step = increment === 'pageSize' ? pageSize : increment
      return { cursor: cursorOf({ since: at.since, page: at.page + step, maxSeen }), done: false }
    },
  }
}
