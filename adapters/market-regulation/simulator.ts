// A simulator of the provincial market-regulation data-sharing interface
// (spec: /work/shared/departments/market-regulation.md): OAuth2 client credentials, the paged
// "changed enterprises" API and the quirks seen in production (rate limit, business codes, gateway
// 502/503/504 with HTML pages, slow answers, rows moving to later pages). The server, faults,
// token endpoint and changing register are the SDK's test kit; what is here is the department.
import type { RunningSimulator } from '../../src/adapter-sdk/index.ts'
import {
  changingRegistry, FaultInjector, jsonAnswer, startSimServer, tokenEndpoint,
  type FaultSettings as KitFaultSettings, type FaultUpdate as KitFaultUpdate, type SimAnswer, type SimRequest,
} from '../../src/adapter-sdk/testkit/index.ts'
import {
  baseSecondsAt, enterpriseAt, enterprisesBetween, firstIndexAfter, formatGxsj, parseGxsj, revisedEnterpriseAt,
  seeded, type EnterpriseRow,
} from './data.ts'

/** Deterministic one-shot faults, served to the next API calls in order. */
export type OneShotFault = '503' | 'html502' | 'html503' | 'html504' | 'timeout' | 'hang' | 'slow' | 'revoke' | '4001' | '4290' | '5000'
const BUSINESS_FAULTS = ['4001', '4290', '5000'] as const

export interface FaultSettings extends KitFaultSettings {
  /** Share of API calls answered with business code 5000. */
  internalErrorRate: number
  /** Requests per second per client before business code 4290; 0 turns the limit off. */
  rateLimitPerSecond: number
}

export interface FaultUpdate extends KitFaultUpdate, Partial<Pick<FaultSettings, 'internalErrorRate' | 'rateLimitPerSecond'>> {}

export interface SimulatorOptions extends Partial<Omit<FaultSettings, 'down' | 'hang'>> {
  /** Which registry (data.ts seed); also seeds faults and churn. Default 1. */
  seed?: number
  /** Base rows at start. Default 1000. */
  enterprises?: number
  port?: number
  host?: string
  clients?: { clientId: string, clientSecret: string }[]
  /** Token lifetime (spec: 300). */
  tokenTtlSeconds?: number
  /** After each served page, update this many already-served rows (fractions are a probability). Default 0. */
  churnPerRequest?: number
  /** New enterprises registered per minute while the simulator runs. Default 0. */
  growPerMinute?: number
  /** The simulator's clock (epoch ms), for tests. Default Date.now. */
  now?: () => number
  /**
   * The legal representative to put on row `index`, if any (FDDBR, FDDBRZJHM as the register
   * sends them). The demo draws some from the household register, so its residents and
   * enterprises link and, where the registers disagree on a name, conflict.
   */
  representative?: (index: number) => { FDDBR: string, FDDBRZJHM: string } | undefined
}

export interface SimulatorStats {
  /** Calls of the enterprises API. */
  requests: number
  tokenRequests: number
  /** API calls by outcome: ok, 4000, 4001, 4290, 5000, http502, http503, http504, timeout. */
  byOutcome: Record<string, number>
  /** Token calls by outcome: ok, 400, 401, http503. */
  tokenOutcomes: Record<string, number>
  /** Rows in the registry now (base and grown), and how many of them were updated. */
  enterprises: number
  updated: number
}

export interface TouchedRow { index: number, TYSHXYDM: string, GXSJ: string }

export interface MarketSimulator extends RunningSimulator {
  readonly seed: number
  /** Rows in the registry now (base and grown). */
  size: () => number
  /** Row `index` as the API serves it now (with its latest update). */
  rowAt: (index: number) => EnterpriseRow
  /** Revoke every token issued so far (their next call gets 4001). */
  revokeTokens: () => number
  /** Change fault settings; answers the settings in force. */
  setFaults: (update: FaultUpdate) => FaultSettings & { failNext: string[] }
  /** Queue one-shot faults for the next API calls. */
  failNext: (...kinds: OneShotFault[]) => void
  /** Update rows now: they get a new GXSJ later than every base row and move to the end. */
  touch: (indices: readonly number[]) => TouchedRow[]
  stats: () => SimulatorStats
}

export const MAX_PAGE_SIZE = 500
const API = 'GET /api/v2/enterprises'
const TOKEN = 'POST /oauth/token'

const MESSAGES: Record<string, string> = {
  '0000': '成功',
  4000: '参数错误',
  4001: '令牌无效或已过期',
  4290: '请求过于频繁，请稍后再试',
  5000: '系统内部错误',
}

/** A business answer: HTTP 200 with the code in the body. */
const business = (code: string, detail?: string): SimAnswer =>
  jsonAnswer({ code, msg: detail ? `${MESSAGES[code] ?? '错误'}：${detail}` : MESSAGES[code] ?? '错误', data: null }, 200, code)

/** The page query, or why it is refused (4000). */
function pageQuery (q: URLSearchParams): { afterMs: number, pageNo: number, pageSize: number } | string {
  const afterMs = parseGxsj(q.get('updatedAfter') ?? '')
  const pageNo = Number(q.get('pageNo') ?? '1')
  const pageSize = Number(q.get('pageSize') ?? '100')
  if (afterMs === undefined) return 'updatedAfter 应为 YYYYMMDDHHmmss'
  if (!Number.isInteger(pageNo) || pageNo < 1) return 'pageNo 应为正整数'
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) return `pageSize 应为 1-${MAX_PAGE_SIZE}`
  return { afterMs, pageNo, pageSize }
}

