// The resident or enterprise a route names, found in the caller's scope. A record outside the
// scope answers exactly like one that does not exist.
import { TongbanError } from '../../errors.ts'
import type { EntityKind } from '../../model/index.ts'
import type { Scope } from '../../model/scope.ts'
import { creditCode, residentId } from '../../normalize/index.ts'
import type { Queryable } from '../../store/db.ts'
import { recordInScope } from '../../store/records.ts'

const keyOf = { person: residentId, enterprise: creditCode } as const
const NOT_FOUND = { person: 'TB_PERSON_NOT_FOUND', enterprise: 'TB_ENTERPRISE_NOT_FOUND' } as const

/** The normalised ID number or credit code of a record in the scope, or the error to answer with. */
export async function existingSubject (db: Queryable, kind: EntityKind, input: string, scope: Scope): Promise<string> {
  const key = keyOf[kind](input)
  if (!key.ok) throw new TongbanError(key.error.code, [input])
  if (!await recordInScope(db, kind, key.value, scope)) throw new TongbanError(NOT_FOUND[kind], [key.value])
  return key.value
}
