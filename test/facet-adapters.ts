// Facet-producing adapters for the platform's facet tests: a department that pushes, per resident,
// assistance entries (one per category). Built with the SDK like any adapter; the tests register
// them under an id of their choice, so the platform meets them only as configured instances.
import { z } from 'zod'
import { defineAdapter, defineFacet, facet, type FacetFieldMap, type FacetProduction, type Sensitivity, type RawRecord } from '../src/adapter-sdk/index.ts'
import { TongbanError } from '../src/errors.ts'
import { codeTable, date, personName, residentId, text } from '../src/normalize/index.ts'

export const CATEGORIES = { '01': 'dibao', '02': 'tekun' } as const

/** The facet's fields: which assistance, since when, a remark. */
export const AssistanceSchema = z.object({
  category: z.enum(['dibao', 'tekun']).describe('救助类别'),
  since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('起始日期'),
  note: z.string().max(200).optional().describe('备注'),
})

/** `{ msgId, occurTime (ISO 8601), records: [{ SFZH, XM, JZLB, KSRQ, BZ }] }` -> one raw record per entry. */
function parse (body: Buffer): RawRecord[] {
  let message: { msgId?: unknown, occurTime?: unknown, records?: unknown }
  try {
    message = JSON.parse(body.toString('utf8')) as typeof message
  } catch (err) {
    throw new TongbanError('TB_WEBHOOK_BODY_INVALID', ['not JSON'], { cause: err })
  }
  if (typeof message.msgId !== 'string' || typeof message.occurTime !== 'string' || !Array.isArray(message.records)) throw new TongbanError('TB_WEBHOOK_BODY_INVALID', ['msgId, occurTime and records are required'])
  const observedAt = new Date(message.occurTime)
  return message.records.map((fields: Record<string, unknown>, i) => ({ sourceId: `${message.msgId as string}#${i}`, observedAt, fields }))
}

const assistanceFields = {
  JZLB: ['category', codeTable('救助类别', CATEGORIES)],
  KSRQ: ['since', date],
  BZ: ['note', text],
} as const satisfies FacetFieldMap<typeof AssistanceSchema>

/** The facet: one entry per assistance category of a resident. */
function assistanceFacet (name: string, sensitivity: Sensitivity): FacetProduction<typeof AssistanceSchema> {
  const declaration = defineFacet({
    name,
    title: { zh: sensitivity === 'sensitive' ? '社会救助' : '家庭医生签约', en: sensitivity === 'sensitive' ? 'Social assistance' : 'Family doctor contract' },
    of: 'person',
    schema: AssistanceSchema,
    sensitivity,
    entryKey: ['category'],
  })
  return facet(declaration, assistanceFields)
}

export function assistanceAdapter (id: string, facetName: string, sensitivity: Sensitivity) {
  return defineAdapter({
    id,
    department: { name: `测试救助系统 ${id}`, level: 'city' },
    produces: 'person',
    receive: { signature: 'standard-webhooks', maxBodyBytes: 1024 * 1024, parse },
    fields: {
      SFZH: ['idNumber', residentId],
      XM: ['name', personName],
    },
    facet: assistanceFacet(facetName, sensitivity),
    instance: z.object({}),
  })
}
