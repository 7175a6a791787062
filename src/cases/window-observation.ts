// A worker's correction of a pre-filled value, offered to the unified record (when the worker says
// so) as an observation of source `window`: it goes through unify like any department's, so the
// survivorship rules decide whether it is kept and a disagreement with an authority becomes a
// conflict — the window never overwrites a record directly. The observation's sourceId is the
// case number; who corrected what and why stays with the case (its corrections and receiver).
import type { MappedRecord } from '../model/intake.ts'
import type { z } from 'zod'
import { entityKeys, entitySchemas } from '../model/index.ts'
import type { Db } from '../store/db.ts'
import { getCase, type CaseRow } from '../store/cases.ts'
import { getRecord } from '../store/records.ts'
import type { Logger } from '../log.ts'
import type { CaseService } from './service.ts'
import { unify } from '../unify/unify.ts'
import type { SurvivorshipRules } from '../unify/survivorship.ts'

/** The adapter id window observations carry in provenance and history. */
export const WINDOW_SOURCE = 'window'

const GENDER: Readonly<Record<string, string>> = { 男: 'male', 女: 'female' }

/** Form field → the record field it corrects, and the value as the record keeps it. */
const TARGETS = {
  person: {
    name: ['name'], applicantName: ['name'], phone: ['phone'], address: ['address'], birthDate: ['birthDate'],
    gender: ['gender', (v: string) => GENDER[v]], division: ['divisionCode'], divisionCode: ['divisionCode'],
  },
  enterprise: { enterpriseName: ['name'], name: ['name'], address: ['address'], division: ['divisionCode'], divisionCode: ['divisionCode'] },
} as const satisfies Record<'person' | 'enterprise', Record<string, readonly [string, ((v: string) => string | undefined)?]>>

/** The corrections the worker offered to the record, as one observation of the applicant (none when nothing maps). */
export function windowObservation (c: Pick<CaseRow, 'projectNo' | 'applicant' | 'formData' | 'corrections' | 'receivedAt'>): MappedRecord | undefined {
  const kind = c.applicant.kind
  const targets: Readonly<Record<string, readonly [string, ((v: string) => string | undefined)?]>> = TARGETS[kind]
  const data: Record<string, unknown> = {}
  for (const correction of c.corrections) {
    const target = targets[correction.field]
    // the form's normalised value, which is what the case holds
    const raw = c.formData[correction.field]
    if (!correction.offerToRecord || !target || raw === undefined) continue
    const [field, convert] = target
    const value = convert ? convert(raw) : raw
    const schema = (entitySchemas[kind].shape as Record<string, z.ZodType>)[field]
    if (value !== undefined && schema?.safeParse(value).success) data[field] = value
  }
  if (Object.keys(data).length === 0) return undefined
  return { kind, key: c.applicant.key, sourceId: c.projectNo, observedAt: new Date(c.receivedAt), data: { ...data, [entityKeys[kind]]: c.applicant.key } }
}

/**
 * Offers the case's corrections to the applicant's record, once the case is committed; a record
 * the unified store does not hold is not created from a window correction. The fields offered.
 */
export async function offerCorrections (db: Db, rules: SurvivorshipRules, c: CaseRow): Promise<string[]> {
  const observation = windowObservation(c)
  if (!observation || await getRecord(db, observation.kind, observation.key) === undefined) return []
  await db.transaction(async (tx) => { await unify(tx, rules, WINDOW_SOURCE, [observation]) })
  return Object.keys(observation.data).filter((f) => f !== entityKeys[observation.kind])
}

/**
 * The case service whose `open` offers the new case's corrections to the record once the case is
 * committed, whichever face opened it (API, portal). The case stands whatever becomes of the
 * offer: a failure is logged, not answered.
 */
export function offeringCorrections (service: CaseService, deps: { db: Db, rules: () => SurvivorshipRules, logger: Logger }): CaseService {
  return {
    ...service,
    async open (input, actor, town) {
      const opened = await service.open(input, actor, town)
      if (!opened.replayed && input.corrections.some((c) => c.offerToRecord)) {
        const c = await getCase(deps.db, opened.projectNo)
        if (c) {
          await offerCorrections(deps.db, deps.rules(), c).catch((err: Error) => {
            deps.logger.warn({ projectNo: opened.projectNo, err: err.message }, "offering the window's corrections to the record failed")
          })
        }
      }
      return opened
    },
  }
}
