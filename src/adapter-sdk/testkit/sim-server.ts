// The HTTP server under every department simulator: a route table, the fault injector in front of
// the department's API routes, an optional token endpoint, per-route counts of calls and outcomes,
// and a close that does not wait for hanging calls. A simulator of a new department is its route
// table plus its data generator.
//
// Built on node:http rather than fastify: a simulator must misbehave on purpose (hang forever,
// answer an nginx HTML page, answer GBK bytes a framework would re-encode) and a framework's reply
// pipeline, schemas and hooks are in the way of that; a table of a few routes needs no router.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { RunningSimulator } from '../simulator.ts'
import { escapeRegExp } from '../regexp.ts'
import { FaultInjector } from './faults.ts'
import type { TokenEndpoint } from './token-endpoint.ts'
import { jsonAnswer, nginxPage, SimHttpError, type SimAnswer, type SimRequest, type SimRoute, type SimRoutes } from './sim-routes.ts'

export interface SimServerOptions {
  routes: SimRoutes
  /** The fault injector in front of the routes that take faults; a fresh one (no faults) by default. */
  faults?: FaultInjector
  /** Mounted as `POST <path>` (default /oauth/token); its `revoke` is what the `revoke` fault does. */
  token?: TokenEndpoint & { path?: string }
  port?: number
  host?: string
  /** Larger request bodies are answered 413. Default 1 MB. */
  bodyLimit?: number
}

export interface RouteCalls { calls: number, outcomes: Record<string, number> }

export interface SimServer extends RunningSimulator {
  readonly faults: FaultInjector
  /** Calls of a route (by its key) and their outcomes. */
  calls: (route: string) => RouteCalls
}

const html = (status: number, title: string, outcome: string): SimAnswer =>
  ({ status, body: nginxPage(status, title), type: 'text/html', outcome })
const UNAVAILABLE: SimAnswer = { status: 503, body: 'Service Unavailable', type: 'text/plain', outcome: 'http503' }
const GATEWAY: Record<'503' | 'html502' | 'html503' | 'html504', SimAnswer> = {
  503: UNAVAILABLE,
  html502: html(502, 'Bad Gateway', 'http502'),
  html503: html(503, 'Service Temporarily Unavailable', 'http503'),
  html504: html(504, 'Gateway Time-out', 'http504'),
}

interface Compiled { key: string, method: string, pattern: RegExp, names: string[], route: SimRoute }

function compile (routes: SimRoutes): Compiled[] {
  return Object.entries(routes).map(([key, value]) => {
    const [method, path] = key.split(' ') as [string, string]
    const names: string[] = []
    const source = path.split('/').map((segment) => {
      if (!segment.startsWith(':')) return escapeRegExp(segment)
      names.push(segment.slice(1))
      return '([^/]+)'
    }).join('/')
    return { key, method, pattern: new RegExp(`^${source}$`), names, route: typeof value === 'function' ? { handler: value } : value }
  })
}

