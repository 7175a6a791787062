// A county's local 赋权 decision for a town: grant a matter (the town's catalogue matter, or one the
// catalogue lacks, given whole) or withdraw one, from a day on, under a document number. Checked
// here against what the store knows; recorded append-only (the route that calls this audits it).
import { z } from 'zod'
import { Matter } from '../model/matter.ts'
import { line, lines } from '../model/text.ts'
import { TongbanError } from '../errors.ts'
import type { Db } from '../store/db.ts'
import { inCatalogue, matterOf, recordDecision, type MatterDecision } from '../store/matters.ts'
import { StorableMatter, describeIssues } from './check.ts'

/** A calendar day that exists (2026-02-30 does not). */
export const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((d) => { const t = Date.parse(`${d}T00:00:00Z`); return !Number.isNaN(t) && new Date(t).toISOString().startsWith(d) }, 'a date that exists')

export const DecisionInput = z.object({
  town: z.string().regex(/^\d{12}$/, 'a 12-digit division code'),
  action: z.enum(['grant', 'withdraw']),
  taskHandleItem: z.string().length(33),
  /** For a grant of a matter the town's catalogue lacks: the whole matter (origin local). */
  matter: Matter.optional(),
  /** 文号 of the county's decision. */
  docNo: line().trim().min(1).max(100),
  decidedOn: Day,
  effectiveFrom: Day,
  reason: lines().trim().min(1).max(2000),
})
export type DecisionInput = z.infer<typeof DecisionInput>

/** Checks the decision against the configured towns and what the store knows, then appends it. */
export async function recordCountyDecision (db: Db, towns: ReadonlyArray<{ code: string }>, input: DecisionInput, decidedBy: string): Promise<MatterDecision> {
  if (!towns.some((t) => t.code === input.town)) throw new TongbanError('TB_TOWN_NOT_CONFIGURED', [input.town, towns.map((t) => t.code).join(', ')])
  if (input.effectiveFrom < input.decidedOn) throw new TongbanError('TB_MATTER_DECISION_INVALID', [`effectiveFrom ${input.effectiveFrom} is before decidedOn ${input.decidedOn}; a decision takes effect on or after the day it is made`])
  if (input.action === 'withdraw') {
    if (input.matter) throw new TongbanError('TB_MATTER_DECISION_INVALID', ['a withdrawal names the matter by taskHandleItem only; leave out matter'])
    const known = await matterOf(db, { town: input.town, taskHandleItem: input.taskHandleItem, on: input.effectiveFrom })
    if (!known) throw new TongbanError('TB_MATTER_NOT_FOUND', [input.taskHandleItem, input.town, input.town])
  } else if (input.matter) {
    const checked = StorableMatter.safeParse(input.matter)
    if (!checked.success) throw new TongbanError('TB_MATTER_DECISION_INVALID', [`matter: ${describeIssues(checked.error).join('; ')}`])
    if (input.matter.taskHandleItem !== input.taskHandleItem) throw new TongbanError('TB_MATTER_DECISION_INVALID', [`matter.taskHandleItem ${input.matter.taskHandleItem} is not the decision's taskHandleItem ${input.taskHandleItem}`])
  } else if (!await inCatalogue(db, input.town, input.taskHandleItem)) {
    throw new TongbanError('TB_MATTER_DECISION_INVALID', [`the catalogue of town ${input.town} has no matter ${input.taskHandleItem}; a grant of a matter the catalogue lacks gives the whole matter in matter`])
  }
  const { matter, ...decision } = input
  return await recordDecision(db, { ...decision, decidedBy, ...(matter ? { matter } : {}) })
}
