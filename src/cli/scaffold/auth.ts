// The auth a scaffolded pulling adapter declares and its simulator checks, per strategy: the
// declaration (adapter.ts), the credentials the simulator is given (demo.ts options) and the
// department's own check of a request (simulator.ts), written as the department's spec would say
// it — not with the platform's signer, so a mismatch between the two shows in the tests at once.
import { randomBytes } from 'node:crypto'
import { sm2KeyPair } from '../../crypto/sm2.ts'
import type { Auth } from './options.ts'

export interface AuthTemplate {
  /** `auth: {...},` in defineAdapter, with the spec it follows as a comment; '' for none. */
  declaration: string
  /** Whether fetchPage must hand its query to the signer (`signed:`). */
  signsParams: boolean
  /** zod fields of the simulator's options. */
  simulatorOptions: string
  /** Imports the simulator's check needs. */
  simulatorImports: string
  /** Statements in startSimulator before the routes (may define `token`). */
  simulatorSetup: string
  /** The body of `authentic (req: SimRequest): boolean`; '' when the department checks nothing. */
  check: string
  /** Whether the simulator mounts the kit's OAuth2 token endpoint. */
  tokenEndpoint: boolean
  /** Credentials for the instance (configuration) and, matching them, the simulator's options. */
  credentials: () => { instance: Record<string, string> | undefined, simulator: Record<string, string> }
}

const hex = (n: number): string => randomBytes(n).toString('hex')
const appSecret = (): { appId: string, appSecret: string } => ({ appId: `tongban-${hex(4)}`, appSecret: hex(24) })

const HEADER_STAMP = "headers: { signature: 'x-signature', timestamp: 'x-timestamp', appId: 'x-app-id', nonce: 'x-nonce' }"
const FIVE_MINUTES = 'Math.abs(Date.now() - Number(h(\'x-timestamp\'))) <= 300_000'

