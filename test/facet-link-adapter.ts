// A facet whose fields name other records, for the portal's facet-link test: an employment
// department pushes, per resident, the employer (a credit code, `.meta({ link: 'enterprise' })`)
// and the person who registered the job (an ID number, `.meta({ link: 'person' })`). The
// department's `links` also make the employer an enterprise record. Run by a gateway from a
// module beside its configuration (path:), like any adapter from outside the build.
import { z } from 'zod'
import { defineAdapter, defineFacet, facet, type RawRecord } from '../src/adapter-sdk/index.ts'
import { TongbanError } from '../src/errors.ts'
import { creditCode, date, divisionCode, enterpriseName, personName, residentId } from '../src/normalize/index.ts'

export const EmploymentSchema = z.object({
  employerCreditCode: z.string().describe('单位信用代码').meta({ link: 'enterprise' }),
  employerName: z.string().optional().describe('单位名称'),
  registeredBy: z.string().optional().meta({ link: 'person', description: '登记人' }),
  since: z.string().describe('参加工作日期'),
})

/** `{ msgId, occurTime, records: [{ SFZH, XM, QH, DWDM, DWMC, DJR, KSRQ }] }` -> one raw record per entry. */
function parse (body: Buffer): RawRecord[] {
  const message = JSON.parse(body.toString('utf8')) as { msgId?: unknown, occurTime?: unknown, records?: unknown }
  if (typeof message.msgId !== 'string' || typeof message.occurTime !== 'string' || !Array.isArray(message.records)) throw new TongbanError('TB_WEBHOOK_BODY_INVALID', ['msgId, occurTime and records are required'])
  const observedAt = new Date(message.occurTime)
  return message.records.map((fields: Record<string, unknown>, i) => ({ sourceId: `${message.msgId as string}#${i}`, observedAt, fields }))
}

export default defineAdapter({
  id: 'employment-test',
  department: { name: '测试 就业登记', level: 'county' },
  produces: 'person',
  receive: { signature: 'standard-webhooks', maxBodyBytes: 1024 * 1024, parse },
  fields: { SFZH: ['idNumber', residentId], XM: ['name', personName], QH: ['divisionCode', divisionCode] },
  links: [{ kind: 'enterprise', fields: { DWDM: ['creditCode', creditCode], DWMC: ['name', enterpriseName] } }],
  facet: facet(defineFacet({
    name: 'test-employment',
    title: { zh: '就业登记', en: 'Employment' },
    of: 'person',
    schema: EmploymentSchema,
    sensitivity: 'ordinary',
    entryKey: ['employerCreditCode'],
  }), {
    DWDM: ['employerCreditCode', creditCode],
    DWMC: ['employerName', enterpriseName],
    DJR: ['registeredBy', residentId],
    KSRQ: ['since', date],
  }),
  instance: z.object({ webhook: z.looseObject({}, { error: 'a pushing department needs webhook.secrets' }) }),
})
