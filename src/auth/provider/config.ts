// The `sso:` section of the configuration: the department web apps tongban signs staff in to, as
// an OpenID Provider (`clients`) and as a CAS 3.0 server (`cas.services`). Only registered apps
// are served; nothing here is dynamic.
import { z } from 'zod'

const Name = z.string().trim().min(1).max(128)

/** An absolute http(s) URL without a fragment (OAuth 2.0 and CAS both forbid one). */
const AppUrl = z.url({ protocol: /^https?$/ }).refine((u) => !u.includes('#'), 'no #fragment')

export const SsoClient = z.object({
  /** The `client_id` the department app sends. */
  clientId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/, 'letters, digits, . _ - (2-64 characters)'),
  /** The app authenticates to the token endpoint with it (client_secret_basic or client_secret_post); usually ${ENV}. */
  clientSecret: z.string().min(32, 'at least 32 characters (openssl rand -base64 32)'),
  /** Shown to staff, e.g. 社会救助系统. */
  name: Name,
  /** Exact redirect URIs the app may ask for (compared as strings, as OAuth 2.0 requires). */
  redirectUris: z.array(AppUrl).min(1),
  /** Where the app may send staff after RP-initiated logout. */
  postLogoutRedirectUris: z.array(AppUrl).default([]),
  /** How the app sends its secret to the token endpoint: HTTP Basic (the default of most libraries) or in the form body. */
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
  /** The adapter instance (department system) the app belongs to: the portal's department pages link to it. */
  adapter: z.string().optional(),
  /**
   * The app's third-party initiated login URI (client metadata `initiate_login_uri`, OpenID
   * Connect Core §4): the portal opens it with `?iss=<issuer>` and the app starts its sign-in here.
   */
  initiateLoginUri: AppUrl.optional(),
  /**
   * Where tongban POSTs a logout token (OpenID Connect Back-Channel Logout 1.0) when the staff
   * member signs out of tongban; the token carries `sub` and the `sid` of the ID token.
   */
  backchannelLogoutUri: AppUrl.optional(),
  /** Allow plain http:// URLs off loopback for this app (an intranet without TLS); off by default. */
  allowHttp: z.boolean().default(false),
}).strict()
export type SsoClient = z.infer<typeof SsoClient>

export const CasService = z.object({
  /** Shown to staff and written to logs. */
  name: Name,
  /**
   * The service URL prefix the app is bound to: a `service` matches when it has the same scheme,
   * host and port, and its path is this path or lies below it (`https://a.gov.cn/app` matches
   * `https://a.gov.cn/app/cas?x=1`, not `https://a.gov.cn/application` nor `https://a.gov.cn.evil.cn/app`).
   */
  url: AppUrl,
  /** The adapter instance (department system) the app belongs to: the portal links to it through /cas/login. */
  adapter: z.string().optional(),
  /** Allow a plain http:// URL off loopback for this app (an intranet without TLS); off by default. */
  allowHttp: z.boolean().default(false),
}).strict()
export type CasService = z.infer<typeof CasService>

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/

/** Tickets, codes and logout tokens travel in these URLs: http:// only on this machine, or where the app says so. */
function refusePlainHttp (ctx: z.RefinementCtx, urls: ReadonlyArray<[string | undefined, Array<string | number>]>, allowHttp: boolean): void {
  if (allowHttp) return
  for (const [url, path] of urls) {
    if (url === undefined) continue
    const { protocol, hostname } = new URL(url)
    if (protocol === 'http:' && !LOOPBACK.test(hostname)) {
      ctx.addIssue({ code: 'custom', path, message: `${url} is plain http:// off this machine: use https://, or set allowHttp: true for this app (an intranet without TLS)` })
    }
  }
}

export const SsoConfig = z.object({
  /**
   * The public URL of the OpenID Provider, its path /oidc: e.g. https://tongban.example.gov.cn/oidc.
   * It is the `iss` of every ID token and where every endpoint is published. Unset: the
   * gateway's listening address (fine for a demo on one machine, wrong behind a proxy).
   */
  issuer: z.url({ protocol: /^https?$/ }).refine((u) => /^\/oidc\/?$/.test(new URL(u).pathname), 'the path must be /oidc, where tongban serves the provider: https://<host>/oidc').optional(),
  clients: z.array(SsoClient).default([]),
  cas: z.object({
    services: z.array(CasService).default([]),
    /** How long a service ticket stays valid, in seconds (it is single-use either way). */
    ticketSeconds: z.number().int().min(1).max(300).default(10),
  }).strict().prefault({}),
}).strict().superRefine((sso, ctx) => {
  const seen = new Set<string>()
  sso.clients.forEach((c, i) => {
    if (seen.has(c.clientId)) ctx.addIssue({ code: 'custom', path: ['clients', i, 'clientId'], message: `client id "${c.clientId}" is used twice` })
    seen.add(c.clientId)
    refusePlainHttp(ctx, [
      ...c.redirectUris.map((u, j): [string, Array<string | number>] => [u, ['clients', i, 'redirectUris', j]]),
      ...c.postLogoutRedirectUris.map((u, j): [string, Array<string | number>] => [u, ['clients', i, 'postLogoutRedirectUris', j]]),
      [c.initiateLoginUri, ['clients', i, 'initiateLoginUri']],
      [c.backchannelLogoutUri, ['clients', i, 'backchannelLogoutUri']],
    ], c.allowHttp)
    // The portal's link to an app starts a third-party initiated login: it needs the app's URI for it.
    if (c.adapter !== undefined && c.initiateLoginUri === undefined) {
      ctx.addIssue({ code: 'custom', path: ['clients', i, 'initiateLoginUri'], message: `client "${c.clientId}" names adapter "${c.adapter}": give initiateLoginUri, where the portal starts its sign-in` })
    }
  })
  const names = new Set<string>()
  sso.cas.services.forEach((s, i) => {
    if (names.has(s.name)) ctx.addIssue({ code: 'custom', path: ['cas', 'services', i, 'name'], message: `service name "${s.name}" is used twice` })
    names.add(s.name)
    refusePlainHttp(ctx, [[s.url, ['cas', 'services', i, 'url']]], s.allowHttp)
  })
})
export type SsoConfig = z.infer<typeof SsoConfig>
