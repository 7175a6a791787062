// Free text: names of persons and enterprises, addresses, other text. NFKC folds full-width
// letters, digits and punctuation and the ideographic space to their ordinary forms.
//
// Names are data other systems show and act on, so they are checked, not just cleaned: a control
// character, or markup and template syntax (<script>, {{7*7}}, ${...}), is TB_TEXT_INVALID and
// the record goes to quarantine, as a bad phone number does.
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

/** C0 and C1 control characters but the whitespace ones (tab, line breaks), which are padding. */
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/

/** The first control character of `input` as U+XXXX, or undefined. */
function controlIn (input: string): string | undefined {
  const m = CONTROL.exec(input)
  return m === null ? undefined : `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`
}

/**
 * What a person's name may hold once normalised: letters of any script (Han, Latin for foreign
 * names, Tibetan, Uyghur, ...) with their combining marks, 〇 (a letter number), private-use
 * characters (registers encode rare characters there), the middle dot, the Tibetan syllable
 * mark (tsheg), and the hyphen and apostrophe of foreign names. No digits, brackets, symbols or
 * markup.
 */
const NAME = /^[\p{L}\p{M}\p{Nl}\p{Co}·\u0f0b\u0f0c'\u2019-]+$/u

/** A person's name: NFKC, all whitespace removed (including U+3000), middle dots unified to U+00B7. */
export function personName (input: string): Normalized<string> {
  let s: string
  if (isCleanName(input)) s = input
  else {
    const control = controlIn(input)
    if (control !== undefined) return failNote('TB_TEXT_INVALID', `control character ${control} in a name`, input)
    // padding and U+3000 inside a name are common: strip them before paying for NFKC
    const stripped = withoutSpaces(input)
    s = isCleanName(stripped)
      ? stripped
      : input.normalize('NFKC').replace(INVISIBLE, '').replace(ALL_SPACE, '').replace(DOTS, '·')
  }
  if (s.length === 0) return failNote('TB_TEXT_INVALID', 'empty name', input)
  if (!NAME.test(s)) return failNote('TB_TEXT_INVALID', 'a name holds letters, the middle dot, hyphens and apostrophes only', input)
  return ok(s)
}

/** A space next to a full-width bracket, or between two CJK characters (ideographs or CJK punctuation). */
const CJK_SPACE = /(?<=[（）]) | (?=[（）])|(?<=[\p{Script=Han}\u3001-\u303f]) (?=[\p{Script=Han}\u3001-\u303f])/gu

/**
 * Characters no registered enterprise name holds (after NFKC, which folds ＜＞｛｝ to these):
 * markup, template and expression syntax, and the backslash. Digits, Latin letters, brackets,
 * '&', '.', ',', '-' and the like do occur (常州市第1机械厂, ABC Technology (China) Co., Ltd.).
 */
const NOT_IN_ENTERPRISE_NAMES = /[<>{}$`\\]/

/**
 * An enterprise name: NFKC, whitespace collapsed and trimmed, spaces between CJK characters and
 * next to brackets removed, brackets written full-width （） as registered names are.
 */
export function enterpriseName (input: string): Normalized<string> {
  const control = controlIn(input)
  if (control !== undefined) return failNote('TB_TEXT_INVALID', `control character ${control} in a name`, input)
  let s = cleanText(input)
  const bad = NOT_IN_ENTERPRISE_NAMES.exec(s)
  if (bad !== null) return failNote('TB_TEXT_INVALID', `${JSON.stringify(bad[0])} is not in enterprise names`, input)
  if (s.indexOf('(') >= 0 || s.indexOf(')') >= 0) s = s.replace(/\(/g, '（').replace(/\)/g, '）')
  if (s.indexOf(' ') >= 0) s = s.replace(CJK_SPACE, '')
  if (s.length === 0) return failNote('TB_TEXT_INVALID', 'empty name', input)
  return ok(s)
}
