// 市场监管 企业登记信息共享接口 — the provincial market-regulation registry. No webhooks: towns
// poll it for enterprises changed since a point in time, with OAuth2 client credentials
// (spec: /work/shared/departments/market-regulation.md).
import { z } from 'zod'
import {
  defineAdapter, DepartmentAuthError, DepartmentBusinessError, DepartmentRateLimitedError, DepartmentUnavailableError,
  type DepartmentHttp, type PullPage, type PullStream, type RawRecord,
} from '../../src/adapter-sdk/index.ts'
import type { ErrorCode } from '../../src/errors.ts'
import {
  address, capital, codeTable, creditCode, date, divisionCode, enterpriseName, fail, formatBeijingCompact, personName,
  residentId, text, timestamp,
} from '../../src/normalize/index.ts'
import { demoSimulator } from './demo.ts'

export const ID = 'market-regulation'
export const ENTERPRISES_PATH = '/api/v2/enterprises'
/** Spec: `pageSize` at most 500. */
export const MAX_PAGE_SIZE = 500
/** `updatedAfter` of a first run: the epoch, in Beijing time. */
export const EPOCH = '19700101080000'

// ---------------------------------------------------------------------------------------------
// GXSJ / updatedAfter: `YYYYMMDDHHmmss`, Beijing time (UTC+8)

const COMPACT = /^\d{14}$/

/** GXSJ -> the instant it names, or the normaliser's reason why it names none. */
function instantOf (gxsj: string): { at: Date } | { error: { code: ErrorCode, message: string } } {
  const t = timestamp(gxsj)
  return t.ok ? { at: new Date(t.value) } : { error: { code: t.error.code, message: `GXSJ: ${t.error.message}` } }
}

/** One second before a compact Beijing time (both as `YYYYMMDDHHmmss`). */
function oneSecondBefore (compact: string): string {
  const t = timestamp(compact)
  if (!t.ok) throw new TypeError(`not a YYYYMMDDHHmmss time: ${compact}`)
  return formatBeijingCompact(new Date(Date.parse(t.value) - 1000))
}

// ---------------------------------------------------------------------------------------------
// the pull stream

/**
 * Where the enterprises stream stands. `updatedAfter` is exclusive; `pageNo` pages within it;
 * `maxGxsj` is the largest GXSJ seen since the run began (null before any row).
 */
export const Cursor = z.object({
  updatedAfter: z.string().regex(COMPACT, 'YYYYMMDDHHmmss').refine((v) => timestamp(v).ok, 'a real time'),
  pageNo: z.number().int().min(1),
  maxGxsj: z.string().regex(COMPACT, 'YYYYMMDDHHmmss').refine((v) => timestamp(v).ok, 'a real time').nullable().default(null),
})
export type Cursor = z.infer<typeof Cursor>

interface Answer {
  code?: unknown
  msg?: unknown
  data?: { total?: unknown, pageNo?: unknown, pageSize?: unknown, list?: unknown } | null
}

/** The page's rows and the page size the department applied, or the error the business code stands for. */
function rowsOf (answer: unknown): { list: unknown[], pageSize: unknown } {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw new DepartmentUnavailableError(ID, 'the answer is not a JSON object')
  }
  const { code, msg, data } = answer as Answer
  if (typeof code !== 'string' && typeof code !== 'number') throw new DepartmentUnavailableError(ID, 'the answer has no business code')
  const said = `${String(code)} ${typeof msg === 'string' ? msg : ''}`.trim()
  switch (String(code)) {
    case '0000': break
    case '4001': throw new DepartmentAuthError(ID, `token expired or revoked (${said})`)
    case '4290': throw new DepartmentRateLimitedError(ID)
    case '5000': throw new DepartmentUnavailableError(ID, `internal error (${said})`)
    default: throw new DepartmentBusinessError(ID, String(code))
  }
  if (!Array.isArray(data?.list)) throw new DepartmentUnavailableError(ID, 'code 0000 without data.list')
  return { list: data.list, pageSize: data.pageSize }
}

/**
 * One row -> a raw record. sourceId `TYSHXYDM@GXSJ` (a change of an enterprise), observedAt GXSJ.
 * Empty and "null" values stay as sent: the platform's mapper skips them.
 */
export function toRawRecord (row: unknown, receivedAt: Date): RawRecord {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    return { sourceId: `row@${formatBeijingCompact(receivedAt)}`, observedAt: receivedAt, fields: { row }, reject: fail('TB_RECORD_INVALID', 'a list entry is not an object').error }
  }
  const fields = row as Record<string, unknown>
  const code = typeof fields.TYSHXYDM === 'string' ? fields.TYSHXYDM.trim() : String(fields.TYSHXYDM ?? '')
  const gxsj = typeof fields.GXSJ === 'string' ? fields.GXSJ.trim() : String(fields.GXSJ ?? '')
  const when = instantOf(gxsj)
  const record: RawRecord = { sourceId: `${code}@${gxsj}`, observedAt: 'at' in when ? when.at : receivedAt, fields }
  if ('error' in when) record.reject = when.error
  return record
}

