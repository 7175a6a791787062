import { isIP } from 'node:net'
import { z } from 'zod'
import { SurvivorshipConfig } from '../unify/survivorship.ts'
import { ROLES } from '../auth/principal.ts'
import { WhistlesConfig } from './whistles.ts'
import { DEFAULT_RISK_CATEGORIES } from '../model/risk.ts'
import { WEBHOOK_SCHEMES } from '../crypto/webhook-signature.ts'
import { VAULT_ALGORITHMS } from '../vault/envelope.ts'
import { FederationConfig } from '../auth/federation/config.ts'
import { SsoConfig } from '../auth/provider/config.ts'
import { Duration } from '../adapter-sdk/duration.ts'
import type { LoadedAdapters } from './adapters.ts'

export const Town = z.object({
  code: z.string().regex(/^\d{12}$/, 'a 12-digit division code'),
  name: z.string().min(1),
  /** The town government as the provincial platform knows it (orgCode, orgName of each reported acceptance); without it, the implementing body of the matter's taskCode and the town's name. */
  org: z.object({
    code: z.string().regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/, 'an 18-character unified social credit code'),
    name: z.string().min(1),
  }).strict().optional(),
  /** The town's villages (and communities): where a work order whose division code is empty is placed, by the name its address gives. */
  villages: z.array(z.object({ code: z.string().regex(/^\d{12}$/, 'a 12-digit division code'), name: z.string().min(1) }).strict()).default([]),
})

export const AdapterInstance = z.object({
  /** Instance id: the URL segment of /webhooks/:id and the name of its queues. */
  id: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes'),
  /**
   * Which adapter this instance runs: a built-in one (a folder under adapters/), or, beside `path`
   * or `package`, the id the loaded adapter must have.
   */
  adapter: z.string().optional(),
  /** A folder (or file) outside this build whose module default-exports the adapter, relative to the configuration file. */
  path: z.string().min(1).optional(),
  /** An npm package default-exporting the adapter, resolved from the configuration file's folder (its node_modules). */
  package: z.string().regex(/^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/, 'an npm package name').optional(),
  enabled: z.boolean().default(true),
  /** The town whose work orders a hotline instance brings (one of `towns`); unset: the one configured town, else the town each order's division code names. */
  town: z.string().regex(/^\d{12}$/, 'a 12-digit division code').optional(),
  /** The department system's base URL; calls outside its host are refused. */
  baseUrl: z.url().optional(),
  /** The credentials of the adapter's auth strategy (e.g. clientId and clientSecret), or `vault`: read from the credential vault (stored with PUT /api/v1/vault/credentials/:id) when needed and kept by the connection for a minute at most. */
  credentials: z.union([z.record(z.string(), z.string().min(1)), z.literal('vault')]).optional(),
  webhook: z.object({
    /** Subscriber secrets (`whsec_...` for Standard Webhooks; checked against the adapter's signature scheme); several during key rotation. */
    secrets: z.array(z.string().min(1)).min(1),
    toleranceSeconds: z.number().int().positive().default(300),
    /** Standard Webhooks schemes accepted: v1 (HMAC-SHA256), v1sm3 (HMAC-SM3), or both during a switch. */
    schemes: z.array(z.enum(WEBHOOK_SCHEMES)).min(1)
      .refine((s) => new Set(s).size === s.length, 'each scheme once')
      .default(['v1']),
  }).optional(),
  /**
   * Where a file-drop adapter's files are: a directory (`dir`) or an SFTP server (`sftp`: the host
   * key's SHA256 fingerprint is required, and at most `sessions` sessions are opened). `keep`: how
   * long fetched files' bytes stay in the data directory once imported or set aside, also after the
   * department deleted them from the drop; their file inbox entries stay for good.
   */
  files: z.object({
    dir: z.string().min(1).optional(),
    sftp: z.object({
      host: z.string().min(1),
      port: z.coerce.number().int().min(1).max(65535).default(22),
      path: z.string().min(1),
      hostKey: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'the server\'s host key fingerprint as ssh-keygen -l prints it: SHA256:<43 base64 characters>'),
      sessions: z.number().int().min(1).max(16).default(2),
    }).strict().optional(),
    keep: Duration.default(90 * 24 * 3_600_000),
  }).strict().refine((f) => (f.dir === undefined) !== (f.sftp === undefined), 'give one of files.dir (a directory) and files.sftp ({ host, port, path, hostKey })').optional(),
  /** How often each pull stream runs, or the file drop is looked at. */
  every: Duration.optional(),
  pageSize: z.number().int().positive().max(10_000).optional(),
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Requests to the department per window (one page chain per stream runs at a time, in any process). */
  rateLimit: z.object({ max: z.number().int().positive(), duration: Duration }).optional(),
  timeout: Duration.default(10_000),
  retries: z.object({
    attempts: z.number().int().min(1).max(100).default(8),
    backoff: Duration.default(1000),
  }).prefault({}),
  breaker: z.object({
    errorThresholdPercentage: z.number().min(1).max(100).default(50),
    volumeThreshold: z.number().int().min(1).default(5),
    resetTimeout: Duration.default(30_000),
  }).prefault({}),
}).superRefine((instance, ctx) => {
  if (instance.adapter === undefined && instance.path === undefined && instance.package === undefined) {
    ctx.addIssue({ code: 'custom', path: ['adapter'], message: 'name the adapter: a built-in adapter\'s id, or path: or package: for one from outside this build' })
  }
  if (instance.path !== undefined && instance.package !== undefined) ctx.addIssue({ code: 'custom', path: ['package'], message: 'path or package, not both' })
})
export type AdapterInstance = z.infer<typeof AdapterInstance>

