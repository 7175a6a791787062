// HSTS and the CSP's upgrade-insecure-requests only when the request came over TLS (directly, or
// through a proxy the configuration trusts) or the configured public URL is https://. Over plain
// HTTP — the README's http://127.0.0.1:8080/, intranets — a browser that signs in stays on http:
// (the browser kit refuses any request to https: and fails the test).
import t from 'tap'
import { Config } from '../src/config/schema.ts'
import { captureLogger, freshRedis, tempDir, DEMO_SECRET, BOOTSTRAP_TOKEN } from './helpers.ts'
import { createStaff, guardAgainstHttps, openBrowser, signIn, skipWithoutChromium } from './portal-kit.ts'

const REDIS_INDEX = 3
const TOWN = '320412120000'
const HOST = 'tongban.test'

interface Teardown { teardown: (fn: () => unknown) => void }

/** A gateway on PGlite with the given `http:` (and `sso:`) sections. */
async function gatewayWith (t: Teardown, sections: Record<string, unknown>): Promise<string> {
  const { startGateway } = await import('../src/runtime/gateway.ts')
  const config = Config.parse({
    towns: [{ code: TOWN, name: '武进区湟里镇' }],
    adapters: [{ id: 'household-registration', adapter: 'household-registration', webhook: { secrets: [DEMO_SECRET] } }],
    ...sections,
  })
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: await tempDir(t), configPath: '(test)', redisUrl: await freshRedis(t, REDIS_INDEX), databaseUrl: undefined, adminToken: BOOTSTRAP_TOKEN,
  }, { config, logger: captureLogger().logger })
  t.teardown(gateway.stop)
  return gateway.url
}

const headersOf = async (url: string, headers: Record<string, string> = {}): Promise<{ hsts: string | null, csp: string }> => {
  const res = await fetch(url, { headers, redirect: 'manual' })
  await res.arrayBuffer()
  return { hsts: res.headers.get('strict-transport-security'), csp: res.headers.get('content-security-policy') ?? '' }
}

t.test('http.trustProxy and http.publicUrl are checked', async (t) => {
  const parse = (http: unknown) => Config.safeParse({ towns: [{ code: TOWN, name: '湟里镇' }], adapters: [], http })
  t.ok(parse({ trustProxy: ['10.0.0.5', '10.0.0.0/8', 'loopback', '::1'] }).success)
  t.ok(parse({ trustProxy: true, publicUrl: 'https://tongban.example.gov.cn' }).success)
  t.notOk(parse({ trustProxy: ['proxy.example.gov.cn'] }).success, 'a host name is not an address')
  t.notOk(parse({ publicUrl: 'ftp://tongban.example.gov.cn' }).success)
  t.notOk(parse({ trustProxy: true, secure: true }).success, 'unknown keys are refused')
})

t.test('no proxy trusted, no public URL: plain HTTP answers carry neither, whatever X-Forwarded-Proto says', async (t) => {
  const base = await gatewayWith(t, {})
  for (const path of ['/healthz', '/portal/login', '/auth/login']) {
    const plain = await headersOf(`${base}${path}`)
    t.equal(plain.hsts, null, `${path}: no HSTS`)
    t.match(plain.csp, /default-src 'self'/, `${path}: a CSP`)
    t.notMatch(plain.csp, /upgrade-insecure-requests/, `${path}: no upgrade-insecure-requests`)
    const forged = await headersOf(`${base}${path}`, { 'x-forwarded-proto': 'https' })
    t.equal(forged.hsts, null, `${path}: an untrusted X-Forwarded-Proto changes nothing`)
    t.notMatch(forged.csp, /upgrade-insecure-requests/)
  }
  const docs = await headersOf(`${base}/docs/`)
  t.notMatch(docs.csp, /upgrade-insecure-requests/, 'Swagger UI\'s own CSP neither')

  t.test('a browser signing in at http:// stays on http://, with and without JavaScript', { skip: skipWithoutChromium }, async (t) => {
    await createStaff(base, { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, { username: 'zhouping', name: '周平', town: TOWN, roles: ['window-staff'] })
    // A host name, not 127.0.0.1: Chromium never upgrades a loopback address.
    const { browser, page } = await openBrowser(t, 'transport-security', { hosts: [HOST] })
    const named = base.replace('127.0.0.1', HOST)
    await signIn(page, named, 'zhouping')
    t.equal(new URL(page.url()).protocol, 'http:')
    await page.goto(`${named}/docs/`)
    await page.locator('.swagger-ui .info').waitFor()

    const noScript = await browser.newContext({ javaScriptEnabled: false })
    await guardAgainstHttps(t, noScript)
    const plain = await noScript.newPage()
    await signIn(plain, named, 'zhouping')
    t.equal(new URL(plain.url()).protocol, 'http:')
  })
})

t.test('behind a trusted proxy: HSTS and upgrade-insecure-requests when it says https', async (t) => {
  const base = await gatewayWith(t, { http: { trustProxy: ['loopback'] } })
  const tls = await headersOf(`${base}/portal/login`, { 'x-forwarded-proto': 'https' })
  t.equal(tls.hsts, 'max-age=31536000; includeSubDomains')
  t.match(tls.csp, /default-src 'self'.*;upgrade-insecure-requests$/)
  const plain = await headersOf(`${base}/portal/login`, { 'x-forwarded-proto': 'http' })
  t.equal(plain.hsts, null, 'the proxy\'s plain-HTTP side gets neither')
  t.notMatch(plain.csp, /upgrade-insecure-requests/)
  t.equal((await headersOf(`${base}/docs/`, { 'x-forwarded-proto': 'https' })).hsts, 'max-age=31536000; includeSubDomains', 'pages with their own CSP get HSTS too')
})

t.test('a public URL decides for every request', async (t) => {
  const https = await gatewayWith(t, { http: { publicUrl: 'https://tongban.example.gov.cn' } })
  const secure = await headersOf(`${https}/healthz`)
  t.equal(secure.hsts, 'max-age=31536000; includeSubDomains')
  t.match(secure.csp, /upgrade-insecure-requests/)
})

t.test('so is the OpenID Provider\'s issuer, the public URL of /oidc', async (t) => {
  const viaIssuer = await headersOf(`${await gatewayWith(t, { sso: { issuer: 'https://tongban.example.gov.cn/oidc' } })}/healthz`)
  t.equal(viaIssuer.hsts, 'max-age=31536000; includeSubDomains')
})
