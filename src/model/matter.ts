// A service matter (政务服务事项) as the window offers it: one version of one business item
// (业务办理项) of the town's power list, from the provincial catalogue or a county's local 赋权
// decision. The catalogue adapter maps the platform's fields onto this shape; the store keeps every
// version with its effective dates, and cases, guides and forms read it.
import { z } from 'zod'

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')

/** A time limit: an amount of working days (weekends and statutory holidays skipped) or calendar days. */
export const TimeLimit = z.object({
  amount: z.number().int().min(0),
  unit: z.enum(['working-days', 'calendar-days']),
})
export type TimeLimit = z.infer<typeof TimeLimit>

export const MatterType = z.enum(['licensing', 'benefit', 'confirmation', 'other-power', 'public-service'])

/** Form field types; each type has a normaliser and, where the canonical model has one, a source. */
export const FormFieldType = z.enum(['text', 'date', 'idNumber', 'creditCode', 'phone', 'division', 'select', 'number'])

export const FormField = z.object({
  name: z.string().min(1),
  label: z.string().min(1),
  type: FormFieldType,
  required: z.boolean(),
  options: z.array(z.string()).optional(),
})
export type FormField = z.infer<typeof FormField>

export const MatterForm = z.object({ name: z.string().min(1), fields: z.array(FormField) })
export type MatterForm = z.infer<typeof MatterForm>

export const MatterMaterial = z.object({
  name: z.string().min(1),
  form: z.enum(['original', 'copy', 'electronic']),
  /** `as-the-case-may-be`: 视情形提交. */
  need: z.enum(['required', 'as-the-case-may-be']),
  /** `sharing`: the government already holds it (免提交); the applicant need not bring it. */
  source: z.enum(['applicant', 'sharing']),
  pages: z.number().int().min(0).optional(),
  explain: z.string().optional(),
})
export type MatterMaterial = z.infer<typeof MatterMaterial>

export const MatterFee = z.object({ name: z.string().min(1), standard: z.string(), legalBasis: z.string().optional() })

export const Matter = z.object({
  /** 业务办理项编码, 33 characters: the unit a case is opened for. */
  taskHandleItem: z.string().length(33),
  /** 实施编码, 31 characters: the implementing body's credit code, one level digit, the basic code. */
  taskCode: z.string().length(31),
  /** 基本编码, 12 characters. */
  catalogCode: z.string().length(12),
  name: z.string().min(1),
  type: MatterType,
  version: z.number().int().min(1),
  state: z.enum(['in-force', 'withdrawn']),
  effectiveFrom: isoDate,
  /** The last day it applies (the platform's planCancelDate); absent while open-ended. */
  effectiveUntil: isoDate.optional(),
  department: z.object({ name: z.string().min(1), creditCode: z.string().length(18) }),
  /** Handled by the town under 委托/赋权. */
  entrusted: z.boolean(),
  legalBasis: z.string(),
  legalLimit: TimeLimit,
  promisedLimit: TimeLimit,
  /** `immediate` 即办件 (done at the window), `promised` 承诺件. */
  projectType: z.enum(['immediate', 'promised']),
  /** 到办事现场次数. */
  visits: z.number().int().min(0).max(2),
  fees: z.array(MatterFee),
  acceptConditions: z.string(),
  materials: z.array(MatterMaterial),
  forms: z.array(MatterForm),
  place: z.string(),
  hours: z.string(),
  contact: z.string(),
  supervision: z.string(),
  /** When the source last changed this version (the catalogue's updateTime, as an ISO instant): the later wins. */
  updatedAt: z.string(),
})
export type Matter = z.infer<typeof Matter>
