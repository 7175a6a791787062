// adapter.ts, simulator.ts and demo.ts of a scaffolded pulling adapter: a paged "changed since"
// JSON API, as most provincial interfaces are, with the auth the integrator chose.
import type { AuthTemplate } from './auth.ts'
import { LISTEN_OPTIONS, REGISTER_OPTIONS } from './data.ts'
import type { Names } from './names.ts'

export function pullAdapterTs (n: Names, auth: AuthTemplate): string {
  const signed = auth.signsParams
    ? '\n    // the signature covers the query (signed-params: `params`)\n    const params = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)]))'
    : ''
  return `// ${n.department}: the department answers "persons changed since" a point in time, page by
// page (GET /api/v1/persons?updatedAfter=…&pageNo=…&pageSize=…, JSON { code, msg, data: { total,
// pageNo, pageSize, list } }). Write the department's spec here: its fields, codes and quirks.
import { z } from 'zod'
import {
  BEIJING, businessCodes, defineAdapter, recordSelector, recordTemplate, select, timeFormat, updatedSince, type PullStream,
} from '${n.sdk}/index.ts'
import { divisionCode, personName, phone, residentId } from '${n.src}/normalize/index.ts'
import { demoSimulator } from './demo.ts'

export const ID = '${n.id}'
export const ROWS_PATH = '/api/v1/persons'
/** The largest page the department serves. */
export const MAX_PAGE_SIZE = 500

/** GXSJ and updatedAfter: YYYYMMDDHHmmss, Beijing time. */
const GXSJ = timeFormat('YYYYMMDDHHmmss', BEIJING)

/** Pages through updatedAfter (exclusive) by pageNo; the next run starts a second before the latest GXSJ seen. */
const cursor = updatedSince({
  time: GXSJ,
  lookbackSeconds: 1,
  params: { since: 'updatedAfter', page: 'pageNo', pageSize: 'pageSize' },
  maxSeen: 'maxGxsj',
  maxPageSize: MAX_PAGE_SIZE,
})
export type Cursor = z.infer<typeof cursor.schema>

/** 0000 ok, 4001 auth, 4290 rate limited, 5000 unavailable, anything else a business error. */
const checkCode = businessCodes(ID, { code: 'code', message: 'msg' })
const rowsOf = recordSelector(ID, 'data.list')
const appliedPageSize = select('data.pageSize')

/** One row -> a raw record: a change of a person (ZJHM@GXSJ), observed at GXSJ. */
export const toRawRecord = recordTemplate({ sourceId: '{ZJHM}@{GXSJ}', observedAt: { field: 'GXSJ', time: GXSJ } })

const persons: PullStream<Cursor> = {
  cursor: cursor.schema,
  initialCursor: cursor.initial,
  everyMs: 60_000,
  pageSize: MAX_PAGE_SIZE,
  async fetchPage ({ http, cursor: at, pageSize: asked }) {
    const { query, pageSize } = cursor.request(at, asked)${signed}
    const answer = await http.json<unknown>({ path: ROWS_PATH, query${auth.signsParams ? ', signed: params' : ''} })
    checkCode(answer)
    const receivedAt = new Date()
    const records = rowsOf(answer).map((row) => toRawRecord(row, receivedAt))
    return { records, ...cursor.next(at, { records, pageSize, appliedPageSize: appliedPageSize(answer) }) }
  },
}

export default defineAdapter({
  id: ID,
  department: { name: '${n.department}', level: 'county' },
  produces: 'person',
${auth.declaration}  pull: { persons },
  fields: {
    ZJHM: ['idNumber', residentId], // 公民身份号码
    XM: ['name', personName], // 姓名
    XZQHDM: ['divisionCode', divisionCode], // 行政区划代码
    LXDH: ['phone', phone], // 联系电话
  },
  instance: z.object({
    baseUrl: z.string({ error: \`adapter \${ID} pulls from its department: give baseUrl\` }),${auth.declaration ? `
    credentials: z.unknown().refine((c) => c !== undefined, \`adapter \${ID} signs its calls: give credentials\`),` : ''}
  }),
  simulator: demoSimulator,
})
`
}

export function pullSimulatorTs (n: Names, auth: AuthTemplate): string {
  const kit = ['changingRegistry', 'FaultInjector', 'jsonAnswer', 'startSimServer', ...(auth.tokenEndpoint ? ['tokenEndpoint'] : []), 'type SimAnswer', 'type SimRequest', 'type SimServer']
  return `// A simulator of ${n.department}: its paged "persons changed since" API on the SDK's simulator
// kit, with the department's auth, business codes and one-shot faults, and rows that change while
// a town pages (updated rows move to later pages). Add the department's own quirks here.
${auth.simulatorImports}import type { RunningSimulator } from '${n.sdk}/index.ts'
import { ${kit.join(', ')} } from '${n.sdk}/testkit/index.ts'
import { BASE_SECONDS, firstIndexAfter, rowAt, secondsAt, type Row } from './data.ts'
import type { SimulatorOptions } from './demo.ts'