export const AUTH_TEMPLATES: Record<Auth, AuthTemplate> = {
  none: {
    declaration: '',
    signsParams: false,
    simulatorOptions: '',
    simulatorImports: '',
    simulatorSetup: '',
    check: '',
    tokenEndpoint: false,
    credentials: () => ({ instance: undefined, simulator: {} }),
  },
  'oauth2-client-credentials': {
    declaration: "  // Spec: OAuth2 client credentials at POST /oauth/token; the API takes the bearer token.\n  auth: { type: 'oauth2-client-credentials', tokenPath: '/oauth/token' },\n",
    signsParams: false,
    simulatorOptions: '  clientId: z.string(),\n  clientSecret: z.string(),\n',
    simulatorImports: '',
    simulatorSetup: '  const token = tokenEndpoint({ clients: [{ clientId: opts.clientId, clientSecret: opts.clientSecret }] })\n',
    check: '  return token.clientOf(req.headers) !== undefined',
    tokenEndpoint: true,
    credentials: () => {
      const c = { clientId: `tongban-${hex(4)}`, clientSecret: hex(24) }
      return { instance: c, simulator: c }
    },
  },
  basic: {
    declaration: "  // Spec: HTTP basic authentication with the account the department issued.\n  auth: { type: 'basic' },\n",
    signsParams: false,
    simulatorOptions: '  username: z.string(),\n  password: z.string(),\n',
    simulatorImports: '',
    simulatorSetup: "  const expected = 'Basic ' + Buffer.from(opts.username + ':' + opts.password).toString('base64')\n",
    check: '  return req.headers.authorization === expected',
    tokenEndpoint: false,
    credentials: () => {
      const c = { username: `tongban-${hex(4)}`, password: hex(24) }
      return { instance: c, simulator: c }
    },
  },
  'signed-params': {
    declaration: [
      '  // Spec: appId, timestamp (epoch ms), nonce and sign in the query; sign is HMAC-SHA256 under the',
      '  // app secret, lowercase hex, of appId, timestamp, nonce and the other query parameters as',
      '  // name=value sorted by name and joined with &, the four joined with a line feed.',
      "  auth: { type: 'signed-params', algorithm: 'hmac-sha256', encoding: 'hex', timestamp: 'unix-ms', canonical: ['appId', 'timestamp', 'nonce', 'params'], separator: '\\n', params: 'sorted-pairs', names: { appId: 'appId', timestamp: 'timestamp', nonce: 'nonce', sign: 'sign' }, placement: 'query' },",
      '',
    ].join('\n'),
    signsParams: true,
    simulatorOptions: '  appId: z.string(),\n  appSecret: z.string(),\n',
    simulatorImports: "import { createHmac } from 'node:crypto'\n",
    simulatorSetup: "  const SIGNING = new Set(['appId', 'timestamp', 'nonce', 'sign'])\n",
    check: [
      '  const q = req.query',
      "  const [appId, timestamp, nonce, sign] = ['appId', 'timestamp', 'nonce', 'sign'].map((k) => q.get(k) ?? '')",
      '  if (appId !== opts.appId || nonce === \'\' || Math.abs(Date.now() - Number(timestamp)) > 300_000) return false',
      "  const params = [...q.keys()].filter((k) => !SIGNING.has(k)).sort().map((k) => k + '=' + q.get(k)).join('&')",
      "  return createHmac('sha256', opts.appSecret).update([appId, timestamp, nonce, params].join('\\n')).digest('hex') === sign",
    ].join('\n'),
    tokenEndpoint: false,
    credentials: () => {
      const c = appSecret()
      return { instance: c, simulator: c }
    },
  },
  'hmac-headers': {
    declaration: [
      '  // Spec: x-app-id, x-timestamp (epoch ms), x-nonce and x-signature headers; x-signature is',
      '  // HMAC-SHA256 under the app secret, lowercase hex, of the method, path, query, timestamp, nonce and',
      "  // the body's SHA-256 (hex), joined with line feeds.",
      `  auth: { type: 'hmac-headers', algorithm: 'hmac-sha256', encoding: 'hex', timestamp: 'unix-ms', canonical: ['method', 'path', 'query', 'timestamp', 'nonce', 'body-sha256'], separator: '\\n', ${HEADER_STAMP} },`,
      '',
    ].join('\n'),
    signsParams: false,
    simulatorOptions: '  appId: z.string(),\n  appSecret: z.string(),\n',
    simulatorImports: "import { createHash, createHmac } from 'node:crypto'\n",
    simulatorSetup: '',
    check: [
      "  const h = (name: string): string => String(req.headers[name] ?? '')",
      `  if (h('x-app-id') !== opts.appId || !(${FIVE_MINUTES})) return false`,
      "  const canonical = [req.method, req.path, req.query.toString(), h('x-timestamp'), h('x-nonce'), createHash('sha256').update(req.body).digest('hex')].join('\\n')",
      "  return createHmac('sha256', opts.appSecret).update(canonical).digest('hex') === h('x-signature')",
    ].join('\n'),
    tokenEndpoint: false,
    credentials: () => {
      const c = appSecret()
      return { instance: c, simulator: c }
    },
  },
  sm2: {
    declaration: [
      '  // Spec: x-app-id, x-timestamp (epoch ms), x-nonce and x-signature headers; x-signature is the SM2',
      '  // signature (signer ID 1234567812345678, r || s in hex) of the method, path, query, timestamp, nonce',
      "  // and the body's SM3 (hex), joined with line feeds; the department holds our public key.",
      `  auth: { type: 'sm2', encoding: 'hex', timestamp: 'unix-ms', canonical: ['method', 'path', 'query', 'timestamp', 'nonce', 'body-sm3'], separator: '\\n', ${HEADER_STAMP} },`,
      '',
    ].join('\n'),
    signsParams: false,
    simulatorOptions: "  appId: z.string(),\n  /** Our SM2 public key as the department was given it: 04 || x || y in hex. */\n  publicKey: z.string().regex(/^04[0-9a-fA-F]{128}$/, 'an uncompressed SM2 public key in hex'),\n",
    simulatorImports: "import { createHash } from 'node:crypto'\nimport { sm2 } from 'sm-crypto-v2'\n",
    simulatorSetup: '',
    check: [
      "  const h = (name: string): string => String(req.headers[name] ?? '')",
      `  if (h('x-app-id') !== opts.appId || !(${FIVE_MINUTES})) return false`,
      "  const canonical = [req.method, req.path, req.query.toString(), h('x-timestamp'), h('x-nonce'), createHash('sm3').update(req.body).digest('hex')].join('\\n')",
      "  return sm2.doVerifySignature(new TextEncoder().encode(canonical), h('x-signature'), opts.publicKey, { hash: true, userId: '1234567812345678' })",
    ].join('\n'),
    tokenEndpoint: false,
    credentials: () => {
      const { privateKey, publicKey } = sm2KeyPair()
      const appId = `tongban-${hex(4)}`
      return { instance: { appId, privateKey }, simulator: { appId, publicKey } }
    },
  },
}
