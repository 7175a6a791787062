// Character-level helpers shared by the normalisers: full-width to half-width, whitespace, and
// "no value" detection. Pure and allocation-free on the common (already clean) path.

/** True for the whitespace a department may pad a value with: ASCII, NBSP, U+3000, BOM and the U+2000 spaces. */
export function isSpaceCode (c: number): boolean {
  return c <= 32 || c === 0xa0 || c === 0x3000 || c === 0xfeff || c === 0x85 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f
}

/**
 * Full-width ASCII variants (U+FF01..U+FF5E) to their ASCII counterparts and the ideographic
 * space U+3000 to a plain space. Everything else is left alone; a string without such characters
 * is returned as is.
 */
export function toHalfWidth (s: string): string {
  let i = 0
  const n = s.length
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x3000 || (c >= 0xff01 && c <= 0xff5e)) break
  }
  if (i === n) return s
  let out = s.slice(0, i)
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x3000) out += ' '
    else if (c >= 0xff01 && c <= 0xff5e) out += String.fromCharCode(c - 0xfee0)
    else out += s[i]
  }
  return out
}

/** `s` without leading and trailing whitespace (including U+3000); `s` itself when there is none. */
export function trimSpace (s: string): string {
  let start = 0
  let end = s.length
  while (start < end && isSpaceCode(s.charCodeAt(start))) start++
  while (end > start && isSpaceCode(s.charCodeAt(end - 1))) end--
  return start === 0 && end === s.length ? s : s.slice(start, end)
}

/**
 * True when a department value means "no value": null, undefined, '', whitespace only (including
 * U+3000), or the literal string null in any case ('null', 'NULL'). Other types (numbers,
 * booleans, objects) are values.
 */
export function isEmpty (value: unknown): boolean {
  if (value === null || value === undefined) return true
  if (typeof value !== 'string') return false
  const s = trimSpace(value)
  if (s.length === 0) return true
  return s.length === 4 && s.toLowerCase() === 'null'
}