/** The department's own one-shot faults: its business codes. */
const BUSINESS_FAULTS = ['4001', '4290', '5000'] as const
const MESSAGES: Record<string, string> = { '0000': '成功', 4000: '参数错误', 4001: '认证失败', 4290: '请求过于频繁', 5000: '系统内部错误' }
const API = 'GET /api/v1/persons'
const MAX_PAGE_SIZE = 500

const business = (code: string, detail?: string): SimAnswer =>
  jsonAnswer({ code, msg: detail === undefined ? MESSAGES[code] : MESSAGES[code] + '：' + detail, data: null }, 200, code)

/** YYYYMMDDHHmmss, Beijing time -> epoch seconds; undefined unless that shape. */
function parseTime (text: string): number | undefined {
  const m = /^(\\d{4})(\\d{2})(\\d{2})(\\d{2})(\\d{2})(\\d{2})$/.exec(text)
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]! - 8, +m[5]!, +m[6]!) / 1000 : undefined
}

export interface ${n.type}Simulator extends RunningSimulator {
  /** Row \`index\` as served now. */
  rowAt: (index: number) => Row
  /** Rows now. */
  size: () => number
  /** Queue one-shot faults for the next API calls: the kit's (503, html502, timeout…) or a business code. */
  failNext: (...kinds: string[]) => void
  rowKeys: () => readonly string[]
  server: SimServer
}

export async function startSimulator (opts: SimulatorOptions): Promise<${n.type}Simulator> {
  const { seed } = opts
  const faults = new FaultInjector({ seed, kinds: BUSINESS_FAULTS })
${auth.simulatorSetup}  const registry = changingRegistry<Row>({
    base: opts.rows,
    secondsAt,
    firstIndexAfter,
    keyAt: (index) => rowAt(seed, index).ZJHM,
    between: (from, to) => Array.from({ length: to - from }, (_, i) => rowAt(seed, from + i)),
    revised: (index, revision, seconds) => rowAt(seed, index, revision, seconds),
  }, { seed, churnPerRequest: opts.churnPerRequest })
${auth.check ? `
  /** The department's check of the caller. */
  function authentic (req: SimRequest): boolean {
${auth.check}
  }
` : ''}
  function persons (req: SimRequest): SimAnswer {
${auth.check ? "    if (req.fault === '4001' || !authentic(req)) return business('4001')\n" : "    if (req.fault === '4001') return business('4001')\n"}    if (req.fault === '4290' || req.fault === '5000') return business(req.fault)
    const after = parseTime(req.query.get('updatedAfter') ?? '')
    const pageNo = Number(req.query.get('pageNo') ?? '1')
    const pageSize = Number(req.query.get('pageSize') ?? '100')
    if (after === undefined || after < BASE_SECONDS - 100 * 365 * 86_400) return business('4000', 'updatedAfter 应为 YYYYMMDDHHmmss')
    if (!Number.isInteger(pageNo) || pageNo < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) return business('4000', 'pageNo, pageSize')
    const { total, list } = registry.page(after, (pageNo - 1) * pageSize, pageSize)
    registry.churn()
    return jsonAnswer({ code: '0000', msg: MESSAGES['0000'], data: { total, pageNo, pageSize, list } }, 200, 'ok')
  }

  const server = await startSimServer({
    port: opts.port,
    host: opts.host,
    faults,${auth.tokenEndpoint ? '\n    token,' : ''}
    routes: {
      [API]: { handler: persons, faults: 'all' },
      'GET /_sim/stats': () => jsonAnswer({ rows: registry.size(), updated: registry.updated(), calls: server.calls(API) }),
    },
  })
  return {
    url: server.url,
    rowAt: registry.rowAt,
    size: registry.size,
    failNext: (...kinds) => { faults.set({ failNext: kinds }) },
    rowKeys: () => Array.from({ length: registry.size() }, (_, index) => registry.rowAt(index).ZJHM),
    server,
    close: server.close,
  }
}
`
}

export function pullDemoTs (n: Names, auth: AuthTemplate): string {
  return `// The simulated ${n.department}: its options (\`simulators.${n.id}\` in a configuration) and how
// the demo and \`tongban adapter check --against-simulator\` start it.
import { z } from 'zod'
import { defineSimulator } from '${n.sdk}/index.ts'

export const SimulatorOptions = z.object({
${REGISTER_OPTIONS}${LISTEN_OPTIONS}  /** Rows updated after each page served (they move to later pages). */
  churnPerRequest: z.number().min(0).default(1),
${auth.simulatorOptions}})
export type SimulatorOptions = z.infer<typeof SimulatorOptions>

export const demoSimulator = defineSimulator({
  options: SimulatorOptions,
  // What the department's business codes mean, for the conformance kit's fault checks.
  faults: { 4001: 'auth', 4290: 'rate-limited', 5000: 'unavailable' },
  callsGateway: false,
  async start (options) {
    // Loaded only when started: gateways and workers load this file with the adapter.
    const { startSimulator } = await import('./simulator.ts')
    return await startSimulator(options)
  },
})
`
}
