// A simulator of the provincial market-regulation data-sharing interface
// (spec: /work/shared/departments/market-regulation.md): a real node:http server with OAuth2
// client credentials, the paged "changed enterprises" API and the quirks seen in production
// (rate limit, gateway 502/503/504 with HTML pages, slow answers, rows moving to later pages).
//
// Scale. The registry is `enterprises` base rows that are a pure function of their index
// (data.ts), ordered by (GXSJ, TYSHXYDM) in index order, so a page of a million-row registry is
// arithmetic on an index range. Rows updated while the simulator runs (churn, /_sim/touch) and
// rows added over time (growth) live in an overlay, all later than every base row; a page is
// the base rows that are not overlaid followed by the overlay rows, both filtered by GXSJ.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { RunningSimulator } from '../../src/adapter-sdk/index.ts'
import {
  baseSecondsAt, enterprisesBetween, enterpriseAt, firstIndexAfter, formatGxsj, parseGxsj,
  revisedEnterpriseAt, seeded, BASE_GXSJ_MS, type EnterpriseRow,
} from './data.ts'

/** Deterministic one-shot faults, served to the next API calls in order. */
export type OneShotFault = '503' | '4290' | '4001' | '5000' | 'html502' | 'timeout'

export interface FaultSettings {
  /** Share of API calls answered by the gateway with 503, or 502/504 with an HTML page. */
  unavailableRate: number
  /** Share of API calls that hang `timeoutMs`, then get a gateway 504. */
  timeoutRate: number
  timeoutMs: number
  /** Share of API calls answered with business code 5000. */
  internalErrorRate: number
  /** Requests per second per client before business code 4290; 0 turns the limit off. */
  rateLimitPerSecond: number
  /** Every call (token and API) is answered 503 until turned off. */
  down: boolean
  /** Every call (token and API) hangs until turned off. */
  hang: boolean
}

export interface FaultUpdate extends Partial<FaultSettings> {
  failNext?: ({ kind: OneShotFault } | OneShotFault)[]
}

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
  setFaults: (update: FaultUpdate) => FaultSettings
  /** Queue one-shot faults for the next API calls. */
  failNext: (...kinds: OneShotFault[]) => void
  /** Update rows now: they get a new GXSJ later than every base row and move to the end. */
  touch: (indices: readonly number[]) => TouchedRow[]
  stats: () => SimulatorStats
}

export const MAX_PAGE_SIZE = 500
const ONE_SHOT: readonly OneShotFault[] = ['503', '4290', '4001', '5000', 'html502', 'timeout']

const MESSAGES: Record<string, string> = {
  '0000': '成功',
  4000: '参数错误',
  4001: '令牌无效或已过期',
  4290: '请求过于频繁，请稍后再试',
  5000: '系统内部错误',
}

const html = (status: number, title: string): string =>
  `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`

interface OverlayEntry { index: number, sec: number, code: string, revision: number }

function cmpEntry (a: { sec: number, code: string }, b: { sec: number, code: string }): number {
  return a.sec !== b.sec ? a.sec - b.sec : a.code < b.code ? -1 : a.code > b.code ? 1 : 0
}

/** First position in the sorted `list` where `before(item)` is false. */
function lowerBound<T> (list: readonly T[], before: (item: T) => boolean): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (before(list[mid]!)) lo = mid + 1
    else hi = mid
  }
  return lo
}

class HttpAnswer {
  constructor (readonly status: number, readonly body: string, readonly type = 'application/json; charset=utf-8') {}
}
const json = (value: unknown, status = 200): HttpAnswer => new HttpAnswer(status, JSON.stringify(value))
const business = (code: string, detail?: string): HttpAnswer =>
  json({ code, msg: detail ? `${MESSAGES[code] ?? '错误'}：${detail}` : MESSAGES[code] ?? '错误', data: null })

