// The one HTML escaper, for every page tongban or its test kit serves (portal, sign-in, single
// sign-on, the department app). HTML by tagged template: every interpolated value is escaped
// unless it is already `Html` (the result of another `html` template or of `raw` for trusted
// constant markup). Arrays are joined.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml (s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

export class Html {
  constructor (readonly value: string) {}
  toString (): string { return this.value }
}

export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[]

function render (v: Interpolation): string {
  if (v === null || v === undefined || v === false) return ''
  if (v instanceof Html) return v.value
  if (Array.isArray(v)) return v.map(render).join('')
  return escapeHtml(String(v))
}

export function html (strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!
  return new Html(out)
}

/** Trusted markup (constants only, never user input). */
export const raw = (s: string): Html => new Html(s)