/** A department web app that signs staff in through tongban's CAS server (register its URL under `sso.cas.services`). */
export const DepartmentAppSimulatorConfig = z.object({
  name: z.string().trim().min(1).max(128),
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().default('127.0.0.1'),
})

/**
 * A department's simulated system (src/departments/whistle-receiver.ts): receives the department's
 * whistles as signed webhooks and answers through the API with a department token; the demo puts
 * its `{url, secret}` into the vault and makes its token at start.
 */
export const DepartmentSystemSimulatorConfig = z.object({
  department: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().default('127.0.0.1'),
  secret: z.string().startsWith('whsec_'),
  /** 响应 this long after a whistle arrives, 报到 this long after. */
  respondAfterSeconds: z.coerce.number().min(0).max(3600).default(5),
  arriveAfterSeconds: z.coerce.number().min(0).max(86_400).default(60),
})

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])
const isProxyAddress = (s: string): boolean => {
  const [ip, bits, ...rest] = s.split('/')
  return PROXY_NAMES.has(s) || (isIP(ip!) !== 0 && rest.length === 0 && (bits === undefined || /^\d{1,3}$/.test(bits)))
}

/** Photo limits and store (src/photos). The S3 keys come from the environment: `secretAccessKey: ${PHOTOS_S3_SECRET}`. */
export const PhotosConfig = z.object({
  /** Largest upload accepted, in bytes (10 MiB). */
  maxBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
  /** Largest width × height accepted (40 megapixels): a guard against decompression bombs. */
  maxPixels: z.number().int().min(1).max(400_000_000).default(40_000_000),
  store: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('local') }).strict(),
    z.object({
      kind: z.literal('s3'),
      endpoint: z.url({ protocol: /^https?$/ }),
      region: z.string().min(1).default('us-east-1'),
      bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      /** `endpoint/bucket/key` addressing, which MinIO and most self-hosted servers need. */
      forcePathStyle: z.boolean().default(false),
    }).strict(),
  ]).default({ kind: 'local' }),
}).strict()
export type PhotosConfig = z.infer<typeof PhotosConfig>

/** How the gateway is reached: behind which proxies, and at what public URL. */
export const HttpConfig = z.object({
  /**
   * The URL staff and apps use, e.g. https://tongban.example.gov.cn. When it is https://, every
   * answer carries HSTS and the CSP's upgrade-insecure-requests; when it is http:// (an intranet),
   * none does, whatever a proxy says.
   */
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * The reverse proxies whose X-Forwarded-For/-Proto/-Host are believed: `true` (any: only when
   * nothing else can reach the gateway), or addresses and CIDR ranges (`10.0.0.5`, `10.0.0.0/8`,
   * `loopback`). Unset: none, and a request is https only when it came over TLS itself.
   */
  trustProxy: z.union([z.boolean(), z.array(z.string().refine(isProxyAddress, 'an IP address, a CIDR range, loopback, linklocal or uniquelocal')).min(1)]).optional(),
}).strict()