export async function startSimulator (opts: SimulatorOptions = {}): Promise<MarketSimulator> {
  const seed = opts.seed ?? 1
  const base = opts.enterprises ?? 1000
  if (!Number.isInteger(base) || base < 0) throw new RangeError('enterprises must be a non-negative integer')
  const now = opts.now ?? Date.now
  const clients = new Map((opts.clients ?? [{ clientId: 'tongban-demo', clientSecret: 'demo-secret' }]).map((c) => [c.clientId, c.clientSecret]))
  const tokenTtl = opts.tokenTtlSeconds ?? 300
  const churnPerRequest = opts.churnPerRequest ?? 0
  const growPerMinute = opts.growPerMinute ?? 0
  const faults: FaultSettings = {
    unavailableRate: opts.unavailableRate ?? 0,
    timeoutRate: opts.timeoutRate ?? 0,
    timeoutMs: opts.timeoutMs ?? 5000,
    internalErrorRate: opts.internalErrorRate ?? 0,
    rateLimitPerSecond: opts.rateLimitPerSecond ?? 10,
    down: false,
    hang: false,
  }
  const oneShots: OneShotFault[] = []
  const faultRng = seeded(seed, 0, 101)
  const churnRng = seeded(seed, 0, 102)
  const startedAt = now()

  // ---- registry state ----------------------------------------------------------------------
  const baseMaxSec = base > 0 ? baseSecondsAt(base - 1) : BASE_GXSJ_MS / 1000 - 1
  /** Overlay rows, sorted by (GXSJ, TYSHXYDM); every one is later than every base row. */
  const overlay: OverlayEntry[] = []
  const overlayByIndex = new Map<number, OverlayEntry>()
  /** Base indices that are overlaid, ascending: they are skipped where the base order has them. */
  const overlaidBase: number[] = []
  let overlayClock = baseMaxSec + 1
  let grown = 0
  let maxServedIndex = -1

  const size = (): number => base + grown

  function place (index: number, sec: number, revision: number): OverlayEntry {
    const previous = overlayByIndex.get(index)
    if (previous) {
      const at = lowerBound(overlay, (e) => cmpEntry(e, previous) < 0)
      if (overlay[at] === previous) overlay.splice(at, 1)
    } else if (index < base) {
      overlaidBase.splice(lowerBound(overlaidBase, (i) => i < index), 0, index)
    }
    overlayClock = Math.max(overlayClock, sec)
    const entry: OverlayEntry = { index, sec: overlayClock, code: enterpriseAt(seed, index).TYSHXYDM, revision }
    overlay.splice(lowerBound(overlay, (e) => cmpEntry(e, entry) < 0), 0, entry)
    overlayByIndex.set(index, entry)
    return entry
  }

  function touch (indices: readonly number[]): TouchedRow[] {
    const sec = Math.floor(now() / 1000)
    return indices.map((index) => {
      if (!Number.isInteger(index) || index < 0 || index >= size()) throw new RangeError(`no enterprise at index ${index}`)
      const entry = place(index, sec, (overlayByIndex.get(index)?.revision ?? 0) + 1)
      return { index, TYSHXYDM: entry.code, GXSJ: formatGxsj(entry.sec * 1000) }
    })
  }

  function grow (): void {
    if (growPerMinute <= 0) return
    const target = Math.floor(((now() - startedAt) / 60_000) * growPerMinute)
    for (let n = 0; grown < target && n < 100_000; n++) {
      const createdMs = startedAt + ((grown + 1) * 60_000) / growPerMinute
      place(base + grown, Math.floor(createdMs / 1000), 0)
      grown++
    }
  }

  const withRepresentative = (index: number, row: EnterpriseRow): EnterpriseRow => {
    const rep = opts.representative?.(index)
    return rep ? { ...row, ...rep } : row
  }

  function rowOf (entry: OverlayEntry): EnterpriseRow {
    return withRepresentative(entry.index, revisedEnterpriseAt(seed, entry.index, entry.revision, formatGxsj(entry.sec * 1000)))
  }

  function rowAt (index: number): EnterpriseRow {
    const entry = overlayByIndex.get(index)
    return entry ? rowOf(entry) : withRepresentative(index, enterpriseAt(seed, index))
  }

  /** Rows with GXSJ > afterSec in (GXSJ, TYSHXYDM) order: positions [offset, offset + limit), and how many there are. */
  function page (afterSec: number, offset: number, limit: number): { total: number, list: EnterpriseRow[] } {
    const lo = Math.min(firstIndexAfter(afterSec), base)
    const overlaidBelow = (x: number): number => lowerBound(overlaidBase, (i) => i < x)
    const overlaidFromLo = overlaidBelow(lo)
    const baseCount = base - lo - (overlaidBase.length - overlaidFromLo)
    const ovStart = lowerBound(overlay, (e) => e.sec <= afterSec)
    const total = baseCount + overlay.length - ovStart
    const list: EnterpriseRow[] = []
    let ov = ovStart
    if (offset < baseCount) {
      // the offset-th base index at or after lo that is not overlaid
      const free = (x: number): number => x - lo - (overlaidBelow(x) - overlaidFromLo) // free indices in [lo, x)
      let a = lo + offset
      let b = Math.min(base - 1, lo + offset + overlaidBase.length)
      while (a < b) {
        const mid = Math.floor((a + b) / 2)
        if (free(mid + 1) >= offset + 1) b = mid
        else a = mid + 1
      }
      // runs of consecutive free indices come from the generator in one go
      let x = a
      while (list.length < limit && x < base) {
        const next = overlaidBase[lowerBound(overlaidBase, (i) => i < x)] ?? base
        const end = Math.min(next, base, x + (limit - list.length))
        if (end > x) {
          enterprisesBetween(seed, x, end).forEach((row, i) => { list.push(withRepresentative(x + i, row)) })
          maxServedIndex = Math.max(maxServedIndex, end - 1)
        }
        x = end === next ? next + 1 : end
      }
    } else {
      ov += offset - baseCount
    }
    for (; list.length < limit && ov < overlay.length; ov++) list.push(rowOf(overlay[ov]!))
    return { total, list }
  }

  function churn (): void {
    if (churnPerRequest <= 0 || maxServedIndex < 0) return
    let count = Math.floor(churnPerRequest)
    if (churnRng() < churnPerRequest - count) count++
    const picks: number[] = []
    for (let i = 0; i < count; i++) picks.push(Math.floor(churnRng() * (maxServedIndex + 1)))
    touch(picks)
  }

  // ---- auth and rate limit ------------------------------------------------------------------
  const tokens = new Map<string, { clientId: string, expiresAt: number }>()
  const windows = new Map<string, number[]>()

  function revokeTokens (): number {
    const n = tokens.size
    tokens.clear()
    return n
  }

  function clientOf (req: IncomingMessage): string | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    if (!m) return undefined
    const token = tokens.get(m[1]!)
    if (!token) return undefined
    if (token.expiresAt <= now()) { tokens.delete(m[1]!); return undefined }
    return token.clientId
  }

  function limited (clientId: string): boolean {
    if (faults.rateLimitPerSecond <= 0) return false
    const t = now()
    let w = windows.get(clientId)
    if (!w) windows.set(clientId, w = [])
    while (w.length > 0 && w[0]! <= t - 1000) w.shift()
    if (w.length >= faults.rateLimitPerSecond) return true
    w.push(t)
    return false
  }

  // ---- faults -------------------------------------------------------------------------------
  const stats = { requests: 0, tokenRequests: 0, byOutcome: {} as Record<string, number>, tokenOutcomes: {} as Record<string, number> }
  const count = (bucket: Record<string, number>, outcome: string): void => { bucket[outcome] = (bucket[outcome] ?? 0) + 1 }
  let closed = false
  const waiting = new Set<() => void>()

  /** Resolves after ms, or at once when the simulator closes. */
  const sleep = async (ms: number): Promise<void> => await new Promise<void>((resolve) => {
    const done = (): void => { clearTimeout(timer); waiting.delete(done); resolve() }
    const timer = setTimeout(done, ms)
    waiting.add(done)
  })
  const hangers = new Set<() => void>()
  const hangWhileAsked = async (): Promise<void> => {
    while (faults.hang && !closed) await new Promise<void>((resolve) => hangers.add(resolve))
  }

  function setFaults (update: FaultUpdate): FaultSettings {
    for (const k of ['unavailableRate', 'timeoutRate', 'timeoutMs', 'internalErrorRate', 'rateLimitPerSecond'] as const) {
      const v = update[k]
      if (v === undefined) continue
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${k} must be a non-negative number`)
      faults[k] = v
    }
    for (const k of ['down', 'hang'] as const) {
      const v = update[k]
      if (v === undefined) continue
      if (typeof v !== 'boolean') throw new RangeError(`${k} must be a boolean`)
      faults[k] = v
    }
    if (!faults.hang) { for (const wake of hangers) wake(); hangers.clear() }
    for (const f of update.failNext ?? []) {
      const kind = typeof f === 'string' ? f : f?.kind
      if (!ONE_SHOT.includes(kind)) throw new RangeError(`failNext kind must be one of ${ONE_SHOT.join(', ')}`)
      oneShots.push(kind)
    }
    return { ...faults }
  }

  async function gatewayFault (kind: 'http502' | 'http503' | 'http504' | 'timeout', htmlPage: boolean): Promise<HttpAnswer> {
    count(stats.byOutcome, kind)
    switch (kind) {
      case 'http502': return new HttpAnswer(502, html(502, 'Bad Gateway'), 'text/html')
      case 'http503': return htmlPage ? new HttpAnswer(503, html(503, 'Service Temporarily Unavailable'), 'text/html') : new HttpAnswer(503, 'Service Unavailable', 'text/plain')
      case 'http504': return new HttpAnswer(504, html(504, 'Gateway Time-out'), 'text/html')
      case 'timeout':
        await sleep(faults.timeoutMs)
        return new HttpAnswer(504, html(504, 'Gateway Time-out'), 'text/html')
    }
  }

  // ---- the API ------------------------------------------------------------------------------
  async function enterprises (req: IncomingMessage, url: URL): Promise<HttpAnswer> {
    stats.requests++
    grow()
    await hangWhileAsked()
    if (faults.down) return await gatewayFault('http503', false)

    // draws happen on every call in a fixed order, so a run's faults depend only on the seed
    const gatewayRoll = faultRng()
    const kindRoll = faultRng()
    const internalRoll = faultRng()
    const shot = oneShots.shift()
    if (shot === '503') return await gatewayFault('http503', false)
    if (shot === 'html502') return await gatewayFault('http502', true)
    if (shot === 'timeout') return await gatewayFault('timeout', true)
    if (shot === undefined) {
      if (gatewayRoll < faults.unavailableRate) {
        return await gatewayFault(kindRoll < 0.5 ? 'http503' : kindRoll < 0.75 ? 'http502' : 'http504', kindRoll >= 0.25)
      }
      if (gatewayRoll < faults.unavailableRate + faults.timeoutRate) return await gatewayFault('timeout', true)
    }

    const clientId = clientOf(req)
    if (shot === '4001' || clientId === undefined) { count(stats.byOutcome, '4001'); return business('4001') }
    if (shot === '4290' || limited(clientId)) { count(stats.byOutcome, '4290'); return business('4290') }
    if (shot === '5000' || internalRoll < faults.internalErrorRate) { count(stats.byOutcome, '5000'); return business('5000') }

    const q = url.searchParams
    const updatedAfter = q.get('updatedAfter')
    const afterMs = updatedAfter === null ? undefined : parseGxsj(updatedAfter)
    const pageNo = Number(q.get('pageNo') ?? '1')
    const pageSize = Number(q.get('pageSize') ?? '100')
    let invalid: string | undefined
    if (afterMs === undefined) invalid = 'updatedAfter 应为 YYYYMMDDHHmmss'
    else if (!Number.isInteger(pageNo) || pageNo < 1) invalid = 'pageNo 应为正整数'
    else if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) invalid = `pageSize 应为 1-${MAX_PAGE_SIZE}`
    if (invalid !== undefined || afterMs === undefined) { count(stats.byOutcome, '4000'); return business('4000', invalid) }

    const { total, list } = page(afterMs / 1000, (pageNo - 1) * pageSize, pageSize)
    count(stats.byOutcome, 'ok')
    const answer = json({ code: '0000', msg: MESSAGES['0000'], data: { total, pageNo, pageSize, list } })
    churn()
    return answer
  }

  async function token (req: IncomingMessage, body: string): Promise<HttpAnswer> {
    stats.tokenRequests++
    await hangWhileAsked()
    if (faults.down) { count(stats.tokenOutcomes, 'http503'); return new HttpAnswer(503, 'Service Unavailable', 'text/plain') }
    const form = new URLSearchParams(body)
    let clientId = form.get('client_id')
    let clientSecret = form.get('client_secret')
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    if (basic) {
      const [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')
      clientId ??= id ?? null
      clientSecret ??= secret ?? null
    }
    if (form.get('grant_type') !== 'client_credentials') {
      count(stats.tokenOutcomes, '400')
      return json({ error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' }, 400)
    }
    if (clientId === null || clientSecret === null || clients.get(clientId) !== clientSecret) {
      count(stats.tokenOutcomes, '401')
      return json({ error: 'invalid_client', error_description: '客户端认证失败' }, 401)
    }
    const value = randomBytes(24).toString('base64url')
    for (const [k, v] of tokens) if (v.expiresAt <= now()) tokens.delete(k)
    tokens.set(value, { clientId, expiresAt: now() + tokenTtl * 1000 })
    count(stats.tokenOutcomes, 'ok')
    return json({ access_token: value, token_type: 'Bearer', expires_in: tokenTtl })
  }

  function snapshot (): SimulatorStats {
    return {
      requests: stats.requests,
      tokenRequests: stats.tokenRequests,
      byOutcome: { ...stats.byOutcome },
      tokenOutcomes: { ...stats.tokenOutcomes },
      enterprises: size(),
      updated: [...overlayByIndex.values()].filter((e) => e.revision > 0).length,
    }
  }

  async function control (method: string, path: string, body: string): Promise<HttpAnswer | undefined> {
    const input = (): Record<string, unknown> => {
      if (body.trim() === '') return {}
      const value: unknown = JSON.parse(body)
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RangeError('the body must be a JSON object')
      return value as Record<string, unknown>
    }
    if (method === 'GET' && path === '/healthz') return json({ status: 'ok', enterprises: size() })
    if (method === 'GET' && path === '/_sim/stats') return json(snapshot())
    if (method === 'GET' && path === '/_sim/faults') return json({ ...faults, failNext: [...oneShots] })
    if (method === 'POST' && path === '/_sim/revoke') return json({ revoked: revokeTokens() })
    if (method === 'POST' && path === '/_sim/faults') return json({ ...setFaults(input() as FaultUpdate), failNext: [...oneShots] })
    if (method === 'POST' && path === '/_sim/touch') {
      const { indices } = input()
      if (!Array.isArray(indices)) throw new RangeError('indices must be an array of row indices')
      grow()
      return json({ touched: touch(indices as number[]) })
    }
    return undefined
  }

  async function route (req: IncomingMessage, body: string): Promise<HttpAnswer> {
    const url = new URL(req.url ?? '/', 'http://simulator')
    const method = req.method ?? 'GET'
    if (url.pathname === '/api/v2/enterprises') {
      return method === 'GET' ? await enterprises(req, url) : json({ error: 'method not allowed' }, 405)
    }
    if (url.pathname === '/oauth/token') {
      return method === 'POST' ? await token(req, body) : json({ error: 'method not allowed' }, 405)
    }
    try {
      return (await control(method, url.pathname, body)) ?? json({ error: `no route ${method} ${url.pathname}` }, 404)
    } catch (err) {
      return json({ error: (err as Error).message }, 400)
    }
  }

  const sockets = new Set<import('node:net').Socket>()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > 1_000_000) { res.writeHead(413).end(); req.destroy() } else chunks.push(c)
    })
    req.on('end', () => {
      route(req, Buffer.concat(chunks).toString('utf8')).then((answer) => {
        if (closed || res.destroyed || res.headersSent) return
        res.writeHead(answer.status, { 'content-type': answer.type, 'content-length': Buffer.byteLength(answer.body) })
        res.end(answer.body)
      }, (err: unknown) => {
        if (closed || res.destroyed || res.headersSent) return
        const body = JSON.stringify({ error: (err as Error).message })
        res.writeHead(500, { 'content-type': 'application/json' }).end(body)
      })
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address

  return {
    url: `http://${host}:${address.port}`,
    seed,
    size,
    rowAt,
    revokeTokens,
    setFaults,
    failNext: (...kinds) => { setFaults({ failNext: kinds }) },
    touch: (indices) => { grow(); return touch(indices) },
    stats: snapshot,
    async close () {
      if (closed) return
      closed = true
      for (const wake of [...waiting, ...hangers]) wake()
      hangers.clear()
      const done = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await done
    },
  }
}
