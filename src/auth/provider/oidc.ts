// tongban as the OpenID Provider of department web apps (panva's oidc-provider). Authorization
// code flow with PKCE only, for the confidential clients registered under `sso.clients`.
//
// The OP's own session never outlives tongban's: the login prompt also fires when the browser has
// no live tongban session, or one of another staff member (check `tongban_session`), so signing
// out of tongban, a disabled account or an ended session stops silent sign-in to every app.
// Consent is implicit: every client is a department app the county registered, so its grant is
// made (or widened to what it asks for) without asking the staff member.
import type { IncomingMessage } from 'node:http'
import Provider, { interactionPolicy, type Account, type Configuration, type ErrorOut, type KoaContextWithOIDC } from 'oidc-provider'
import type { Queryable } from '../../store/db.ts'
import { staffById } from '../staff.ts'
import type { SsoClient } from './config.ts'
import type { ProviderKeys } from './keys.ts'
import { redisAdapter } from './redis-adapter.ts'
import { escapeHtml } from '../../html.ts'
import { page } from './html.ts'
import type { Redis } from '../../redis/connect.ts'

/** The scopes and the claims each carries (`amr`: how the staff member signed in to tongban). `profile` carries everything a department app needs. */
export const SCOPE_CLAIMS = {
  openid: ['sub', 'amr'],
  profile: ['name', 'preferred_username', 'town', 'roles'],
} as const
export const SCOPES = Object.keys(SCOPE_CLAIMS)

export const TTL_SECONDS = {
  AuthorizationCode: 60,
  AccessToken: 10 * 60,
  IdToken: 10 * 60,
  /** Time for a staff member without a tongban session to sign in and come back. */
  Interaction: 10 * 60,
} as const

/** The staff member signed in to tongban in this browser, as the provider needs to know them. */
export interface SignedInStaff {
  /** The staff id as a string: the `sub` of every token. */
  accountId: string
  /** When the tongban session began (epoch ms): the ID token's auth_time. */
  signedInAt: number
  method: string
}

export interface ProviderOptions {
  issuer: string
  keys: ProviderKeys
  clients: readonly SsoClient[]
  db: Queryable
  redis: Redis
  /** How long an OP session and its grants live: tongban's absolute session timeout. */
  sessionSeconds: number
  /** The staff member of the tongban session carried by this request, if it is live and the account active. */
  signedInStaff: (req: IncomingMessage) => Promise<SignedInStaff | undefined>
  /** Answers errors that cannot go back to the app (unknown client, wrong redirect_uri). */
  renderError: (ctx: KoaContextWithOIDC, out: ErrorOut, error: Error) => void
}

/**
 * Adds `url`'s origin to the answer's CSP `form-action`: a browser holds the redirects after a
 * form to the form page's CSP, and this page's form ends at that registered app. Only that origin,
 * only on this answer.
 */
export function allowFormActionTo (ctx: { response: { get: (field: string) => string }, set: (field: string, value: string) => void }, url: string): void {
  const csp = ctx.response.get('content-security-policy')
  if (!csp) return
  const { origin } = new URL(url)
  const directives = csp.split(';').map((d) => d.trim()).filter((d) => d !== '')
  const at = directives.findIndex((d) => d.split(/\s+/)[0] === 'form-action')
  if (at === -1) return // no form-action: nothing restricts the form
  directives[at] = `${directives[at]} ${origin}`
  ctx.set('content-security-policy', directives.join(';'))
}

function logoutSource (ctx: KoaContextWithOIDC, form: string): void {
  const app = ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId
  ctx.type = 'html'
  ctx.body = page('退出', `${form}<p>退出${app ? ` ${escapeHtml(app)}` : '部门系统'}？（通办的登录不受影响）</p>
<button autofocus type="submit" form="op.logoutForm" name="logout" value="yes">退出</button>
<button type="submit" form="op.logoutForm">取消</button>`)
}

function postLogoutSuccessSource (ctx: KoaContextWithOIDC): void {
  const app = ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId
  ctx.type = 'html'
  ctx.body = page('已退出', `<p>已退出${app ? ` ${escapeHtml(app)}` : '部门系统'}。</p>`)
}

/** RFC 8176 method references for tongban's sign-in methods; federated sign-ins name none. */
export function amrOf (method: string): string[] {
  if (method === 'password') return ['pwd']
  if (method === 'password+totp') return ['pwd', 'otp', 'mfa']
  return []
}

async function findAccount (db: Queryable, sub: string): Promise<Account | undefined> {
  if (!/^[1-9]\d{0,15}$/.test(sub)) return undefined
  const staff = await staffById(db, Number(sub))
  if (!staff || staff.status !== 'active') return undefined
  return {
    accountId: sub,
    claims: () => ({ sub, preferred_username: staff.username, name: staff.name, town: staff.town, roles: [...staff.roles] }),
  }
}

type AnyGrant = InstanceType<Provider['Grant']>

