// An OAuth2 client-credentials token endpoint as departments run them (RFC 6749 §4.4): a form
// POST with grant_type=client_credentials and the client's id and secret in the form or in HTTP
// Basic auth, answering {access_token, token_type: "Bearer", expires_in}. Tokens expire and can be
// revoked before they do; `clientOf` tells a route which client a Bearer token belongs to.
import { randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { SimAnswer, SimRequest, SimRoute } from './sim-routes.ts'

export interface TokenClient { clientId: string, clientSecret: string }

export interface TokenEndpointOptions {
  clients: readonly TokenClient[]
  /** Token lifetime. Default 300 (the market-regulation spec). */
  ttlSeconds?: number
  /** Clock (epoch ms), for tests. */
  now?: () => number
}

export interface TokenEndpoint {
  /** The POST route; down and hang faults apply to it (mount it with `faults: 'outage'`, as startSimServer's `token` does). */
  route: SimRoute
  /** The client a request's `Authorization: Bearer` token was issued to, unless missing, unknown, expired or revoked. */
  clientOf: (headers: IncomingHttpHeaders) => string | undefined
  /** Revoke every token issued so far; answers how many were live. */
  revoke: () => number
}

const answer = (status: number, body: unknown, outcome: string): SimAnswer => ({ status, json: body, outcome })

export function tokenEndpoint (opts: TokenEndpointOptions): TokenEndpoint {
  const secrets = new Map(opts.clients.map((c) => [c.clientId, c.clientSecret]))
  const ttl = opts.ttlSeconds ?? 300
  const now = opts.now ?? Date.now
  const tokens = new Map<string, { clientId: string, expiresAt: number }>()

  function issue (req: SimRequest): SimAnswer {
    const form = req.form()
    let clientId = form.get('client_id')
    let clientSecret = form.get('client_secret')
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    if (basic) {
      const [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')
      clientId ??= id ?? null
      clientSecret ??= secret ?? null
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return answer(400, { error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' }, '400')
    }
    if (clientId === null || clientSecret === null || secrets.get(clientId) !== clientSecret) {
      return answer(401, { error: 'invalid_client', error_description: '客户端认证失败' }, '401')
    }
    const value = randomBytes(24).toString('base64url')
    for (const [k, v] of tokens) if (v.expiresAt <= now()) tokens.delete(k)
    tokens.set(value, { clientId, expiresAt: now() + ttl * 1000 })
    return answer(200, { access_token: value, token_type: 'Bearer', expires_in: ttl }, 'ok')
  }

  return {
    route: { handler: issue, faults: 'outage' },
    clientOf (headers) {
      const m = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')
      const token = m ? tokens.get(m[1]!) : undefined
      if (!token) return undefined
      if (token.expiresAt <= now()) { tokens.delete(m![1]!); return undefined }
      return token.clientId
    },
    revoke () {
      const n = tokens.size
      tokens.clear()
      return n
    },
  }
}
