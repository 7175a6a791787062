// Seeded randomness for department simulators and their tests. An integrator writing a
// simulator needs data that is deterministic (the same seed gives the same records on every
// machine, so a test can name the record it expects) and O(1) per record (record `index` of a
// million-record population is computed directly, never by drawing the million before it). The
// scheme: a 32-bit integer hash of (seed, index, salt) keys a mulberry32 stream per record and
// purpose; different salts keep unrelated draws independent, so adding a draw to one purpose
// does not shift the data of another. Tests of the platform keep their own generators: a test
// must not share the code it checks.

/** A source of uniform floats in [0, 1). */
export type Rng = () => number

/** The keying constant `seeded` uses unless told otherwise. */
export const DEFAULT_STREAM = 0x5bd1e995

/** A 32-bit integer finaliser: every input bit affects every output bit. */
export function mix (x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d)
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b)
  return (x ^ (x >>> 16)) >>> 0
}

/**
 * The 32-bit state for (seed, index, salt). Seed and index may be any integers up to 2^53 (both
 * halves are hashed). `stream` separates simulators that use the same salts: two simulators with
 * different streams draw unrelated data for the same (seed, index, salt).
 */
export function seedKey (seed: number, index: number, salt: number, stream = DEFAULT_STREAM): number {
  const s = Math.trunc(seed)
  const i = Math.trunc(index)
  let h = mix((salt * 0x9e3779b9) ^ stream)
  h = mix(h ^ (s >>> 0))
  h = mix(h ^ (Math.floor(s / 0x100000000) >>> 0))
  h = mix(h ^ (i >>> 0))
  return mix(h ^ (Math.floor(i / 0x100000000) >>> 0))
}

/** A mulberry32 generator: uniform floats in [0, 1). */
export function mulberry32 (state: number): Rng {
  let a = state >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A generator keyed by (seed, index, salt); salts keep unrelated draws independent. */
export function seeded (seed: number, index: number, salt = 0, stream = DEFAULT_STREAM): Rng {
  return mulberry32(seedKey(seed, index, salt, stream))
}

/** An integer in [0, n). */
export const int = (r: Rng, n: number): number => Math.floor(r() * n)

/** One element of a non-empty list, uniformly. */
export const pick = <T>(r: Rng, list: readonly T[]): T => list[int(r, list.length)] as T

/** `n` random decimal digits. */
export function digits (r: Rng, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += String(int(r, 10))
  return s
}

/** `n` in decimal, zero-padded on the left to `width`. */
export const pad = (n: number, width: number): string => String(n).padStart(width, '0')

/** A value from a non-empty [value, weight] table, with probability proportional to its weight. */
export function weighted<T> (r: Rng, table: readonly (readonly [T, number])[]): T {
  let total = 0
  for (const [, w] of table) total += w
  let x = r() * total
  for (const [value, w] of table) {
    x -= w
    if (x < 0) return value
  }
  return (table[table.length - 1] as readonly [T, number])[0]
}
