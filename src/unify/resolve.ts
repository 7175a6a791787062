// A person resolves a conflict: the chosen value (one of the candidates or a correction, valid
// for the field) becomes the record's value with provenance `resolution` — which outranks every
// department, so a later disagreeing observation opens a new conflict instead of overwriting it.
import type { z } from 'zod'
import type { Db } from '../store/db.ts'
import { TongbanError } from '../errors.ts'
import { entitySchemas } from '../model/index.ts'
import { closeAsResolved, getConflict, type Conflict } from '../store/conflicts.ts'
import { loadRecords, lockRecord, storeRecords } from '../store/records.ts'
import { inScope, type Scope } from '../model/scope.ts'
import { chooseValue } from './merge.ts'
import { RESOLUTION } from './survivorship.ts'

/** `scope`: what the resolver may see; a conflict outside it does not exist for them. */
export interface ResolveInput { value: unknown, reason: string, resolvedBy: string, scope: Scope }

export async function resolveConflict (db: Db, id: number, input: ResolveInput): Promise<Conflict> {
  return await db.transaction(async (tx) => {
    const conflict = await getConflict(tx, id, { forUpdate: true })
    if (!conflict || !inScope(input.scope, conflict.divisionCode)) throw new TongbanError('TB_CONFLICT_NOT_FOUND', [id])
    if (conflict.status !== 'open') throw new TongbanError('TB_CONFLICT_CLOSED', [id, conflict.status])
    const { kind, recordKey, field } = conflict
    const schema = (entitySchemas[kind].shape as Record<string, z.ZodType>)[field]!
    const parsed = input.value === null || input.value === undefined ? undefined : schema.safeParse(input.value)
    if (!parsed?.success) throw new TongbanError('TB_CONFLICT_VALUE_INVALID', [field, parsed?.error?.issues[0]?.message ?? 'a value is required'])

    await lockRecord(tx, kind, recordKey)
    const record = (await loadRecords(tx, kind, [recordKey])).get(recordKey)!
    record.conflicts.delete(field)
    const resolvedAt = new Date().toISOString()
    const source = { adapter: RESOLUTION, sourceId: `conflict/${id}`, observedAt: resolvedAt }
    const kept = record.values[field] ?? null
    // Keeping the current value is a decision too: the history names it (old and new the same),
    // so the record shows who settled the field, when, and through which conflict.
    const entry = chooseValue(record, field, parsed.data, source, input.resolvedBy) ??
      { ...source, changedBy: input.resolvedBy, changes: { [field]: [kept, parsed.data] } }
    await storeRecords(tx, kind, [record], new Map([[recordKey, [entry]]]))
    await closeAsResolved(tx, id, { value: parsed.data, reason: input.reason, resolvedBy: input.resolvedBy, resolvedAt })
    return (await getConflict(tx, id))!
  })
}
