// 民政 社会救助信息系统 WebService — the provincial social-assistance register (subsistence
// allowance 低保, extreme-poverty support 特困供养, temporary assistance 临时救助). SOAP 1.1 in GBK,
// MD5-signed parameters inside the operation element, no webhooks: towns poll it for records
// changed since a time, and the service window looks one person up as the staff member's own
// operator account (spec: /work/shared/departments/civil-affairs.md).
import { z } from 'zod'
import {
  BEIJING, callSoap, defineAdapter, defineFacet, defineOperation, defineSoapService, facet, recordTemplate, select, timeFormat, updatedSince,
  DepartmentAccountRejectedError, DepartmentAuthError, DepartmentForbiddenError, DepartmentRateLimitedError, DepartmentUnavailableError, SoapFaultError,
  type DepartmentHttp, type FacetFieldMap, type Normalizer, type PullPage, type PullStream, type RawRecord, type SoapParams,
} from '../../src/adapter-sdk/index.ts'
import { TongbanError } from '../../src/errors.ts'
import { codeTable, count, divisionCode, isEmpty, personName, residentId, yearMonth, yuan } from '../../src/normalize/index.ts'
import { demoSimulator } from './demo.ts'

export const ID = 'civil-affairs'
/** Spec: `pageSize` at most 200. */
export const MAX_PAGE_SIZE = 200

export const jzxx = defineSoapService({
  department: ID,
  path: '/services/JzxxService',
  charset: 'gbk',
  namespaces: { jz: 'http://mz.gov.cn/jzxx' },
  empties: ['', 'null'], // <JSNY/>, <JSNY></JSNY>, <JSNY>null</JSNY>
  lists: ['record'],
})

/** GXSJ and gxsjBegin: `YYYYMMDDHHmmss`, Beijing time. */
const GXSJ = timeFormat('YYYYMMDDHHmmss', BEIJING)

// ---------------------------------------------------------------------------------------------
// the social-assistance facet: sensitive personal information (PIPL art. 28)

const month = z.string().regex(/^\d{4}-\d{2}$/, 'a month YYYY-MM')

export const socialAssistance = defineFacet({
  name: 'social-assistance',
  title: { zh: '社会救助', en: 'Social assistance' },
  of: 'person',
  sensitivity: 'sensitive',
  schema: z.object({
    category: z.enum(['urban-minimum-living', 'rural-minimum-living', 'extreme-poverty-support', 'temporary-assistance']).meta({
      label: { zh: '救助类别', en: 'Category' },
      values: {
        'urban-minimum-living': { zh: '城市低保', en: 'Urban subsistence allowance' },
        'rural-minimum-living': { zh: '农村低保', en: 'Rural subsistence allowance' },
        'extreme-poverty-support': { zh: '特困供养', en: 'Extreme-poverty support' },
        'temporary-assistance': { zh: '临时救助', en: 'Temporary assistance' },
      },
    }),
    peopleCovered: z.number().int().min(1).max(99).meta({ label: { zh: '保障人数', en: 'People covered' } }),
    /** Integer fen (76500 is 765.00 yuan): exact, summable, no binary fractions of a payment. */
    monthlyAmountFen: z.number().int().min(0).meta({ label: { zh: '月救助金额（分）', en: 'Monthly amount (fen)' } }),
    from: month.meta({ label: { zh: '开始年月', en: 'From' } }),
    /** Absent while the assistance goes on. */
    until: month.optional().meta({ label: { zh: '结束年月', en: 'Until' } }),
    state: z.enum(['in-payment', 'suspended', 'ended']).meta({
      label: { zh: '救助状态', en: 'State' },
      values: { 'in-payment': { zh: '在保', en: 'In payment' }, suspended: { zh: '暂停', en: 'Suspended' }, ended: { zh: '终止', en: 'Ended' } },
    }),
    division: z.string().regex(/^\d{12}$/, 'a 12-digit division code').meta({ label: { zh: '户籍区划', en: 'Division' } }),
  }),
  // a person may receive temporary assistance beside a subsistence allowance: one entry each
  entryKey: ['category'],
})

const facetFields = {
  JZLB: ['category', codeTable('JZLB', { '01': 'urban-minimum-living', '02': 'rural-minimum-living', '03': 'extreme-poverty-support', '04': 'temporary-assistance' })], // 城市低保 农村低保 特困供养 临时救助
  JZRS: ['peopleCovered', count], // people covered in the household, integer as text
  JZJE: ['monthlyAmountFen', yuan], // yuan with two decimals: 765.00 -> 76500
  KSNY: ['from', yearMonth], // YYYYMM
  JSNY: ['until', yearMonth], // YYYYMM, empty while ongoing
  ZT: ['state', codeTable('ZT', { 1: 'in-payment', 2: 'suspended', 3: 'ended' })], // 在保 暂停 终止
  XZQH: ['division', divisionCode], // 12 digits, the household's
} as const satisfies FacetFieldMap<typeof socialAssistance.schema>

