// How values appear on pages: ID and phone numbers masked by default (the same masking as the
// logs), times in Beijing time, codes by their names, provenance named by department.
import { maskPersonalData } from '../log.ts'
import { enterpriseTypeName, ethnicityName, industryName } from '../normalize/index.ts'
import type { Platform } from '../platform.ts'
import { RESOLUTION } from '../unify/survivorship.ts'
import { html, type Html } from '../html.ts'
import type { Translate } from './i18n.ts'

/** `320412********0029` (18 digits), `320412******029` (15). */
export function maskId (id: string): string {
  const masked = maskPersonalData(id)
  return masked !== id || id.length < 8 ? masked : `${id.slice(0, 3)}${'*'.repeat(id.length - 6)}${id.slice(-3)}`
}

/** `138****8000`; numbers the log masking does not know keep their first 3 and last 4 characters. */
export function maskPhone (phone: string): string {
  const masked = maskPersonalData(phone)
  if (masked !== phone) return masked
  return phone.length > 7 ? `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}` : '*'.repeat(phone.length)
}

/** An ISO time as Beijing time, `2026-11-20 10:00`. */
export function beijingTime (iso: string | null | undefined): string {
  if (!iso) return ''
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return iso
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')
}

export function departmentOf (platform: Platform, adapter: string, t: Translate): string {
  if (adapter === RESOLUTION) return t('record.resolution')
  const instance = platform.instances.get(adapter)
  if (!instance) return adapter
  // Two instances of one adapter (two counties' registers) are told apart by their instance id.
  return instance.adapter.id === adapter ? instance.adapter.department.name : `${instance.adapter.department.name}（${adapter}）`
}

/** A field's value for display. `full`: the staff member gave a purpose and may see ID and phone in full. */
export function displayValue (field: string, value: unknown, t: Translate, full: boolean): Html | string {
  if (value === null || value === undefined || value === '') return html`<span class="muted">${t('record.empty')}</span>`
  if (typeof value === 'string') {
    if (field === 'idNumber') return full ? value : maskId(value)
    if (field === 'phone') return full ? value : maskPhone(value)
    if (field === 'gender') return translated(t, `gender.${value}`, value)
    if (field === 'ethnicityCode') return namedCode(ethnicityName(value), value)
    if (field === 'type') return namedCode(enterpriseTypeName(value), value)
    if (field === 'industryCode') return namedCode(industryLabel(value), value)
    if (field === 'status') return translated(t, `personStatus.${value}`, translated(t, `enterpriseStatus.${value}`, value))
    return value
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>
    if (field === 'legalRepresentative' && typeof o.name === 'string') {
      return typeof o.idNumber === 'string' ? `${o.name}（${full ? o.idNumber : maskId(o.idNumber)}）` : o.name
    }
    if (field === 'registeredCapital' && typeof o.text === 'string') return o.text
    return full ? JSON.stringify(value) : maskPersonalData(JSON.stringify(value))
  }
  return String(value)
}

/** `汉族 01`: the name a window worker reads, and the code a form may ask for; the code alone when unknown. */
function namedCode (name: string | undefined, code: string): Html | string {
  return name === undefined ? code : html`${name} <span class="muted code">${code}</span>`
}

/** `制造业 · 金属制品业`: the section, and the division when the code names one. */
function industryLabel (code: string): string | undefined {
  const names = industryName(code)
  if (!names) return undefined
  return names.divisionName ? `${names.sectionName} · ${names.divisionName}` : names.sectionName
}

function translated (t: Translate, key: string, fallback: string): string {
  // Keys come from stored codes: an unknown code shows as it is.
  const text = (t as (k: string) => string)(key)
  return text === undefined || text === key ? fallback : text
}
