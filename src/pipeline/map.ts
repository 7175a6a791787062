// Raw department record -> canonical record, by the adapter's field map. Pure: no I/O.
// A record that cannot be normalised comes back as a quarantine verdict with the reason, the
// department field and its raw value; it never stops the rest of its batch.
import type { AdapterDefinition } from '../adapter-sdk/index.ts'
import type { ErrorCode } from '../errors.ts'
import { entityKeys, entitySchemas } from '../model/index.ts'
import type { MappedRecord, RawRecord, Rejection } from '../model/intake.ts'
import { idAgrees, isEmpty } from '../normalize/index.ts'

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

export function mapRecord (adapter: AdapterDefinition, raw: RawRecord): MapResult {
  if (raw.reject) return reject(raw, raw.reject.code, raw.reject.message)
  const data: Record<string, unknown> = {}
  for (const field in adapter.fields) {
    const value = raw.fields[field]
    if (isEmpty(value)) continue
    const [target, normalize] = adapter.fields[field]!
    const text = typeof value === 'string' ? value : String(value)
    const result = normalize(text)
    if (!result.ok) return reject(raw, result.error.code, `${field}: ${result.error.message}`, field, text)
    setPath(data, target, result.value)
  }
  if (raw.set) Object.assign(data, raw.set)

  const kind = adapter.produces
  const parsed = entitySchemas[kind].safeParse(data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const path = issue.path.join('.')
    const missing = issue.code === 'invalid_type' && data[path] === undefined
    return reject(raw, missing ? 'TB_VALUE_MISSING' : 'TB_RECORD_INVALID', `${path}: ${issue.message}`)
  }
  const record = parsed.data as Record<string, unknown>
  if (kind === 'person') {
    const agrees = idAgrees(record.idNumber as string, record.birthDate as string | undefined, record.gender as 'male' | 'female' | 'unknown' | undefined)
    if (!agrees.ok) return reject(raw, agrees.error.code, agrees.error.message)
  }
  return { ok: true, record: { kind, key: record[entityKeys[kind]] as string, sourceId: raw.sourceId, observedAt: raw.observedAt, data: record } }
}

export function mapBatch (adapter: AdapterDefinition, raws: readonly RawRecord[]): { records: MappedRecord[], rejections: Rejection[] } {
  const records: MappedRecord[] = []
  const rejections: Rejection[] = []
  for (const raw of raws) {
    const result = mapRecord(adapter, raw)
    if (result.ok) records.push(result.record)
    else rejections.push(result.rejection)
  }
  return { records, rejections }
}