export const assistanceFacet = facet(socialAssistance, facetFields)

// ---------------------------------------------------------------------------------------------
// faults

/** Spec faults, by the code leading the faultstring (`E101 签名错误`). */
function departmentError (err: unknown): unknown {
  if (!(err instanceof SoapFaultError)) return err
  const said = `${err.faultCode} ${err.faultString}`
  switch (/^E\d{3}/.exec(err.faultString.trim())?.[0]) {
    case 'E101': return new DepartmentAuthError(ID, `signature refused (${said}): check appId and appSecret`)
    case 'E102': return new DepartmentAuthError(ID, `timestamp refused (${said}): check this server's clock, the department allows 10 minutes`)
    case 'E201': return new DepartmentRateLimitedError(ID)
    case 'E500': return new DepartmentUnavailableError(ID, `busy (${said})`)
    case 'E301': return new DepartmentAccountRejectedError(ID, said)
    case 'E302': return new DepartmentForbiddenError(ID, `${said}: the person's household is outside your operator account's county`)
    default: return err
  }
}

/** Calls an operation with the signed values first, in the order the department reads them. */
async function call (http: DepartmentHttp, operation: string, signed: readonly string[], params: Record<string, string>, rest: SoapParams): Promise<Record<string, unknown>> {
  if (!http.sign) throw new TypeError(`${ID}: the department client cannot sign (signed-params with placement body)`)
  const values = await http.sign(params)
  const missing = signed.filter((name) => values[name] === undefined)
  if (missing.length > 0) throw new TypeError(`${ID}: ${operation} needs ${missing.join(', ')} from the platform`)
  try {
    return await callSoap(http, jzxx, `jz:${operation}`, { ...Object.fromEntries(signed.map((name) => [name, values[name]!])), ...params, ...rest })
  } catch (err) {
    throw departmentError(err)
  }
}

// ---------------------------------------------------------------------------------------------
// the pull stream: queryJzxxByGxsj

/**
 * Pages through `gxsjBegin` by `pageNo`, resuming one second before the largest GXSJ seen: rows
 * updated while we page cannot slip past (unify is idempotent, rows seen twice cost nothing).
 */
const cursor = updatedSince({
  time: GXSJ,
  lookbackSeconds: 1,
  params: { since: 'gxsjBegin', page: 'pageNo', pageSize: 'pageSize' },
  maxSeen: 'maxGxsj',
  maxPageSize: MAX_PAGE_SIZE,
})
export const Cursor = cursor.schema
export type Cursor = z.infer<typeof Cursor>

/** One record -> a raw record: one change of one person's entry of one category, observed at GXSJ. */
export const toRawRecord = recordTemplate({ sourceId: '{SFZH}/{JZLB}@{GXSJ}', observedAt: { field: 'GXSJ', time: GXSJ } })

const SIGNED = ['appId', 'timestamp', 'sign'] as const
const resultOf = (operation: string): ((body: unknown) => unknown) => select(`${operation}Response.result`)
const gxsjResult = resultOf('queryJzxxByGxsj')

/** The records of an answer's `result`; `<records/>` (no record) reads as none, a missing result as the department failing. */
function recordsOf (result: unknown, operation: string): unknown[] {
  if (typeof result !== 'object' || result === null) throw new DepartmentUnavailableError(ID, `the ${operation} answer has no result`)
  const records = (result as { records?: unknown }).records
  if (records === undefined) return []
  const list = typeof records === 'object' && records !== null ? (records as { record?: unknown }).record ?? [] : undefined
  if (!Array.isArray(list)) throw new DepartmentUnavailableError(ID, `the ${operation} answer's records are not a list`)
  return list
}

export async function fetchAssistance (ctx: { http: DepartmentHttp, cursor: Cursor, pageSize: number }): Promise<PullPage<Cursor>> {
  const { query, pageSize } = cursor.request(ctx.cursor, ctx.pageSize)
  // The pull's sign covers appId + timestamp + appSecret: no parameters of its own.
  const body = await call(ctx.http, 'queryJzxxByGxsj', SIGNED, {}, query)
  const receivedAt = new Date()
  const records: RawRecord[] = recordsOf(gxsjResult(body), 'queryJzxxByGxsj').map((row) => toRawRecord(row, receivedAt))
  return { records, ...cursor.next(ctx.cursor, { records, pageSize }) }
}

