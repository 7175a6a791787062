// 市场监管 企业登记信息共享接口 — the provincial market-regulation registry. No webhooks: towns
// poll it for enterprises changed since a point in time, with OAuth2 client credentials
// (spec: /work/shared/departments/market-regulation.md).
import { z } from 'zod'
import {
  BEIJING, businessCodes, defineAdapter, recordSelector, recordTemplate, select, timeFormat, updatedSince,
  type DepartmentHttp, type PullPage, type PullStream,
} from '../../src/adapter-sdk/index.ts'
import {
  address, capital, codeTable, creditCode, date, divisionCode, enterpriseName, personName, residentId, text,
} from '../../src/normalize/index.ts'
import { demoSimulator } from './demo.ts'

export const ID = 'market-regulation'
export const ENTERPRISES_PATH = '/api/v2/enterprises'
/** Spec: `pageSize` at most 500. */
export const MAX_PAGE_SIZE = 500

/** GXSJ and updatedAfter: `YYYYMMDDHHmmss`, Beijing time. */
const GXSJ = timeFormat('YYYYMMDDHHmmss', BEIJING)

/**
 * The enterprises stream pages through `updatedAfter` (exclusive) by `pageNo`, and resumes one
 * second before the largest GXSJ seen (`maxGxsj`): rows updated while we page cannot slip past.
 */
const cursor = updatedSince({
  time: GXSJ,
  lookbackSeconds: 1,
  params: { since: 'updatedAfter', page: 'pageNo', pageSize: 'pageSize' },
  maxSeen: 'maxGxsj',
  maxPageSize: MAX_PAGE_SIZE,
})
export const Cursor = cursor.schema
export type Cursor = z.infer<typeof Cursor>
/** `updatedAfter` of a first run: the epoch, in Beijing time. */
export const EPOCH = cursor.initial().updatedAfter

/** `{ code, msg, data: { total, pageNo, pageSize, list } }`: 0000 ok, 4001 token, 4290 rate limit, 5000 internal error. */
const checkCode = businessCodes(ID, { code: 'code', message: 'msg' })
const rowsOf = recordSelector(ID, 'data.list')
const appliedPageSize = select('data.pageSize')

/** One row -> a raw record: sourceId `TYSHXYDM@GXSJ` (a change of an enterprise), observedAt GXSJ. */
export const toRawRecord = recordTemplate({ sourceId: '{TYSHXYDM}@{GXSJ}', observedAt: { field: 'GXSJ', time: GXSJ } })

export async function fetchEnterprises (ctx: { http: DepartmentHttp, cursor: Cursor, pageSize: number }): Promise<PullPage<Cursor>> {
  const { query, pageSize } = cursor.request(ctx.cursor, ctx.pageSize)
  const answer = await ctx.http.json<unknown>({ path: ENTERPRISES_PATH, query })
  checkCode(answer)
  const receivedAt = new Date()
  const records = rowsOf(answer).map((row) => toRawRecord(row, receivedAt))
  return { records, ...cursor.next(ctx.cursor, { records, pageSize, appliedPageSize: appliedPageSize(answer) }) }
}

export const enterprises: PullStream<Cursor> = {
  cursor: Cursor,
  initialCursor: cursor.initial,
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
