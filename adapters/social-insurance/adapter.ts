// 人社 社保参保信息推送 — the provincial social-insurance system (金保工程) pushes enrolment changes
// to its subscribers: Standard Webhooks signed with HMAC-SM3 (`v1sm3`), the ID number and phone
// SM4-encrypted under the subscriber's data key, batches of up to 1,000 rows with one row per
// person and insurance type, a 409 read as "already have it" (spec:
// /work/shared/departments/social-insurance.md). The platform verifies, decrypts and maps; this
// file says what the department's fields are.
import { z } from 'zod'
import { BEIJING, defineAdapter, defineFacet, facet, timeFormat, type FacetFieldMap, type RawRecord } from '../../src/adapter-sdk/index.ts'
import { TongbanError, type ErrorCode } from '../../src/errors.ts'
import { fail } from '../../src/normalize/result.ts'
import { codeTable, creditCode, date, enterpriseName, personName, phone, residentId, text } from '../../src/normalize/index.ts'
import { demoSimulator } from './demo.ts'

export const ID = 'social-insurance'

/** Up to 1,000 rows of about 450 bytes (two of them base64 ciphertext): about 0.5 MB; leave headroom. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024

/** AAE036, the time of the change: `YYYYMMDDHHmmss`, Beijing time. It orders changes for one person and type. */
export const AAE036 = timeFormat('YYYYMMDDHHmmss', BEIJING)

// ---------------------------------------------------------------------------------------------
// the insurance-enrolment facet: one entry per insurance type

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'an ISO date YYYY-MM-DD')

/**
 * Ordinary personal information: which insurance schemes a person pays into, since when and for
 * which employer is no health, financial-account or other PIPL art. 28 category (contributions
 * amounts and medical records, which would be, are not in this feed).
 */
export const insuranceEnrolment = defineFacet({
  name: 'insurance-enrolment',
  title: { zh: '社保参保', en: 'Insurance enrolment' },
  of: 'person',
  sensitivity: 'ordinary',
  // the portal's labels: each field's, and each coded value's
  schema: z.object({
    insuranceType: z.enum([
      'enterprise-employee-pension', 'public-institution-pension', 'resident-pension',
      'unemployment', 'employee-medical', 'resident-medical', 'work-injury',
    ]).meta({
      label: { zh: '险种', en: 'Insurance' },
      values: {
        'enterprise-employee-pension': { zh: '企业职工基本养老保险', en: "Enterprise employees' pension" },
        'public-institution-pension': { zh: '机关事业单位养老保险', en: 'Public institutions\' pension' },
        'resident-pension': { zh: '城乡居民基本养老保险', en: "Residents' pension" },
        unemployment: { zh: '失业保险', en: 'Unemployment' },
        'employee-medical': { zh: '职工基本医疗保险', en: "Employees' medical" },
        'resident-medical': { zh: '城乡居民基本医疗保险', en: "Residents' medical" },
        'work-injury': { zh: '工伤保险', en: 'Work injury' },
      },
    }),
    state: z.enum(['paying', 'suspended', 'ended']).meta({
      label: { zh: '参保状态', en: 'State' },
      values: { paying: { zh: '参保缴费', en: 'Paying' }, suspended: { zh: '暂停缴费', en: 'Suspended' }, ended: { zh: '终止参保', en: 'Ended' } },
    }),
    from: isoDate.meta({ label: { zh: '参保日期', en: 'From' } }),
    /** Absent while the enrolment goes on. */
    until: isoDate.optional().meta({ label: { zh: '终止日期', en: 'Until' } }),
    employerCreditCode: z.string().regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/, 'an 18-character unified social credit code').optional()
      .meta({ label: { zh: '单位信用代码', en: 'Employer credit code' }, link: 'enterprise' }),
    employerName: z.string().min(1).max(256).optional().meta({ label: { zh: '参保单位', en: 'Employer' } }),
    /** The employer's number with the social-insurance agency (AAB001). */
    employerNumber: z.string().min(1).max(32).optional().meta({ label: { zh: '单位编号', en: 'Employer number' } }),
  }),
  entryKey: ['insuranceType'],
})

/** AAE140, the spec's insurance types. */
export const insuranceTypes = {
  110: 'enterprise-employee-pension', // 企业职工基本养老保险
  120: 'public-institution-pension', // 机关事业单位养老保险
  170: 'resident-pension', // 城乡居民基本养老保险
  210: 'unemployment', // 失业保险
  310: 'employee-medical', // 职工基本医疗保险
  390: 'resident-medical', // 城乡居民基本医疗保险
  410: 'work-injury', // 工伤保险
} as const

