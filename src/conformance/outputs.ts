// What an adapter may give back and throw: raw records of the contract's shape, and errors of the
// catalogue only. Every check that calls the adapter judges what it got by these.
import { isTongbanError } from '../errors.ts'
import { isCatalogueCode, type CodesSeen } from './result.ts'

/** What is wrong with what a call gave back or threw, if anything. */
export function thrownProblem (err: unknown): string | undefined {
  if (isTongbanError(err) && isCatalogueCode(err.code)) return undefined
  const e = err as { name?: unknown, message?: unknown, code?: unknown }
  const what = err instanceof Error ? `${e.name as string}${e.code === undefined ? '' : ` (${String(e.code)})`}: ${String(e.message)}` : `a thrown ${typeof err} ${String(err)}`
  return `threw ${what}; only a TongbanError with a catalogue code may leave an adapter`
}

/** What is wrong with records an adapter returned, if anything; their reject codes are noted. */
export function recordsProblem (records: unknown, seen: CodesSeen, where: string): string | undefined {
  if (!Array.isArray(records)) return `returned ${typeof records}, not an array of raw records`
  for (const [i, r] of records.entries()) {
    const raw = r as { sourceId?: unknown, observedAt?: unknown, fields?: unknown, reject?: { code?: unknown } }
    if (typeof raw !== 'object' || raw === null) return `record ${i} is ${String(raw)}, not a raw record`
    if (typeof raw.sourceId !== 'string' || raw.sourceId === '') return `record ${i} has no sourceId`
    if (!(raw.observedAt instanceof Date) || Number.isNaN(raw.observedAt.getTime())) return `record ${i} (${raw.sourceId}) has no valid observedAt Date`
    if (typeof raw.fields !== 'object' || raw.fields === null) return `record ${i} (${raw.sourceId}) has no fields object`
    if (raw.reject !== undefined) seen.add(raw.reject.code, `${where}, record ${raw.sourceId}`)
  }
  return undefined
}
