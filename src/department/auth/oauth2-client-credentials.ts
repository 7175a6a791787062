// OAuth2 client credentials: a bearer token fetched from the department's token endpoint, cached
// until shortly before it expires, and fetched once for all requests waiting on it.
import { AUTH_CREDENTIALS, DepartmentAuthError, DepartmentUnavailableError, type CredentialsOf, type OAuth2ClientCredentialsAuth } from '../../adapter-sdk/index.ts'
import type { AuthContext, AuthStrategy } from './types.ts'

type Credentials = CredentialsOf<'oauth2-client-credentials'>
interface TokenState { token?: { value: string, expiresAt: number }, inFlight?: Promise<string> | undefined }
type Context = AuthContext<OAuth2ClientCredentialsAuth, TokenState>

async function fetchToken (credentials: () => Promise<Credentials>, ctx: Context): Promise<string> {
  const { clientId, clientSecret } = await credentials()
  const res = await ctx.send({
    method: 'POST',
    path: ctx.declaration.tokenPath,
    headers: { accept: 'application/json' },
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
  })
  let parsed: { access_token?: unknown, expires_in?: unknown }
  try { parsed = JSON.parse(res.body) } catch { throw new DepartmentUnavailableError(ctx.department, 'token endpoint answered non-JSON') }
  if (res.status !== 200 || typeof parsed.access_token !== 'string') {
    throw new DepartmentAuthError(ctx.department, `token endpoint answered HTTP ${res.status}`)
  }
  const ttl = typeof parsed.expires_in === 'number' ? parsed.expires_in : 300
  // Renew a little early so a token never expires between our check and the department's.
  ctx.state.token = { value: parsed.access_token, expiresAt: ctx.now().getTime() + Math.max(ttl - 30, ttl / 2) * 1000 }
  return parsed.access_token
}

async function bearer (credentials: () => Promise<Credentials>, ctx: Context): Promise<string> {
  const { state } = ctx
  if (state.token && state.token.expiresAt > ctx.now().getTime()) return state.token.value
  state.inFlight ??= fetchToken(credentials, ctx).finally(() => { state.inFlight = undefined })
  return await state.inFlight
}

export const oauth2ClientCredentials: AuthStrategy<OAuth2ClientCredentialsAuth, Credentials, TokenState> = {
  credentials: AUTH_CREDENTIALS['oauth2-client-credentials'],
  state: () => ({}),
  async apply (request, credentials, ctx) {
    request.headers.authorization = `Bearer ${await bearer(credentials, ctx)}`
  },
}