/** AAC008, the enrolment state. */
export const enrolmentStates = {
  1: 'paying', // 参保缴费
  2: 'suspended', // 暂停缴费
  4: 'ended', // 终止参保
} as const

const facetFields = {
  AAE140: ['insuranceType', codeTable('AAE140', insuranceTypes)],
  AAC008: ['state', codeTable('AAC008', enrolmentStates)],
  AAE030: ['from', date], // YYYYMMDD
  AAE031: ['until', date], // YYYYMMDD, empty while ongoing
  AAB998: ['employerCreditCode', creditCode], // empty for residents' insurance
  AAB004: ['employerName', enterpriseName],
  AAB001: ['employerNumber', text],
} as const satisfies FacetFieldMap<typeof insuranceEnrolment.schema>

export const enrolmentFacet = facet(insuranceEnrolment, facetFields)

// ---------------------------------------------------------------------------------------------
// the body

function invalid (reason: string): TongbanError {
  return new TongbanError('TB_WEBHOOK_BODY_INVALID', [reason])
}

/**
 * Split one batch into its rows. Each row is one person's enrolment in one insurance type:
 * sourceId `batchNo#index` (the department repeats a batch under the same batchNo, so a repeat
 * names the same observations and changes nothing), observedAt AAE036 in Beijing time. A row the
 * envelope makes unusable (not an object, no readable AAE036) is returned with `reject`, so it
 * goes to quarantine instead of being dropped; AAC002 and AAE005 arrive encrypted and are
 * decrypted by the platform after this.
 */
export function parse (body: Buffer, meta: { webhookId: string, receivedAt: Date }): RawRecord[] {
  let batch: unknown
  try {
    batch = JSON.parse(body.toString('utf8'))
  } catch (err) {
    throw new TongbanError('TB_WEBHOOK_BODY_INVALID', [`not JSON (${(err as Error).message})`], { cause: err })
  }
  if (typeof batch !== 'object' || batch === null || Array.isArray(batch)) throw invalid('the body is not a JSON object')
  const { batchNo, items } = batch as Record<string, unknown>
  if (typeof batchNo !== 'string' || batchNo === '') throw invalid('batchNo is missing')
  if (!Array.isArray(items)) throw invalid('items is not an array')

  const out: RawRecord[] = new Array(items.length)
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i]
    const raw: RawRecord = { sourceId: `${batchNo}#${i}`, observedAt: meta.receivedAt, fields: {} }
    let rejection: { code: ErrorCode, message: string } | undefined
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      raw.fields = { item }
      rejection = fail('TB_RECORD_INVALID', `items[${i}] is not an object`).error
    } else {
      raw.fields = item as Record<string, unknown>
      const changed = raw.fields.AAE036
      const at = typeof changed === 'string' ? AAE036.parse(changed) : undefined
      if (at === undefined) rejection = fail('TB_DATE_INVALID', `AAE036 ${JSON.stringify(changed)}`).error
      else raw.observedAt = at
    }
    if (rejection) raw.reject = rejection
    out[i] = raw
  }
  return out
}

export default defineAdapter({
  id: ID,
  department: { name: '人社 社保参保信息', level: 'provincial' },
  produces: 'person',
  // a contribution to the person (name, gender, phone), the authority for none of them
  receive: { signature: 'standard-webhooks', maxBodyBytes: MAX_BODY_BYTES, parse, duplicateStatus: 409 },
  // SM4-CBC/PKCS#7 under the subscriber's data key (the instance's credentials.dataKey)
  encrypted: { fields: ['AAC002', 'AAE005'], cipher: 'sm4-cbc' },
  fields: {
    AAC002: ['idNumber', residentId], // encrypted on the wire
    AAC003: ['name', personName],
    AAC004: ['gender', codeTable('AAC004', { 1: 'male', 2: 'female', 9: 'unknown' })],
    AAE005: ['phone', phone], // encrypted on the wire
  },
  facet: enrolmentFacet,
  // the employer the row names: a credit code and a name another register may give differently
  links: [{ kind: 'enterprise', fields: { AAB998: ['creditCode', creditCode], AAB004: ['name', enterpriseName] } }],
  instance: z.object({
    webhook: z.looseObject({}, { error: `adapter ${ID} receives webhooks: give webhook.secrets and webhook.schemes: [v1sm3]` }),
    credentials: z.unknown().refine((c) => c !== undefined, `adapter ${ID} decrypts AAC002 and AAE005: give credentials with dataKey (32 hex characters), or credentials: vault`),
  }),
  simulator: demoSimulator,
})
