// Raw department record -> canonical record, by the adapter's field map (and, by its links, the
// records of the other entities it names). Pure: no I/O.
// A record that cannot be normalised comes back as a quarantine verdict with the reason, the
// department field and its raw value; it never stops the rest of its batch.
import { setImmediate } from 'node:timers/promises'
import type { z } from 'zod'
import { producesRecords, type AdapterDefinition, type FacetProduction, type LinkDeclaration } from '../adapter-sdk/index.ts'
import type { ErrorCode } from '../errors.ts'
import { entityKeys, entitySchemas, type EntityKind } from '../model/index.ts'
import type { MappedFacet, MappedRecord, RawRecord, Rejection } from '../model/intake.ts'
import { idAgrees, isEmpty } from '../normalize/index.ts'
import type { Normalizer } from '../normalize/result.ts'

export type MapResult = { ok: true, record: MappedRecord } | { ok: false, rejection: Rejection }

function setPath (target: Record<string, unknown>, path: string, value: unknown): void {
  const dot = path.indexOf('.')
  if (dot < 0) { target[path] = value; return }
  const head = path.slice(0, dot)
  const child = (target[head] ??= {}) as Record<string, unknown>
  setPath(child, path.slice(dot + 1), value)
}

function reject (raw: RawRecord, code: ErrorCode, message: string, field?: string, rawValue?: string): MapResult {
  const rejection: Rejection = { sourceId: raw.sourceId, code, message, raw }
  if (field !== undefined) rejection.field = field
  if (rawValue !== undefined) rejection.rawValue = rawValue
  return { ok: false, rejection }
}

/** Why a raw record's values do not make what they should, as its quarantine item says it. */
interface Failure { code: ErrorCode, message: string, field?: string, rawValue?: string }

/** The department's values through the field map's normalisers, at their (dotted) targets. */
function normaliseFields (fields: Readonly<Record<string, readonly [string, Normalizer]>>, raw: RawRecord, data: Record<string, unknown>): Failure | undefined {
  for (const field in fields) {
    const value = raw.fields[field]
    if (isEmpty(value)) continue
    const [target, normalize] = fields[field]!
    const text = typeof value === 'string' ? value : String(value)
    const result = normalize(text)
    if (!result.ok) return { code: result.error.code, message: `${field}: ${result.error.message}`, field, rawValue: text }
    setPath(data, target, result.value)
  }
  return undefined
}

/** The first issue of a failed parse: a missing value, or `invalid` for any other misfit. */
function issueOf (error: z.ZodError, data: Record<string, unknown>, invalid: ErrorCode, prefix = ''): Failure {
  const issue = error.issues[0]!
  const path = issue.path.join('.')
  const missing = issue.code === 'invalid_type' && data[path] === undefined
  return { code: missing ? 'TB_VALUE_MISSING' : invalid, message: `${prefix}${path}: ${issue.message}` }
}

// One entry-key part per field; '/' and '\\' inside a value are escaped so that joined keys never collide.
const keyPart = (value: unknown): string => (value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value)).replace(/[\\/]/g, '\\$&')

/**
 * The facet entry a raw record gives: the facet's field map applied like the canonical one, the
 * result checked against the facet's schema. Pure, and the same for every adapter that produces a
 * facet (the conformance kit calls it too).
 */
export function mapFacet (production: FacetProduction, raw: RawRecord): { ok: true, facet: MappedFacet } | { ok: false, failure: Failure } {
  const { declaration } = production
  const data: Record<string, unknown> = {}
  const failure = normaliseFields(production.fields, raw, data)
  if (failure) return { ok: false, failure }
  const parsed = declaration.schema.safeParse(data)
  if (!parsed.success) return { ok: false, failure: issueOf(parsed.error, data, 'TB_FACET_INVALID', `${declaration.name}.`) }
  const facetData = parsed.data as Record<string, unknown>
  const entryKey = declaration.entryKey.map((field) => keyPart(facetData[field])).join('/')
  return { ok: true, facet: { name: declaration.name, entryKey, data: facetData } }
}

