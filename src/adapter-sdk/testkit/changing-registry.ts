// A department register that changes while a town pages through it, the shape behind every
// "records changed since" interface: rows ordered by (update time, key), read in pages, where a
// row updated while you page moves to a later page, and new rows arrive over time.
//
// Scale. The register is `base` rows that are a pure function of their index (the department's
// data generator), in index order = (update second, key) order, so a page of a million-row
// register is arithmetic on an index range. Rows updated while the simulator runs (touch, churn)
// and rows added over time (growth) live in an overlay, all later than every base row; a page is
// the base rows that are not overlaid followed by the overlay rows, both filtered by time.
import { seeded } from './random.ts'

/** What the department's data generator tells the register about its rows. */
export interface RegistryRows<Row> {
  /** Base rows at start. */
  base: number
  /** The update second (epoch seconds) of base row `index`: non-decreasing in the index. */
  secondsAt: (index: number) => number
  /** The smallest index whose update second is later than `epochSeconds`. */
  firstIndexAfter: (epochSeconds: number) => number
  /** The row's key, the order within one second (ascending with the index among base rows). */
  keyAt: (index: number) => string
  /** Base rows [from, to) in order. */
  between: (from: number, to: number) => Row[]
  /** Row `index` after its `revision`-th update at `epochSeconds` (revision 0: a grown row as registered). */
  revised: (index: number, revision: number, epochSeconds: number) => Row
}

export interface ChangingRegistryOptions {
  /** Seeds which served rows churn updates. */
  seed?: number
  /** After each served page, update this many already-served rows (fractions are a probability). Default 0. */
  churnPerRequest?: number
  /** New rows registered per minute. Default 0. */
  growPerMinute?: number
  /** Clock (epoch ms). Default Date.now. */
  now?: () => number
}

export interface TouchedRow { index: number, key: string, seconds: number }

export interface ChangingRegistry<Row> {
  /** Rows now (base and grown). */
  size: () => number
  /** Row `index` as served now (with its latest update). */
  rowAt: (index: number) => Row
  /** Rows updated later than `afterSeconds` in (time, key) order: positions [offset, offset + limit), and how many there are. */
  page: (afterSeconds: number, offset: number, limit: number) => { total: number, list: Row[] }
  /** Update rows now: each gets an update time later than every base row and moves to the end. RangeError for an unknown index. */
  touch: (indices: readonly number[]) => TouchedRow[]
  /** Update `churnPerRequest` rows already served (call after serving a page). */
  churn: () => void
  /** Register the rows due by now (`growPerMinute`). */
  grow: () => void
  /** Rows updated at least once. */
  updated: () => number
}

interface OverlayEntry { index: number, sec: number, key: string, revision: number }

function cmpEntry (a: { sec: number, key: string }, b: { sec: number, key: string }): number {
  return a.sec !== b.sec ? a.sec - b.sec : a.key < b.key ? -1 : a.key > b.key ? 1 : 0
}

/** First position in the sorted `list` where `before(item)` is false. */
function lowerBound<T> (list: readonly T[], before: (item: T) => boolean): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (before(list[mid]!)) lo = mid + 1
    else hi = mid
  }
  return lo
}