/**
 * Page through `updatedAfter` (exclusive). A full page continues the run: from one second before
 * its last GXSJ, page 1 — rows that an update moved while we paged can then not slip past us
 * (with offsets they would: every row updated behind us shifts the rest one place forward). If
 * the whole page shares the second just after `updatedAfter`, the run steps `pageNo` instead.
 * A short page ends the run; the next one starts one second before the largest GXSJ seen, so
 * rows sharing that last second are read again rather than missed (unify is idempotent).
 */
export async function fetchEnterprises (ctx: { http: DepartmentHttp, cursor: Cursor, pageSize: number }): Promise<PullPage<Cursor>> {
  const { http, cursor } = ctx
  const pageSize = Math.min(Math.max(1, Math.trunc(ctx.pageSize)), MAX_PAGE_SIZE)
  const answer = await http.json<unknown>({
    path: ENTERPRISES_PATH,
    query: { updatedAfter: cursor.updatedAfter, pageNo: cursor.pageNo, pageSize },
  })
  const { list: rows, pageSize: applied } = rowsOf(answer)
  // a department that pages by less than we asked must not make every page look like the last
  const fullPage = typeof applied === 'number' && Number.isInteger(applied) && applied > 0 && applied < pageSize ? applied : pageSize
  const receivedAt = new Date()
  const records = rows.map((row) => toRawRecord(row, receivedAt))

  let pageMax: string | undefined // compact strings of one width compare in time order
  for (const r of records) {
    if (r.reject) continue
    const gxsj = formatBeijingCompact(r.observedAt)
    if (pageMax === undefined || gxsj > pageMax) pageMax = gxsj
  }
  const maxGxsj = pageMax !== undefined && (cursor.maxGxsj === null || pageMax > cursor.maxGxsj) ? pageMax : cursor.maxGxsj

  if (rows.length < fullPage) {
    let updatedAfter = cursor.updatedAfter
    if (maxGxsj !== null) {
      const resume = oneSecondBefore(maxGxsj)
      if (resume > updatedAfter) updatedAfter = resume
    }
    return { records, cursor: { updatedAfter, pageNo: 1, maxGxsj: null }, done: true }
  }
  if (pageMax !== undefined) {
    const from = oneSecondBefore(pageMax)
    if (from > cursor.updatedAfter) return { records, cursor: { updatedAfter: from, pageNo: 1, maxGxsj }, done: false }
  }
  return { records, cursor: { updatedAfter: cursor.updatedAfter, pageNo: cursor.pageNo + 1, maxGxsj }, done: false }
}

export const enterprises: PullStream<Cursor> = {
  cursor: Cursor,
  initialCursor: () => ({ updatedAfter: EPOCH, pageNo: 1, maxGxsj: null }),
  everyMs: 30_000,
  pageSize: MAX_PAGE_SIZE,
  fetchPage: async ({ http, cursor, pageSize }) => await fetchEnterprises({ http, cursor, pageSize }),
}

export default defineAdapter({
  id: ID,
  department: { name: '市场监管 企业登记信息共享接口', level: 'provincial' },
  produces: 'enterprise',
  auth: { type: 'oauth2-client-credentials', tokenPath: '/oauth/token' },
  pull: { enterprises },
  fields: {
    TYSHXYDM: ['creditCode', creditCode], // 统一社会信用代码, GB 32100; about 1 in 100 has a bad check character
    QYMC: ['name', enterpriseName], // 企业名称: full-width brackets, trailing spaces
    QYLX: ['type', text], // 企业类型代码, kept as given
    FDDBR: ['legalRepresentative.name', personName], // 法定代表人
    FDDBRZJHM: ['legalRepresentative.idNumber', residentId], // 15-digit, 18-digit or missing
    ZS: ['address', address], // 住所
    XZQHDM: ['divisionCode', divisionCode], // 6 (county) or 9 (town) digits
    CLRQ: ['establishedOn', date], // 2020-09-29, 20200929, 2020/9/29, 2020年09月29日
    DJZT: ['status', codeTable('DJZT', { 1: 'in-business', 2: 'revoked', 3: 'deregistered', 4: 'moved-out' })], // 登记状态: 存续(在营) 吊销 注销 迁出
    HYDM: ['industryCode', text], // GB/T 4754
    ZCZB: ['registeredCapital', capital], // 100万元人民币, 50万美元
  },
  instance: z.object({
    baseUrl: z.string({ error: `adapter ${ID} pulls from its department: give baseUrl` }),
    credentials: z.unknown().refine((c) => c !== undefined, `adapter ${ID} authenticates with oauth2-client-credentials: give credentials`),
  }),
  simulator: demoSimulator,
})
