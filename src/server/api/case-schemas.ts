// Response and query shapes of /api/v1/cases and the pre-filled form, from the case model's schemas.
import { z } from 'zod'
import { Case, CaseAction, CaseDeadline, CaseEvent, CaseState } from '../../model/case.ts'
import { FormFieldType, MatterMaterial } from '../../model/matter.ts'

export const CaseDetail = Case.extend({
  allowed: z.array(CaseAction).describe('the actions the window may take in this state (the department\'s own come through its webhooks)'),
}).meta({ id: 'Case' })

export const TransitionAnswer = z.object({
  event: CaseEvent,
  case: CaseDetail,
  replayed: z.boolean().describe('true when the requestId had already made this event: nothing was applied again'),
}).meta({ id: 'CaseTransition' })

export const CaseEvents = z.object({ items: z.array(CaseEvent) }).meta({ id: 'CaseEvents' })

export const CaseListItem = z.object({
  projectNo: z.string(),
  town: z.string(),
  matterName: z.string(),
  taskHandleItem: z.string(),
  state: CaseState,
  applicant: z.object({ kind: z.enum(['person', 'enterprise']), key: z.string(), name: z.string() }),
  receivedBy: z.object({ kind: z.string(), id: z.string(), name: z.string() }),
  receivedAt: z.string(),
  due: z.string().nullable().describe('the earliest running clock\'s last day (Beijing), if a clock runs'),
  dueKind: CaseDeadline.shape.kind.nullable(),
  alert: z.enum(['overdue', 'due-soon']).nullable().describe('overdue: the due day is past; due-soon: within cases.dueSoonWorkingDays working days'),
  href: z.string(),
}).meta({ id: 'CaseListItem' })

const Source = z.object({
  adapter: z.string().describe('the adapter instance that observed the value'),
  department: z.string().describe('its department, by name'),
  sourceId: z.string(),
  observedAt: z.string(),
})

export const PrefillAnswer = z.object({
  taskHandleItem: z.string(),
  taskVersion: z.number().int(),
  applicant: z.object({ kind: z.enum(['person', 'enterprise']), key: z.string(), name: z.string().nullable(), found: z.boolean().describe('false: no record in your scope; the form stays empty') }),
  fields: z.array(z.object({
    field: z.string(),
    label: z.string(),
    type: FormFieldType,
    value: z.string().nullable(),
    source: Source.nullable(),
    withheld: z.enum(['forbidden', 'purpose-required']).nullable().describe('a sensitive facet\'s value not given: your roles may not read it, or no purpose (x-purpose) was given'),
  })),
  materials: z.array(MatterMaterial.extend({
    exempt: z.boolean().describe('免提交: the government holds it already'),
    replacedBy: z.object({
      kind: z.enum(['person', 'enterprise']),
      key: z.string(),
      facet: z.string().nullable(),
      title: z.string(),
      source: Source.nullable(),
    }).nullable().describe('the record that stands in for it'),
  })),
}).meta({ id: 'Prefill' })
