import type { z } from 'zod'
import { PersonFields } from './person.ts'
import { EnterpriseFields } from './enterprise.ts'

export * from './person.ts'
export * from './enterprise.ts'

export const entitySchemas = { person: PersonFields, enterprise: EnterpriseFields } as const
export type EntityKind = keyof typeof entitySchemas
export type EntityFields<K extends EntityKind> = z.infer<(typeof entitySchemas)[K]>

// The key field of each kind: persons by resident ID number, enterprises by credit code.
export const entityKeys = { person: 'idNumber', enterprise: 'creditCode' } as const
