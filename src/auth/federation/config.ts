// The `federation:` section of the configuration: the province's identity platform, reached over
// OpenID Connect (authorization code + PKCE) or CAS 3.0, and how its claims or attributes become a
// tongban staff account (username, name, town, roles).
import { z } from 'zod'
import { ROLES } from '../principal.ts'

const Name = z.string().trim().min(1)
const TownCode = z.string().regex(/^\d{12}$/, 'a 12-digit division code')

/** Where the staff member's town comes from: a claim (attribute) holding the 12-digit code, or one fixed town. */
export const TownMapping = z.union([
  z.object({ claim: Name }).strict(),
  z.object({ fixed: TownCode }).strict(),
], { error: 'either { claim: <claim holding the 12-digit division code> } or { fixed: <12-digit division code> }' })
export type TownMapping = z.infer<typeof TownMapping>

/** Which claim (attribute) lists the upstream roles or groups, and the tongban role(s) each value grants. Unlisted values grant nothing. */
export const RoleMapping = z.object({
  claim: Name,
  map: z.record(z.string().min(1), z.union([z.enum(ROLES), z.array(z.enum(ROLES)).min(1)]))
    .refine((m) => Object.keys(m).length > 0, 'map at least one upstream value to a tongban role'),
}).strict()
export type RoleMapping = z.infer<typeof RoleMapping>

export const PROVISIONING = ['create', 'link-only'] as const
export type Provisioning = (typeof PROVISIONING)[number]

const mappingFields = {
  /** The display name; when the claim is missing the username stands in (and an existing name is kept). */
  name: Name.default('name'),
  /** Required for `provisioning: create`; when given, the town is also brought up to date at every sign-in. */
  town: TownMapping.optional(),
  /** Required for `provisioning: create`; when given, the roles are also brought up to date at every sign-in. */
  roles: RoleMapping.optional(),
}

export const ClaimMapping = z.object({
  /** The claim whose value is the tongban username (lowercased): how a first sign-in finds an existing account to link. */
  username: Name.default('preferred_username'),
  ...mappingFields,
}).strict()
export type ClaimMapping = z.infer<typeof ClaimMapping>

export const AttributeMapping = z.object({
  /** The attribute whose value is the tongban username; by default the CAS user (`<cas:user>`) itself. */
  username: Name.optional(),
  ...mappingFields,
}).strict()
export type AttributeMapping = z.infer<typeof AttributeMapping>

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** http:// is accepted for loopback hosts only (tests, a platform proxied on the same host). */
export const isLoopbackHttp = (u: URL): boolean => u.protocol === 'http:' && LOOPBACK.has(u.hostname)
const secureUrl = (what: string) => z.url().refine((u) => { const url = new URL(u); return url.protocol === 'https:' || isLoopbackHttp(url) }, `${what} must be https:// (http:// only on a loopback address)`)

const endsWith = (suffix: string) => (u: string): boolean => new URL(u).pathname.endsWith(suffix)

function requireMappingsToCreate (cfg: { provisioning: Provisioning, claims?: unknown, attributes?: unknown }, ctx: z.RefinementCtx, key: 'claims' | 'attributes'): void {
  if (cfg.provisioning !== 'create') return
  const mapping = cfg[key] as { town?: unknown, roles?: unknown }
  if (!mapping.town) ctx.addIssue({ code: 'custom', path: [key, 'town'], message: 'provisioning: create needs a town mapping ({ claim } or { fixed })' })
  if (!mapping.roles) ctx.addIssue({ code: 'custom', path: [key, 'roles'], message: 'provisioning: create needs a roles mapping ({ claim, map })' })
}

export const OidcFederationConfig = z.object({
  /** The issuer identifier; its /.well-known/openid-configuration is read at the first sign-in. https, or http on a loopback address only. */
  issuer: secureUrl('the issuer'),
  clientId: Name,
  /** Omit for a public client (PKCE only). */
  clientSecret: z.string().min(1).optional(),
  /** How the client secret is sent to the token endpoint. */
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
  /** The public URL of tongban's /auth/oidc/callback, exactly as registered at the identity platform. */
  redirectUri: z.url().refine(endsWith('/auth/oidc/callback'), 'the public URL of tongban\'s /auth/oidc/callback'),
  scopes: z.array(Name).default(['openid', 'profile']).refine((s) => s.includes('openid'), 'scopes must include openid'),
  /** The text of the sign-in button. */
  label: Name.default('省统一身份认证平台'),
  claims: ClaimMapping.prefault({}),
  /** `create`: a first sign-in without a matching account creates one; `link-only`: the account must exist (same username). */
  provisioning: z.enum(PROVISIONING).default('link-only'),
}).strict().superRefine((cfg, ctx) => { requireMappingsToCreate(cfg, ctx, 'claims') })
export type OidcFederationConfig = z.infer<typeof OidcFederationConfig>

export const CasFederationConfig = z.object({
  /** The CAS server's base URL, e.g. https://sso.example.gov.cn/cas (its /login and /p3/serviceValidate are used). */
  serverUrl: secureUrl('the CAS server URL'),
  /** The public URL of tongban's /auth/cas/callback: the CAS `service`. */
  serviceUrl: z.url().refine(endsWith('/auth/cas/callback'), 'the public URL of tongban\'s /auth/cas/callback'),
  label: Name.default('省统一身份认证平台'),
  attributes: AttributeMapping.prefault({}),
  provisioning: z.enum(PROVISIONING).default('link-only'),
}).strict().superRefine((cfg, ctx) => { requireMappingsToCreate(cfg, ctx, 'attributes') })
export type CasFederationConfig = z.infer<typeof CasFederationConfig>

export const FederationConfig = z.object({
  oidc: OidcFederationConfig.optional(),
  cas: CasFederationConfig.optional(),
}).strict()
export type FederationConfig = z.infer<typeof FederationConfig>