export async function startSimServer (opts: SimServerOptions): Promise<SimServer> {
  const faults = opts.faults ?? new FaultInjector()
  const routes = compile({ ...opts.routes, ...(opts.token ? { [`POST ${opts.token.path ?? '/oauth/token'}`]: opts.token.route } : {}) })
  const bodyLimit = opts.bodyLimit ?? 1_000_000
  const counts = new Map<string, RouteCalls>()
  const sleepers = new Set<() => void>()
  let closed = false

  const count = (key: string): RouteCalls => {
    let c = counts.get(key)
    if (!c) counts.set(key, c = { calls: 0, outcomes: {} })
    return c
  }
  const sleep = async (ms: number): Promise<void> => await new Promise<void>((resolve) => {
    const done = (): void => { clearTimeout(timer); sleepers.delete(done); resolve() }
    const timer = setTimeout(done, ms)
    sleepers.add(done)
  })
  /** Until the server closes. */
  const forever = async (): Promise<void> => await new Promise<void>((resolve) => sleepers.add(resolve))

  /** The answer of a faulty route, or undefined to run its handler (with `fault` and after any delay). */
  async function inject (route: SimRoute, req: SimRequest): Promise<SimAnswer | undefined> {
    if (!route.faults) return undefined
    await faults.whileHanging(() => closed)
    if (faults.settings().down) return UNAVAILABLE
    if (route.faults === 'outage') return undefined
    const decision = faults.decide()
    if (decision.kind === 'answer') {
      switch (decision.fault) {
        case 'timeout':
          await sleep(faults.settings().timeoutMs)
          return { ...GATEWAY.html504, outcome: 'timeout' }
        case 'hang':
          await forever()
          return { status: 504, outcome: 'hang' }
        default:
          return GATEWAY[decision.fault]
      }
    }
    if (decision.revoke) opts.token?.revoke()
    if (decision.slowMs > 0) await sleep(decision.slowMs)
    req.fault = decision.fault
    return undefined
  }

  async function handle (raw: IncomingMessage, body: Buffer): Promise<SimAnswer> {
    const url = new URL(raw.url ?? '/', 'http://simulator')
    const method = raw.method ?? 'GET'
    const onPath = routes.filter((r) => r.pattern.test(url.pathname))
    const match = onPath.find((r) => r.method === method)
    if (!match) {
      return onPath.length > 0 ? jsonAnswer({ error: 'method not allowed' }, 405) : jsonAnswer({ error: `no route ${method} ${url.pathname}` }, 404)
    }
    const values = match.pattern.exec(url.pathname)!.slice(1)
    const req: SimRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: raw.headers,
      params: Object.fromEntries(match.names.map((name, i) => [name, decodeURIComponent(values[i]!)])),
      body,
      fault: undefined,
      text: () => body.toString('utf8'),
      json: () => {
        if (body.length === 0) return {}
        let value: unknown
        try { value = JSON.parse(body.toString('utf8')) } catch { throw new SimHttpError(400, 'body is not JSON') }
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SimHttpError(400, 'the body must be a JSON object')
        return value as Record<string, unknown>
      },
      form: () => new URLSearchParams(body.toString('utf8')),
    }
    const c = count(match.key)
    c.calls++
    const answer = (await inject(match.route, req)) ?? await match.route.handler(req)
    if (answer.outcome !== undefined) c.outcomes[answer.outcome] = (c.outcomes[answer.outcome] ?? 0) + 1
    return answer
  }

  function write (res: ServerResponse, answer: SimAnswer): void {
    if (closed || res.destroyed || res.headersSent) return
    const payload = answer.body ?? (answer.json === undefined ? '' : JSON.stringify(answer.json))
    const type = answer.type ?? (answer.body === undefined ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8')
    const headers = { ...(payload === '' ? {} : { 'content-type': type }), 'content-length': String(Buffer.byteLength(payload)), ...answer.headers }
    res.writeHead(answer.status ?? 200, headers).end(payload)
  }

  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > bodyLimit) { write(res, jsonAnswer({ error: 'body too large' }, 413)); req.destroy() } else chunks.push(chunk)
    })
    req.on('end', () => {
      handle(req, Buffer.concat(chunks)).then((answer) => { write(res, answer) }, (err: unknown) => {
        const status = err instanceof SimHttpError ? err.status : err instanceof RangeError ? 400 : 500
        write(res, jsonAnswer({ error: (err as Error).message }, status))
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
    faults,
    calls: (route) => {
      const c = counts.get(route)
      return { calls: c?.calls ?? 0, outcomes: { ...c?.outcomes } }
    },
    async close () {
      if (closed) return
      closed = true
      faults.release()
      for (const wake of [...sleepers]) wake()
      const done = new Promise<void>((resolve) => server.close(() => { resolve() }))
      for (const socket of sockets) socket.destroy()
      await done
    },
  }
}