export async function startSimulator (opts: SimulatorOptions = {}): Promise<MarketSimulator> {
  const seed = opts.seed ?? 1
  const now = opts.now ?? Date.now
  const own = { internalErrorRate: opts.internalErrorRate ?? 0, rateLimitPerSecond: opts.rateLimitPerSecond ?? 10 }
  const faults = new FaultInjector({
    seed,
    kinds: BUSINESS_FAULTS,
    timeoutMs: opts.timeoutMs ?? 5000,
    ...(opts.unavailableRate === undefined ? {} : { unavailableRate: opts.unavailableRate }),
    ...(opts.timeoutRate === undefined ? {} : { timeoutRate: opts.timeoutRate }),
    ...(opts.slowRate === undefined ? {} : { slowRate: opts.slowRate }),
    ...(opts.slowMs === undefined ? {} : { slowMs: opts.slowMs }),
  })
  const internalRng = seeded(seed, 0, 101)
  const token = tokenEndpoint({
    clients: opts.clients ?? [{ clientId: 'tongban-demo', clientSecret: 'demo-secret' }],
    ttlSeconds: opts.tokenTtlSeconds ?? 300,
    now,
  })

  const withRepresentative = (index: number, row: EnterpriseRow): EnterpriseRow => {
    const rep = opts.representative?.(index)
    return rep ? { ...row, ...rep } : row
  }
  const registry = changingRegistry<EnterpriseRow>({
    base: opts.enterprises ?? 1000,
    secondsAt: baseSecondsAt,
    firstIndexAfter,
    keyAt: (index) => enterpriseAt(seed, index).TYSHXYDM,
    between: (from, to) => enterprisesBetween(seed, from, to).map((row, i) => withRepresentative(from + i, row)),
    revised: (index, revision, sec) => withRepresentative(index, revisedEnterpriseAt(seed, index, revision, formatGxsj(sec * 1000))),
  }, { seed, churnPerRequest: opts.churnPerRequest ?? 0, growPerMinute: opts.growPerMinute ?? 0, now })

  // At most rateLimitPerSecond calls per client in any second (a sliding window of call times).
  const windows = new Map<string, number[]>()
  function limited (clientId: string): boolean {
    if (own.rateLimitPerSecond <= 0) return false
    const t = now()
    let w = windows.get(clientId)
    if (!w) windows.set(clientId, w = [])
    while (w.length > 0 && w[0]! <= t - 1000) w.shift()
    if (w.length >= own.rateLimitPerSecond) return true
    w.push(t)
    return false
  }

  function enterprises (req: SimRequest): SimAnswer {
    registry.grow()
    const internalRoll = internalRng() // drawn on every call that reaches the department, so a run depends only on the seed
    const clientId = token.clientOf(req.headers)
    if (req.fault === '4001' || clientId === undefined) return business('4001')
    if (req.fault === '4290' || limited(clientId)) return business('4290')
    if (req.fault === '5000' || internalRoll < own.internalErrorRate) return business('5000')
    const q = pageQuery(req.query)
    if (typeof q === 'string') return business('4000', q)
    const { total, list } = registry.page(q.afterMs / 1000, (q.pageNo - 1) * q.pageSize, q.pageSize)
    const answer = jsonAnswer({ code: '0000', msg: MESSAGES['0000'], data: { total, pageNo: q.pageNo, pageSize: q.pageSize, list } }, 200, 'ok')
    registry.churn()
    return answer
  }

  function setFaults (update: FaultUpdate): FaultSettings & { failNext: string[] } {
    for (const k of ['internalErrorRate', 'rateLimitPerSecond'] as const) {
      const v = update[k]
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new RangeError(`${k} must be a non-negative number`)
    }
    const kit = faults.set(update)
    if (update.internalErrorRate !== undefined) own.internalErrorRate = update.internalErrorRate
    if (update.rateLimitPerSecond !== undefined) own.rateLimitPerSecond = update.rateLimitPerSecond
    return { ...kit, ...own }
  }

  function touch (indices: readonly number[]): TouchedRow[] {
    registry.grow()
    return registry.touch(indices).map(({ index, key, seconds }) => ({ index, TYSHXYDM: key, GXSJ: formatGxsj(seconds * 1000) }))
  }

  function stats (): SimulatorStats {
    const api = server.calls(API)
    const tokens = server.calls(TOKEN)
    return { requests: api.calls, tokenRequests: tokens.calls, byOutcome: api.outcomes, tokenOutcomes: tokens.outcomes, enterprises: registry.size(), updated: registry.updated() }
  }

  const server = await startSimServer({
    port: opts.port,
    host: opts.host,
    faults,
    token,
    routes: {
      [API]: { handler: enterprises, faults: 'all' },
      'GET /healthz': () => jsonAnswer({ status: 'ok', enterprises: registry.size() }),
      'GET /_sim/stats': () => jsonAnswer(stats()),
      'GET /_sim/faults': () => jsonAnswer({ ...faults.settings(), ...own }),
      'POST /_sim/faults': (req) => jsonAnswer(setFaults(req.json() as FaultUpdate)),
      'POST /_sim/revoke': () => jsonAnswer({ revoked: token.revoke() }),
      'POST /_sim/touch': (req) => {
        const { indices } = req.json()
        if (!Array.isArray(indices)) throw new RangeError('indices must be an array of row indices')
        return jsonAnswer({ touched: touch(indices as number[]) })
      },
    },
  })

  return {
    url: server.url,
    seed,
    size: registry.size,
    rowAt: registry.rowAt,
    rowKeys: () => Array.from({ length: registry.size() }, (_, index) => registry.rowAt(index).TYSHXYDM),
    revokeTokens: token.revoke,
    setFaults,
    failNext: (...kinds) => { setFaults({ failNext: kinds }) },
    touch,
    stats,
    close: server.close,
  }
}
