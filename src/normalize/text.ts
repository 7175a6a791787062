// Free text: names of persons and enterprises, addresses, other text. NFKC folds full-width
// letters, digits and punctuation and the ideographic space to their ordinary forms.
import { isSpaceCode } from './chars.ts'
import { failNote } from './fail-note.ts'
import { ok, type Normalized } from './result.ts'

/** Whitespace (JS \s covers U+3000, NBSP, BOM and the U+2000 spaces). */
const SPACE_RUNS = /\s+/g
/** Invisible characters that carry nothing in a name or address: zero-width spaces and joiners, word joiner, C0/C1 controls. */
const INVISIBLE = /[\u200b-\u200d\u2060\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g

/**
 * True when `s` is already what `text` would answer: only printable ASCII, CJK ideographs and
 * CJK punctuation that NFKC leaves alone, single spaces, no space at either end.
 */
function alreadyClean (s: string): boolean {
  const n = s.length
  if (n === 0) return false
  let prevSpace = true // a leading space is not clean
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c === 32) {
      if (prevSpace) return false
      prevSpace = true
      continue
    }
    prevSpace = false
    if (c > 32 && c < 127) continue
    if (c >= 0x4e00 && c <= 0x9fff) continue
    if (c >= 0x3400 && c <= 0x4dbf) continue
    if (c >= 0x3001 && c <= 0x3003) continue // 、。〃
    if (c >= 0x3008 && c <= 0x3011) continue // 〈〉《》「」『』【】
    return false
  }
  return !prevSpace
}

/** NFKC, invisible characters removed, runs of whitespace collapsed to one space, trimmed. */
function cleanText (input: string): string {
  if (alreadyClean(input)) return input
  return input.normalize('NFKC').replace(INVISIBLE, '').replace(SPACE_RUNS, ' ').trim()
}

/** Text: NFKC, whitespace runs collapsed to one space, trimmed. Empty is TB_TEXT_INVALID. */
export function text (input: string): Normalized<string> {
  const s = cleanText(input)
  if (s.length === 0) return failNote('TB_TEXT_INVALID', 'empty', input)
  return ok(s)
}

/** An address: normalised like `text`. */
export function address (input: string): Normalized<string> {
  return text(input)
}

/**
 * Middle dots in names (Uyghur, transliterated foreign names): U+00B7 · U+2022 • U+30FB ・
 * U+2027 ‧ U+2219 ∙ U+22C5 ⋅ U+FF65 ･ and '.' (after NFKC, which also folds ．﹒ to '.' and
 * ･ to ・), all written U+00B7.
 */
const DOTS = /[.\u00b7\u2022\u30fb\u2027\u2219\u22c5\uff65]/g
const ALL_SPACE = /\s+/g

/** True when `s` is already a normalised name: printable ASCII but space and '.', CJK ideographs, '·'. */
function isCleanName (s: string): boolean {
  const n = s.length
  if (n === 0) return false
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c > 32 && c < 127 && c !== 46) continue
    if (c >= 0x4e00 && c <= 0x9fff) continue
    if (c >= 0x3400 && c <= 0x4dbf) continue
    if (c === 0xb7) continue
    return false
  }
  return true
}

/** `s` without whitespace (ASCII, U+3000 and the other Unicode spaces). */
function withoutSpaces (s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) if (!isSpaceCode(s.charCodeAt(i))) out += s[i]
  return out
}

/** A person's name: NFKC, all whitespace removed (including U+3000), middle dots unified to U+00B7. */
export function personName (input: string): Normalized<string> {
  let s: string
  if (isCleanName(input)) s = input
  else {
    // padding and U+3000 inside a name are common: strip them before paying for NFKC
    const stripped = withoutSpaces(input)
    s = isCleanName(stripped)
      ? stripped
      : input.normalize('NFKC').replace(INVISIBLE, '').replace(ALL_SPACE, '').replace(DOTS, '·')
  }
  if (s.length === 0) return failNote('TB_TEXT_INVALID', 'empty name', input)
  return ok(s)
}

/** A space next to a full-width bracket, or between two CJK characters (ideographs or CJK punctuation). */
const CJK_SPACE = /(?<=[（）]) | (?=[（）])|(?<=[\p{Script=Han}\u3001-\u303f]) (?=[\p{Script=Han}\u3001-\u303f])/gu

/**
 * An enterprise name: NFKC, whitespace collapsed and trimmed, spaces between CJK characters and
 * next to brackets removed, brackets written full-width （） as registered names are.
 */
export function enterpriseName (input: string): Normalized<string> {
  let s = cleanText(input)
  if (s.indexOf('(') >= 0 || s.indexOf(')') >= 0) s = s.replace(/\(/g, '（').replace(/\)/g, '）')
  if (s.indexOf(' ') >= 0) s = s.replace(CJK_SPACE, '')
  if (s.length === 0) return failNote('TB_TEXT_INVALID', 'empty name', input)
  return ok(s)
}