/** Normalised values checked against the kind's canonical schema (and a person's ID number against its birth date and gender). */
function canonicalRecord (kind: EntityKind, data: Record<string, unknown>, raw: RawRecord, prefix = ''): { ok: true, record: MappedRecord } | { ok: false, failure: Failure } {
  const parsed = entitySchemas[kind].safeParse(data)
  if (!parsed.success) return { ok: false, failure: issueOf(parsed.error, data, 'TB_RECORD_INVALID', prefix) }
  const record = parsed.data as Record<string, unknown>
  if (kind === 'person') {
    const agrees = idAgrees(record.idNumber as string, record.birthDate as string | undefined, record.gender as 'male' | 'female' | 'unknown' | undefined)
    if (!agrees.ok) return { ok: false, failure: { code: agrees.error.code, message: `${prefix}${agrees.error.message}` } }
  }
  return { ok: true, record: { kind, key: record[entityKeys[kind]] as string, sourceId: raw.sourceId, observedAt: raw.observedAt, data: record } }
}

/**
 * The record of another entity a raw record describes by `link`, or none when the link's key
 * fields are all empty (the record names no such entity); failures name the link.
 */
function mapLink (link: LinkDeclaration, raw: RawRecord): { ok: true, record?: MappedRecord } | { ok: false, failure: Failure } {
  const keyField = entityKeys[link.kind]
  const keyed = Object.entries(link.fields).some(([field, rule]) => rule[0] === keyField && !isEmpty(raw.fields[field]))
  if (!keyed) return { ok: true }
  const prefix = `link ${link.kind}: `
  const data: Record<string, unknown> = {}
  const failure = normaliseFields(link.fields, raw, data)
  if (failure) return { ok: false, failure: { ...failure, message: prefix + failure.message } }
  return canonicalRecord(link.kind, data, raw, prefix)
}

export function mapRecord (adapter: AdapterDefinition, raw: RawRecord): MapResult {
  // no intake hands records to an adapter without produces (it has no ingest, pull or file workers)
  if (!producesRecords(adapter)) throw new TypeError(`adapter ${adapter.id} produces no records, so none can be mapped`)
  if (raw.reject) return reject(raw, raw.reject.code, raw.reject.message)
  const data: Record<string, unknown> = {}
  const failure = normaliseFields(adapter.fields, raw, data)
  if (failure) return reject(raw, failure.code, failure.message, failure.field, failure.rawValue)
  if (raw.set) Object.assign(data, raw.set)

  const own = canonicalRecord(adapter.produces, data, raw)
  if (!own.ok) return reject(raw, own.failure.code, own.failure.message)
  const mapped = own.record
  const linked: MappedRecord[] = []
  for (const link of adapter.links ?? []) {
    const result = mapLink(link, raw)
    // a bad link value makes the whole raw record doubtful: it goes to quarantine, not half in
    if (!result.ok) return reject(raw, result.failure.code, result.failure.message, result.failure.field, result.failure.rawValue)
    if (result.record) linked.push(result.record)
  }
  if (linked.length > 0) mapped.linked = linked
  if (adapter.facet) {
    const entry = mapFacet(adapter.facet, raw)
    if (!entry.ok) return reject(raw, entry.failure.code, entry.failure.message, entry.failure.field, entry.failure.rawValue)
    mapped.facet = entry.facet
  }
  return { ok: true, record: mapped }
}

export interface MappedRecords { records: MappedRecord[], rejections: Rejection[] }

function mapInto (out: MappedRecords, adapter: AdapterDefinition, raws: readonly RawRecord[], from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const result = mapRecord(adapter, raws[i]!)
    if (result.ok) out.records.push(result.record)
    else out.rejections.push(result.rejection)
  }
}

export function mapBatch (adapter: AdapterDefinition, raws: readonly RawRecord[]): MappedRecords {
  const out: MappedRecords = { records: [], rejections: [] }
  mapInto(out, adapter, raws, 0, raws.length)
  return out
}

/**
 * mapBatch, a slice at a time with the event loop let through between slices: mapping a large
 * page takes milliseconds, and I/O in flight meanwhile (the previous page's store waiting on each
 * statement's answer) should not wait for all of them.
 */
export async function mapBatchInSlices (adapter: AdapterDefinition, raws: readonly RawRecord[], slice = 50): Promise<MappedRecords> {
  const out: MappedRecords = { records: [], rejections: [] }
  for (let from = 0; from < raws.length; from += slice) {
    if (from > 0) await setImmediate()
    mapInto(out, adapter, raws, from, Math.min(from + slice, raws.length))
  }
  return out
}