export const Config = z.object({
  towns: z.array(Town).min(1),
  http: HttpConfig.optional(),
  adapters: z.array(AdapterInstance),
  /** Staff accounts created at start when missing (the demo's; a pilot's first accounts). Passwords follow the policy. */
  seedStaff: z.array(z.object({
    username: z.string(),
    name: z.string(),
    town: z.string().regex(/^\d{12}$/, 'a 12-digit division code'),
    roles: z.array(z.enum(ROLES)).min(1),
    password: z.string(),
    /** A department-liaison's department (whistles.departments). */
    department: z.string().optional(),
    /**
     * Department accounts the staff member acts as, by adapter instance, put into the vault at start
     * when the staff member has none for that instance (the demo's published operator accounts; a
     * pilot maps real ones in the vault, never in a file).
     */
    accounts: z.array(z.object({ adapter: z.string(), username: z.string().min(1), password: z.string().min(1) })).optional(),
  })).optional(),
  /** Per canonical field: authoritative adapter instances in order, or `latest`. Unnamed fields keep the defaults. */
  survivorship: SurvivorshipConfig.optional(),
  /**
   * Who reads facets (README, Facets): a sensitive facet (PIPL art. 28) only the roles named for it
   * in `access`, else the `sensitiveRoles`, each read with its purpose in the audit log; an
   * ordinary facet whoever may read the record.
   */
  facets: z.object({
    sensitiveRoles: z.array(z.enum(ROLES)).default(['window-staff', 'town-leader']),
    access: z.record(z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'a facet name'), z.object({ roles: z.array(z.enum(ROLES)) }).strict()).default({}),
  }).strict().prefault({}),
  /** Credential vault: the algorithm new secrets are sealed with (README, Credential vault). */
  vault: z.object({ algorithm: z.enum(VAULT_ALGORITHMS).default('aes-256-gcm') }).prefault({}),
  /**
   * Simulated department systems started with the gateway (the demo): by adapter id, options its
   * adapter declares (read against that declaration when the configuration is loaded and when
   * they start), and the department web apps.
   */
  simulators: z.object({
    'department-apps': z.array(DepartmentAppSimulatorConfig).default([]),
    'department-systems': z.array(DepartmentSystemSimulatorConfig).default([]),
  }).catchall(z.unknown()).optional(),
  /** Staff sign-in through the province's identity platform (OpenID Connect and/or CAS 3.0). */
  federation: FederationConfig.optional(),
  /** Single sign-on for department web apps: tongban as their OpenID Provider and CAS server. */
  sso: SsoConfig.optional(),
  /**
   * The working-day calendar's extra files (src/calendar/data/README.md): a year's State Council
   * notice not yet built in, or local holidays; paths relative to the configuration file.
   */
  calendar: z.object({ files: z.array(z.string().min(1)).default([]) }).strict().optional(),
  /** The whistle loop (README, Whistles): types, ladder, departments, routing tables. */
  whistles: WhistlesConfig.prefault({}),
  /** Cases (README, Outbox and Deadline alerts). */
  cases: z.object({
    /** The adapter instance case steps are reported to; unset: the one enabled instance with a matter catalogue and an accept operation. */
    reportTo: z.string().optional(),
    /** Reports are retried with exponential backoff this many times, then left `dead` for a person to look at. */
    reportAttempts: z.number().int().min(1).max(100).default(12),
    /** A running clock is "due soon" this many working days before its due day. */
    dueSoonWorkingDays: z.number().int().min(0).max(30).default(2),
  }).strict().prefault({}),
  /** 好差评 ratings (README, Ratings). */
  ratings: z.object({
    /** A 差评's rectification (整改) is due this many working days after the rating. */
    rectifyWithin: z.number().int().min(1).max(60).default(5),
    /** A tablet rating link is good for this many minutes, once. */
    linkMinutes: z.number().int().min(1).max(24 * 60).default(30),
  }).strict().prefault({}),
  /**
   * Photos attached to risk reports and whistle answers (src/photos): the limits an upload must
   * fit, and where accepted photos are kept; unset: the defaults, under the data directory.
   */
  photos: PhotosConfig.optional(),
  /** Risk reports (风险源/隐患): the categories grid staff choose from (the defaults: 安全生产, 消防, 地质灾害, 危房, 水域, 食品安全, 环境污染, 其他). */
  risks: z.object({
    categories: z.array(z.string().min(1).max(20)).min(1).max(50).default([...DEFAULT_RISK_CATEGORIES])
      .refine((c) => new Set(c).size === c.length, 'each category once'),
  }).strict().prefault({}),
}).superRefine((config, ctx) => {
  // Department apps name the adapter instance they belong to; only configured ones.
  const ids = new Set(config.adapters.map((a) => a.id))
  const check = (adapter: string | undefined, path: Array<string | number>): void => {
    if (adapter !== undefined && !ids.has(adapter)) ctx.addIssue({ code: 'custom', path, message: `no adapter instance "${adapter}"` })
  }
  config.seedStaff?.forEach((staff, i) => { staff.accounts?.forEach((a, j) => { check(a.adapter, ['seedStaff', i, 'accounts', j, 'adapter']) }) })
  config.sso?.clients.forEach((c, i) => { check(c.adapter, ['sso', 'clients', i, 'adapter']) })
  config.sso?.cas.services.forEach((s, i) => { check(s.adapter, ['sso', 'cas', 'services', i, 'adapter']) })
  check(config.cases.reportTo, ['cases', 'reportTo'])
  // A hotline instance's work orders go to its town: a configured one.
  config.adapters.forEach((a, i) => { if (a.town !== undefined && !config.towns.some((t) => t.code === a.town)) ctx.addIssue({ code: 'custom', path: ['adapters', i, 'town'], message: `no town ${a.town} is configured (towns: ${config.towns.map((t) => t.code).join(', ')})` }) })
})
/** A validated configuration; loaded from a file, also the adapters its instances load (src/config/adapter-loader.ts). */
export type Config = z.infer<typeof Config> & { loadedAdapters?: LoadedAdapters }