export function changingRegistry<Row> (rows: RegistryRows<Row>, opts: ChangingRegistryOptions = {}): ChangingRegistry<Row> {
  const { base } = rows
  if (!Number.isInteger(base) || base < 0) throw new RangeError('base must be a non-negative integer')
  const now = opts.now ?? Date.now
  const churnPerRequest = opts.churnPerRequest ?? 0
  const growPerMinute = opts.growPerMinute ?? 0
  const churnRng = seeded(opts.seed ?? 1, 0, 102)
  const startedAt = now()

  /** Overlay rows, sorted by (second, key); every one is later than every base row. */
  const overlay: OverlayEntry[] = []
  const overlayByIndex = new Map<number, OverlayEntry>()
  /** Base indices that are overlaid, ascending: they are skipped where the base order has them. */
  const overlaidBase: number[] = []
  let overlayClock = (base > 0 ? rows.secondsAt(base - 1) : rows.secondsAt(0) - 1) + 1
  let grown = 0
  let maxServedIndex = -1

  const size = (): number => base + grown

  function place (index: number, sec: number, revision: number): OverlayEntry {
    const previous = overlayByIndex.get(index)
    if (previous) {
      const at = lowerBound(overlay, (e) => cmpEntry(e, previous) < 0)
      if (overlay[at] === previous) overlay.splice(at, 1)
    } else if (index < base) {
      overlaidBase.splice(lowerBound(overlaidBase, (i) => i < index), 0, index)
    }
    overlayClock = Math.max(overlayClock, sec)
    const entry: OverlayEntry = { index, sec: overlayClock, key: rows.keyAt(index), revision }
    overlay.splice(lowerBound(overlay, (e) => cmpEntry(e, entry) < 0), 0, entry)
    overlayByIndex.set(index, entry)
    return entry
  }

  function touch (indices: readonly number[]): TouchedRow[] {
    const sec = Math.floor(now() / 1000)
    return indices.map((index) => {
      if (!Number.isInteger(index) || index < 0 || index >= size()) throw new RangeError(`no row at index ${index}`)
      const entry = place(index, sec, (overlayByIndex.get(index)?.revision ?? 0) + 1)
      return { index, key: entry.key, seconds: entry.sec }
    })
  }

  function grow (): void {
    if (growPerMinute <= 0) return
    const target = Math.floor(((now() - startedAt) / 60_000) * growPerMinute)
    for (let n = 0; grown < target && n < 100_000; n++) {
      const createdMs = startedAt + ((grown + 1) * 60_000) / growPerMinute
      place(base + grown, Math.floor(createdMs / 1000), 0)
      grown++
    }
  }

  const rowOf = (entry: OverlayEntry): Row => rows.revised(entry.index, entry.revision, entry.sec)

  function page (afterSec: number, offset: number, limit: number): { total: number, list: Row[] } {
    const lo = Math.min(rows.firstIndexAfter(afterSec), base)
    const overlaidBelow = (x: number): number => lowerBound(overlaidBase, (i) => i < x)
    const overlaidFromLo = overlaidBelow(lo)
    const baseCount = base - lo - (overlaidBase.length - overlaidFromLo)
    const ovStart = lowerBound(overlay, (e) => e.sec <= afterSec)
    const total = baseCount + overlay.length - ovStart
    const list: Row[] = []
    let ov = ovStart
    if (offset < baseCount) {
      // the offset-th base index at or after lo that is not overlaid
      const free = (x: number): number => x - lo - (overlaidBelow(x) - overlaidFromLo) // free indices in [lo, x)
      let a = lo + offset
      let b = Math.min(base - 1, lo + offset + overlaidBase.length)
      while (a < b) {
        const mid = Math.floor((a + b) / 2)
        if (free(mid + 1) >= offset + 1) b = mid
        else a = mid + 1
      }
      // runs of consecutive free indices come from the generator in one go
      let x = a
      while (list.length < limit && x < base) {
        const next = overlaidBase[lowerBound(overlaidBase, (i) => i < x)] ?? base
        const end = Math.min(next, base, x + (limit - list.length))
        if (end > x) {
          list.push(...rows.between(x, end))
          maxServedIndex = Math.max(maxServedIndex, end - 1)
        }
        x = end === next ? next + 1 : end
      }
    } else {
      ov += offset - baseCount
    }
    for (; list.length < limit && ov < overlay.length; ov++) list.push(rowOf(overlay[ov]!))
    return { total, list }
  }

  function churn (): void {
    if (churnPerRequest <= 0 || maxServedIndex < 0) return
    let count = Math.floor(churnPerRequest)
    if (churnRng() < churnPerRequest - count) count++
    const picks: number[] = []
    for (let i = 0; i < count; i++) picks.push(Math.floor(churnRng() * (maxServedIndex + 1)))
    touch(picks)
  }

  return {
    size,
    rowAt: (index) => {
      const entry = overlayByIndex.get(index)
      return entry ? rowOf(entry) : rows.between(index, index + 1)[0]!
    },
    page,
    touch,
    churn,
    grow,
    updated: () => [...overlayByIndex.values()].filter((e) => e.revision > 0).length,
  }
}
