// The HTTP client an adapter receives: bound to one department system's host, with its auth,
// timeouts and connection pool applied. Adapters never see credentials.
import { Pool, errors as undiciErrors } from 'undici'
import type { AdapterDefinition, DepartmentHttp, DepartmentRequest, DepartmentResponse } from '../adapter-sdk/index.ts'
import { DepartmentUnavailableError } from '../adapter-sdk/index.ts'
import { TongbanError } from '../errors.ts'
import { contentTypeCharset, decodeBytes } from '../adapter-sdk/codec.ts'
import { transportOf } from './transport/index.ts'
import { createAuthenticator, type OutgoingRequest } from './auth/index.ts'

export interface DepartmentClientOptions {
  department: string
  baseUrl: string
  timeoutMs: number
  auth?: AdapterDefinition['auth']
  /** Asked by the auth strategy when it needs them; from the vault they are kept a short while (src/department/credentials.ts). */
  credentials?: (() => Promise<unknown>) | undefined
  /** At most `max` requests per `duration` ms, spaced evenly. */
  rateLimit?: { max: number, duration: number } | undefined
}

export interface DepartmentClient extends DepartmentHttp {
  sign: NonNullable<DepartmentHttp['sign']>
  /** Forget the auth strategy's state, e.g. its token (the department said it expired or was revoked). */
  resetAuth: () => void
  close: () => Promise<void>
}

export function createDepartmentClient (opts: DepartmentClientOptions): DepartmentClient {
  const base = new URL(opts.baseUrl)
  // Opened on the first request: a client made for a department never called over HTTP (a file
  // drop's simulator, a directory or an SFTP server) holds no pool.
  let pool: Pool | undefined
  const poolOf = (): Pool => (pool ??= new Pool(base.origin, { connections: 8, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs }))
  const basePath = base.pathname.replace(/\/$/, '')
  const spacing = opts.rateLimit ? opts.rateLimit.duration / opts.rateLimit.max : 0
  let nextSlot = 0
  const auth = createAuthenticator({
    department: opts.department,
    declaration: opts.auth,
    credentials: opts.credentials,
    send: async (req) => await send(req, false),
  })

  async function slot (): Promise<void> {
    if (spacing === 0) return
    const now = Date.now()
    const at = Math.max(now, nextSlot)
    nextSlot = at + spacing
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now))
  }

  async function send (req: DepartmentRequest, authenticate = true): Promise<DepartmentResponse> {
    const url = new URL(basePath + req.path, base.origin)
    if (url.origin !== base.origin) throw new TongbanError('TB_DEPARTMENT_HOST_NOT_ALLOWED', [url.origin, base.origin])
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, String(v))
    const transport = transportOf(req)
    const { headers, body } = transport.encode(req)
    const out: OutgoingRequest = { method: req.method ?? (body ? 'POST' : 'GET'), url, headers, body, signed: req.signed }
    if (authenticate) await auth.apply(out)
    await slot()
    const signal = AbortSignal.timeout(opts.timeoutMs)
    try {
      const res = await poolOf().request({ path: out.url.pathname + out.url.search, method: out.method as 'GET' | 'POST', headers: out.headers, body: out.body, signal })
      const bytes = new Uint8Array(await res.body.arrayBuffer())
      const contentType = [res.headers['content-type']].flat()[0]
      if (res.statusCode >= 500 && !transport.readsServerError(res.statusCode, contentType, bytes)) throw new DepartmentUnavailableError(opts.department, `HTTP ${res.statusCode}`)
      const charset = contentTypeCharset(contentType) ?? transport.answerCharset(req)
      return { status: res.statusCode, headers: res.headers, body: decodeBytes(bytes, charset), bytes, charset }
    } catch (err) {
      if (err instanceof TongbanError) throw err
      const reason = err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError || (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError'
        ? `no answer within ${opts.timeoutMs} ms`
        : (err as Error).message
      throw new DepartmentUnavailableError(opts.department, reason)
    }
  }

  const client: DepartmentClient = {
    baseUrl: opts.baseUrl,
    request: async (req) => await send(req),
    async json<T> (req: DepartmentRequest): Promise<T> {
      const res = await client.request(req)
      try {
        return JSON.parse(res.body) as T
      } catch {
        throw new DepartmentUnavailableError(opts.department, `HTTP ${res.status} answer is not JSON`)
      }
    },
    sign: async (values = {}) => await auth.sign(values),
    resetAuth: () => { auth.reset() },
    close: async () => { await pool?.close() },
  }
  return client
}
