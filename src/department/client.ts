// The HTTP client an adapter receives: bound to one department system's host, with its auth,
// timeouts and connection pool applied. Adapters never see credentials.
import { Pool, errors as undiciErrors } from 'undici'
import type { AdapterDefinition, DepartmentHttp, DepartmentRequest, DepartmentResponse } from '../adapter-sdk/index.ts'
import { DepartmentAuthError, DepartmentUnavailableError } from '../adapter-sdk/index.ts'
import { TongbanError } from '../errors.ts'
import { contentTypeCharset, decodeBytes } from './codec.ts'
import { transportOf } from './transport/index.ts'

export interface ClientCredentials { clientId: string, clientSecret: string }

export interface DepartmentClientOptions {
  department: string
  baseUrl: string
  timeoutMs: number
  auth?: AdapterDefinition['auth']
  /** Asked at each token request, so credentials from the vault are in memory only for that call. */
  credentials?: (() => Promise<ClientCredentials | undefined>) | undefined
  /** At most `max` requests per `duration` ms, spaced evenly. */
  rateLimit?: { max: number, duration: number } | undefined
}

export interface DepartmentClient extends DepartmentHttp {
  /** Forget the cached token (the department said it expired or was revoked). */
  invalidateToken: () => void
  close: () => Promise<void>
}

export function createDepartmentClient (opts: DepartmentClientOptions): DepartmentClient {
  const base = new URL(opts.baseUrl)
  const pool = new Pool(base.origin, { connections: 8, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs })
  const basePath = base.pathname.replace(/\/$/, '')
  let token: { value: string, expiresAt: number } | undefined
  let tokenInFlight: Promise<string> | undefined
  const spacing = opts.rateLimit ? opts.rateLimit.duration / opts.rateLimit.max : 0
  let nextSlot = 0

  async function slot (): Promise<void> {
    if (spacing === 0) return
    const now = Date.now()
    const at = Math.max(now, nextSlot)
    nextSlot = at + spacing
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now))
  }

  async function send (req: DepartmentRequest, bearer?: string): Promise<DepartmentResponse> {
    const url = new URL(basePath + req.path, base.origin)
    if (url.origin !== base.origin) throw new TongbanError('TB_DEPARTMENT_HOST_NOT_ALLOWED', [url.origin, base.origin])
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, String(v))
    const transport = transportOf(req)
    const { headers, body } = transport.encode(req)
    if (bearer) headers.authorization = `Bearer ${bearer}`
    await slot()
    const signal = AbortSignal.timeout(opts.timeoutMs)
    try {
      const res = await pool.request({ path: url.pathname + url.search, method: req.method ?? (body ? 'POST' : 'GET'), headers, body, signal })
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

  async function fetchToken (): Promise<string> {
    const credentials = await opts.credentials?.()
    if (!opts.auth || !credentials) throw new TongbanError('TB_DEPARTMENT_AUTH', [opts.department, 'no credentials configured'])
    const res = await send({
      method: 'POST',
      path: opts.auth.tokenPath,
      form: { grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret },
    })
    let parsed: { access_token?: unknown, expires_in?: unknown }
    try { parsed = JSON.parse(res.body) } catch { throw new DepartmentUnavailableError(opts.department, 'token endpoint answered non-JSON') }
    if (res.status !== 200 || typeof parsed.access_token !== 'string') {
      throw new DepartmentAuthError(opts.department, `token endpoint answered HTTP ${res.status}`)
    }
    const ttl = typeof parsed.expires_in === 'number' ? parsed.expires_in : 300
    // Renew a little early so a token never expires between our check and the department's.
    token = { value: parsed.access_token, expiresAt: Date.now() + Math.max(ttl - 30, ttl / 2) * 1000 }
    return token.value
  }

  async function bearer (): Promise<string | undefined> {
    if (!opts.auth) return undefined
    if (token && token.expiresAt > Date.now()) return token.value
    tokenInFlight ??= fetchToken().finally(() => { tokenInFlight = undefined })
    return await tokenInFlight
  }

  const client: DepartmentClient = {
    baseUrl: opts.baseUrl,
    request: async (req) => await send(req, await bearer()),
    async json<T> (req: DepartmentRequest): Promise<T> {
      const res = await client.request(req)
      try {
        return JSON.parse(res.body) as T
      } catch {
        throw new DepartmentUnavailableError(opts.department, `HTTP ${res.status} answer is not JSON`)
      }
    },
    invalidateToken: () => { token = undefined },
    close: async () => { await pool.close() },
  }
  return client
}