/** The client's grant for the account, created or widened to the scopes and claims asked for: consent is implicit. */
export async function ensureGrant (provider: Provider, opts: { grantId?: string | undefined, accountId: string, clientId: string, scopes: Iterable<string>, claims: Iterable<string> }): Promise<AnyGrant> {
  let grant: AnyGrant | undefined = opts.grantId ? await provider.Grant.find(opts.grantId) : undefined
  if (grant && (grant.accountId !== opts.accountId || grant.clientId !== opts.clientId)) grant = undefined
  grant ??= new provider.Grant({ accountId: opts.accountId, clientId: opts.clientId })
  const scopes = [...opts.scopes].filter((s) => SCOPES.includes(s))
  if (scopes.length > 0) grant.addOIDCScope(scopes.join(' '))
  const claims = [...opts.claims]
  if (claims.length > 0) grant.addOIDCClaims(claims)
  await grant.save()
  return grant
}

export function buildProvider (opts: ProviderOptions): Provider {
  const policy = interactionPolicy.base()
  const login = policy.get('login')!
  // After `no_session`: an OP session is only as good as the tongban session behind it.
  login.checks.add(new interactionPolicy.Check('tongban_session', 'the tongban sign-in ended or belongs to someone else', 'login_required', async (ctx) => {
    const accountId = ctx.oidc.session?.accountId
    if (!accountId) return interactionPolicy.Check.REQUEST_PROMPT
    const staff = await opts.signedInStaff(ctx.req)
    return staff?.accountId === accountId ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT
  }), login.checks.findIndex((c) => c.reason === 'no_session') + 1)

  const interactionBase = new URL(opts.issuer).pathname.replace(/\/$/, '')
  const configuration: Configuration = {
    adapter: redisAdapter(opts.redis),
    jwks: opts.keys.jwks,
    cookies: {
      names: { session: 'tb_oidc_session', interaction: 'tb_oidc_interaction', resume: 'tb_oidc_resume' },
      keys: opts.keys.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    clients: opts.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      client_name: c.name,
      redirect_uris: [...c.redirectUris],
      post_logout_redirect_uris: [...c.postLogoutRedirectUris],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: c.tokenEndpointAuthMethod,
      // Apps see when the staff member signed in to tongban (the sign-in they reuse).
      require_auth_time: true,
      // With sid required, ID tokens carry the `sid` the logout token names.
      ...(c.backchannelLogoutUri ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
    })),
    clientBasedCORS: () => false,
    claims: { acr: null, sid: null, auth_time: null, iss: null, ...Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([k, v]) => [k, [...v]])) },
    scopes: SCOPES,
    // Department apps read the staff member from the ID token; the claims of granted scopes go in it.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    findAccount: async (_ctx, sub) => await findAccount(opts.db, sub),
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session } = ctx.oidc
      if (!client || !session?.accountId) return undefined
      return await ensureGrant(ctx.oidc.provider, {
        grantId: ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId),
        accountId: session.accountId,
        clientId: client.clientId,
        scopes: ctx.oidc.requestParamOIDCScopes,
        claims: ctx.oidc.requestParamClaims ?? [],
      })
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `${interactionBase}/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      backchannelLogout: { enabled: true },
    },
    // The provider calls out only to URLs of the configuration (logout tokens to a client's
    // backchannelLogoutUri), usually on the county's private network, which its SSRF guard (no
    // private or loopback addresses) would refuse. Its own 2.5 s timeout stays.
    fetch: async (input, init) => {
      const { dispatcher: _guard, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown }
      return await globalThis.fetch(input, rest)
    },
    renderError: opts.renderError,
    ttl: {
      AuthorizationCode: TTL_SECONDS.AuthorizationCode,
      AccessToken: TTL_SECONDS.AccessToken,
      IdToken: TTL_SECONDS.IdToken,
      Interaction: TTL_SECONDS.Interaction,
      Session: opts.sessionSeconds,
      Grant: opts.sessionSeconds,
      // Not issued (no offline_access, no such grant types); set so the provider does not warn.
      RefreshToken: TTL_SECONDS.AccessToken,
      ClientCredentials: TTL_SECONDS.AccessToken,
      DeviceCode: TTL_SECONDS.Interaction,
      BackchannelAuthenticationRequest: TTL_SECONDS.Interaction,
      PreAuthorizedCode: TTL_SECONDS.Interaction,
    },
  }
  const provider = new Provider(opts.issuer, configuration)
  // The plugin in front sets X-Forwarded-Host/-Proto from the issuer on every request, so the
  // endpoints published and the cookies' Secure flag follow the issuer, not what a client sent.
  provider.proxy = true
  provider.use(async (ctx, next) => {
    await next()
    const { route, client, params } = (ctx as KoaContextWithOIDC).oidc ?? {}
    // The logout page's form (a click, or the provider's auto-submitting form) ends, through the
    // confirm endpoint's redirect, at the app's post_logout_redirect_uri, validated by now.
    const back = params?.post_logout_redirect_uri
    if (route === 'end_session' && client && typeof back === 'string' && client.postLogoutRedirectUriAllowed(back)) allowFormActionTo(ctx, back)
  })
  return provider
}