export const assistance: PullStream<Cursor> = {
  cursor: Cursor,
  initialCursor: cursor.initial,
  everyMs: 60_000,
  pageSize: MAX_PAGE_SIZE,
  fetchPage: async ({ http, cursor, pageSize }) => await fetchAssistance({ http, cursor, pageSize }),
}

// ---------------------------------------------------------------------------------------------
// the operation: queryJzxxBySfzh, as the staff member's operator account

const validId = (value: string): boolean => residentId(value).ok
const canonicalId = (value: string): string => {
  const id = residentId(value)
  if (!id.ok) throw new TongbanError(id.error.code, [value])
  return id.value
}

const AssistanceRecord = socialAssistance.schema.extend({ idNumber: z.string(), name: z.string().optional() })
export type AssistanceRecord = z.infer<typeof AssistanceRecord>

const LOOKUP_FIELDS: ReadonlyArray<readonly [string, readonly [string, Normalizer]]> = Object.entries({
  SFZH: ['idNumber', residentId], XM: ['name', personName], ...facetFields,
})

/** A record the look-up answered, through the same normalisers as the pull; one they refuse is TB_RECORD_INVALID naming the field. */
export function assistanceRecord (row: unknown): AssistanceRecord {
  if (typeof row !== 'object' || row === null) throw new TongbanError('TB_RECORD_INVALID', ['a record is not an element with fields'])
  const fields = row as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [field, [target, normalize]] of LOOKUP_FIELDS) {
    const raw = fields[field]
    if (isEmpty(raw)) continue
    const result = normalize(String(raw))
    if (!result.ok) throw new TongbanError('TB_RECORD_INVALID', [`${field}: ${result.error.message}`])
    out[target] = result.value
  }
  const parsed = AssistanceRecord.safeParse(out)
  if (!parsed.success) throw new TongbanError('TB_RECORD_INVALID', [parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')])
  return parsed.data
}

const sfzhResult = resultOf('queryJzxxBySfzh')

export const queryJzxxBySfzh = defineOperation({
  title: { zh: '按身份证号查询救助信息', en: "Look up a person's social assistance" },
  input: z.object({ sfzh: z.string().trim().refine(validId, 'a resident ID number (18 characters, or the 15-digit form)') }),
  output: z.object({ records: z.array(AssistanceRecord) }),
  // Every query is logged by the department under the operator's name: never the service account.
  actAs: { staff: { names: { username: 'czyh', password: 'czymm' }, passwordDigest: { algorithm: 'md5', encoding: 'HEX' }, placement: 'body' } },
  permission: 'records:read',
  idempotencyKey: ({ sfzh }) => canonicalId(sfzh),
  // 邓建军 of 湟里镇 in the demo: subsistence allowance and temporary assistance; then nobody the register knows
  examples: [{ sfzh: '320412199501178919' }, { sfzh: '110101199003070011' }],
  subject: ({ sfzh }) => ({ kind: 'person', key: canonicalId(sfzh) }),
  async run ({ http, input }) {
    const sfzh = canonicalId(input.sfzh)
    // This sign covers appId + timestamp + sfzh + appSecret.
    const body = await call(http, 'queryJzxxBySfzh', [...SIGNED, 'czyh', 'czymm'], { sfzh }, {})
    return { records: recordsOf(sfzhResult(body), 'queryJzxxBySfzh').map(assistanceRecord) }
  },
})

export default defineAdapter({
  id: ID,
  department: { name: '民政 社会救助信息系统', level: 'provincial' },
  produces: 'person',
  // MD5(appId + timestamp [+ sfzh] + appSecret), uppercase hex, inside the operation element
  auth: {
    type: 'signed-params',
    algorithm: 'md5',
    encoding: 'HEX',
    timestamp: 'yyyyMMddHHmmss',
    canonical: ['appId', 'timestamp', 'params', 'secret'],
    params: 'values',
    names: { appId: 'appId', timestamp: 'timestamp', sign: 'sign' },
    placement: 'body',
  },
  pull: { assistance },
  // a contribution to the person, not the authority for any field
  fields: {
    SFZH: ['idNumber', residentId], // 18 characters; about 1 in 30 in the 15-digit form
    XM: ['name', personName], // some with GBK-extension characters (䶮)
  },
  facet: assistanceFacet,
  operations: { queryJzxxBySfzh },
  instance: z.object({
    baseUrl: z.string({ error: `adapter ${ID} pulls from its department: give baseUrl` }),
    credentials: z.unknown().refine((c) => c !== undefined, `adapter ${ID} signs its calls (signed-params): give credentials with appId and appSecret`),
  }),
  simulator: demoSimulator,
})
