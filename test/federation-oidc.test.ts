// Staff sign in through the province's identity platform over OpenID Connect: a real OpenID
// Provider (panva's oidc-provider) runs in the test, PKCE required, with an interaction handler
// that signs in whichever account the test names; the browser is fetch with a cookie jar per
// host, following redirects by hand.
import t from 'tap'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import Provider, { type KoaContextWithOIDC } from 'oidc-provider'
import { startTestGateway } from './helpers.ts'
import { pendingOidcKey } from '../src/server/federation-routes.ts'
import { setStaffStatus, findStaff, createStaff } from '../src/auth/staff.ts'

const REDIS_INDEX = 15

/** What the platform knows about each person (the claims findAccount returns). */
const PEOPLE: Record<string, Record<string, unknown>> = {
  'hl-zhang': { preferred_username: 'zhangwei', name: '张伟', town: '320412120000', roles: ['HL-CKRY'] },
  'hl-li': { preferred_username: 'lina', name: '李娜', town: '320412120000', roles: ['HL-LD', 'HL-CKRY'] },
  'hl-wang': { preferred_username: 'wangfang', name: '王芳', town: '320412120000', roles: ['HL-CKRY'] },
  'hl-zhao': { preferred_username: 'zhaolei', name: '赵磊', town: '320412120000', roles: ['HL-CKRY'] },
  'hl-chen': { preferred_username: 'chenjing', name: '陈静', town: '320412120000', roles: ['HL-CKRY'] },
  'hl-guest': { preferred_username: 'guest01', name: '访客', town: '320412120000', roles: ['VISITOR'] },
  'nj-sun': { preferred_username: 'sunyang', name: '孙洋', town: '320102001000', roles: ['HL-CKRY'] },
  'hl-local': { preferred_username: 'zhouqiang', name: '周强(平台)', town: '320412120000', roles: ['HL-LD'] },
}

async function listen (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string, close: () => Promise<void> }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)) },
  }
}

async function freePort (): Promise<number> {
  const s = await listen(() => {})
  const port = Number(new URL(s.url).port)
  await s.close()
  return port
}

/** The identity platform: oidc-provider with one confidential client (tongban), PKCE required. */
async function startPlatform (redirectUri: string) {
  const state = { loginAs: 'hl-zhang', codeTtl: 60 }
  let provider: Provider | undefined
  const server = await listen((req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      void interact(req, res).catch((err: Error) => { res.statusCode = 500; res.end(err.message) })
      return
    }
    provider!.callback()(req, res)
  })
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })
  provider = new Provider(server.url, {
    clients: [{
      client_id: 'tongban',
      client_secret: 'tongban-client-secret-0123456789',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [{ ...jwk, kid: 'test-key', use: 'sig', alg: 'RS256' } as never] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    scopes: ['openid', 'profile', 'tongban'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], tongban: ['town', 'roles'] },
    ttl: { AuthorizationCode: () => state.codeTtl },
    async findAccount (_ctx, id) {
      const person = PEOPLE[id]
      return person ? { accountId: id, claims: async () => ({ sub: id, ...person }) } : undefined
    },
    // tongban is a first-party client: the staff member is not asked to consent.
    async loadExistingGrant (ctx: KoaContextWithOIDC) {
      const { oidc } = ctx
      const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(oidc.client!.clientId)
      if (grantId) return await oidc.provider.Grant.find(grantId)
      if (!oidc.session?.accountId) return undefined
      const grant = new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session.accountId })
      grant.addOIDCScope('openid profile tongban')
      await grant.save()
      oidc.session.grantIdFor(oidc.client!.clientId, grant.jti)
      return grant
    },
  })
  // The login page: whoever the test says signs in.
  async function interact (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider!.interactionDetails(req, res)
    if (details.prompt.name !== 'login') throw new Error(`unexpected prompt ${details.prompt.name}`)
    await provider!.interactionFinished(req, res, { login: { accountId: state.loginAs } }, { mergeWithLastSubmission: false })
  }
  return { url: server.url, state, close: server.close }
}

/** A browser: cookies per host (path ignored), no automatic redirects. */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>()

  async get (url: string): Promise<Response> {
    const { host } = new URL(url)
    const jar = this.jars.get(host) ?? new Map<string, string>()
    this.jars.set(host, jar)
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} })
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && new Date(a.split('=')[1]!).getTime() < Date.now()))
      if (expired || value === '') jar.delete(name)
      else jar.set(name, value)
    }
    return res
  }

  cookie (url: string, name: string): string | undefined { return this.jars.get(new URL(url).host)?.get(name) }
}

/** Starts a sign-in at the gateway and goes through the platform until it sends the browser back. */
async function toCallback (gatewayUrl: string, browser = new Browser(), start = '/auth/oidc/start'): Promise<{ browser: Browser, callback: string }> {
  let res = await browser.get(`${gatewayUrl}${start}`)
  if (res.status !== 302) throw new Error(`start answered ${res.status} ${await res.text()}`)
  let url = res.headers.get('location')!
  for (let hops = 0; hops < 10 && !url.startsWith(gatewayUrl); hops++) {
    res = await browser.get(url)
    if (res.status < 300 || res.status >= 400) throw new Error(`the platform answered ${res.status} at ${url}: ${await res.text()}`)
    url = new URL(res.headers.get('location')!, url).href
  }
  if (!url.startsWith(`${gatewayUrl}/auth/oidc/callback?`)) throw new Error(`never came back: ${url}`)
  return { browser, callback: url }
}

async function me (gatewayUrl: string, browser: Browser) {
  const session = browser.cookie(gatewayUrl, 'tb_session')
  const res = await fetch(`${gatewayUrl}/auth/me`, { headers: session ? { cookie: `tb_session=${session}` } : {} })
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}

t.test('OpenID Connect sign-in against a real OpenID Provider', async (t) => {
  const port = await freePort()
  const gatewayUrl = `http://127.0.0.1:${port}`
  const platform = await startPlatform(`${gatewayUrl}/auth/oidc/callback`)
  t.teardown(platform.close)
  const { gateway, redisUrl, logLines } = await startTestGateway(t, {
    store: 'pglite',
    redisIndex: REDIS_INDEX,
    port,
    federation: {
      oidc: {
        issuer: platform.url,
        clientId: 'tongban',
        clientSecret: 'tongban-client-secret-0123456789',
        redirectUri: `${gatewayUrl}/auth/oidc/callback`,
        scopes: ['openid', 'profile', 'tongban'],
        claims: {
          town: { claim: 'town' },
          roles: { claim: 'roles', map: { 'HL-CKRY': 'window-staff', 'HL-LD': ['town-leader'] } },
        },
        provisioning: 'create',
      },
    },
  })
  t.equal(gateway.url, gatewayUrl)
  const { db } = gateway.platform
  const redis = new Redis(redisUrl)
  t.teardown(() => redis.disconnect())

  t.test('the sign-in page learns of the platform', async (t) => {
    const res = await fetch(`${gatewayUrl}/auth/federation`)
    t.same(await res.json(), { providers: [{ protocol: 'oidc', label: '省统一身份认证平台', href: '/auth/oidc/start' }] })
    const portal = await (await fetch(`${gatewayUrl}/portal/login?next=%2Fportal%2Fsearch`)).text()
    t.match(portal, '<a class="button secondary" style="width:100%;text-align:center" href="/auth/oidc/start?next=%2Fportal%2Fsearch">省统一身份认证平台</a>', "the portal's sign-in page has the button, keeping where to go next")
    const english = await (await fetch(`${gatewayUrl}/portal/login?lang=en`)).text()
    t.match(english, 'href="/auth/oidc/start">Province identity platform</a>', 'in English too')
  })

  t.test('the routes are in the OpenAPI document', async (t) => {
    const doc = await (await fetch(`${gatewayUrl}/docs/json`)).json() as { paths: Record<string, unknown> }
    for (const path of ['/auth/federation', '/auth/oidc/start', '/auth/oidc/callback']) t.ok(doc.paths[path], path)
    t.notOk(doc.paths['/auth/cas/login'], 'CAS is not configured here')
  })

  t.test('start: PKCE S256, state and nonce; verifier and nonce stay on the server', async (t) => {
    const browser = new Browser()
    const res = await browser.get(`${gatewayUrl}/auth/oidc/start`)
    t.equal(res.status, 302)
    const auth = new URL(res.headers.get('location')!)
    t.equal(auth.origin, platform.url)
    t.equal(auth.searchParams.get('response_type'), 'code')
    t.equal(auth.searchParams.get('client_id'), 'tongban')
    t.equal(auth.searchParams.get('redirect_uri'), `${gatewayUrl}/auth/oidc/callback`)
    t.equal(auth.searchParams.get('code_challenge_method'), 'S256')
    t.match(auth.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/)
    t.ok(auth.searchParams.get('nonce'))
    const state = auth.searchParams.get('state')!
    t.equal(browser.cookie(gatewayUrl, 'tb_oidc_state'), state, 'the browser holds the state')
    t.match(res.headers.getSetCookie().join('\n'), /tb_oidc_state=[^;]+;.*HttpOnly/i)
    const pending = JSON.parse((await redis.get(pendingOidcKey(state)))!) as Record<string, string>
    t.same(Object.keys(pending).sort(), ['codeVerifier', 'nonce'])
    t.equal(pending.nonce, auth.searchParams.get('nonce'))
    const ttl = await redis.pttl(pendingOidcKey(state))
    t.ok(ttl > 0 && ttl <= 600_000, 'kept for 10 minutes at most')
  })

  t.test('first sign-in provisions the account; the second reuses it', async (t) => {
    platform.state.loginAs = 'hl-li'
    const first = await toCallback(gatewayUrl)
    const res = await first.browser.get(first.callback)
    t.equal(res.status, 303, await res.clone().text())
    t.equal(res.headers.get('location'), '/')
    t.match(res.headers.getSetCookie().join('\n'), /tb_session=[^;]+;.*HttpOnly/i)
    t.notOk(first.browser.cookie(gatewayUrl, 'tb_oidc_state'), 'the state cookie is cleared')
    const who = await me(gatewayUrl, first.browser)
    t.equal(who.status, 200)
    t.match(who.body, { username: 'lina', name: '李娜', town: '320412120000', roles: ['window-staff', 'town-leader'] }, 'roles in tongban\'s order')
    const staff = (await findStaff(db, 'lina'))!
    t.match(staff, { federated: true, hasPassword: false, status: 'active' })
    t.ok(staff.lastLoginAt)
    const { rows } = await db.query<{ external_issuer: string, external_subject: string }>('SELECT external_issuer, external_subject FROM staff WHERE username = $1', ['lina'])
    t.same(rows[0], { external_issuer: platform.url, external_subject: 'hl-li' })

    const second = await toCallback(gatewayUrl)
    const again = await second.browser.get(second.callback)
    t.equal(again.status, 303)
    const whoAgain = await me(gatewayUrl, second.browser)
    t.equal(whoAgain.body.username, 'lina')
    const { rows: count } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staff WHERE external_subject = $1', ['hl-li'])
    t.equal(count[0]!.n, 1, 'the same account, not a second one')
    t.not(second.browser.cookie(gatewayUrl, 'tb_session'), first.browser.cookie(gatewayUrl, 'tb_session'), 'a fresh session id')
    t.equal((await me(gatewayUrl, first.browser)).status, 200, 'the other browser stays signed in')
  })

  t.test('back to where the sign-in was asked for (a department app\'s sign-on), never to another site', async (t) => {
    platform.state.loginAs = 'hl-li'
    const asked = await toCallback(gatewayUrl, new Browser(), `/auth/oidc/start?next=${encodeURIComponent('/oidc/interaction/abc?x=1')}`)
    const res = await asked.browser.get(asked.callback)
    t.equal(res.status, 303)
    t.equal(res.headers.get('location'), '/oidc/interaction/abc?x=1')
    const evil = await toCallback(gatewayUrl, new Browser(), `/auth/oidc/start?next=${encodeURIComponent('//evil.example/')}`)
    t.equal((await evil.browser.get(evil.callback)).headers.get('location'), '/')
  })

  t.test('a sign-in in a browser that has a session replaces it (fresh id, old one ended)', async (t) => {
    platform.state.loginAs = 'hl-li'
    const first = await toCallback(gatewayUrl)
    await first.browser.get(first.callback)
    const old = first.browser.cookie(gatewayUrl, 'tb_session')!
    const second = await toCallback(gatewayUrl, first.browser)
    await second.browser.get(second.callback)
    const fresh = second.browser.cookie(gatewayUrl, 'tb_session')!
    t.not(fresh, old)
    const res = await fetch(`${gatewayUrl}/auth/me`, { headers: { cookie: `tb_session=${old}` } })
    t.equal(res.status, 401, 'the previous session ended')
  })

  t.test('an existing account with the same username is linked, keeps its password and takes the platform\'s town and roles', async (t) => {
    await createStaff(db, { username: 'zhouqiang', name: '周强', town: '320412120000', roles: ['window-staff'], password: 'Ztb!local-pass-2024' })
    platform.state.loginAs = 'hl-local'
    const { browser, callback } = await toCallback(gatewayUrl)
    t.equal((await browser.get(callback)).status, 303)
    t.match((await me(gatewayUrl, browser)).body, { username: 'zhouqiang', name: '周强(平台)', roles: ['town-leader'] })
    t.match(await findStaff(db, 'zhouqiang'), { federated: true, hasPassword: true })
  })

  t.test('wrong state is refused', async (t) => {
    platform.state.loginAs = 'hl-wang'
    const { browser, callback } = await toCallback(gatewayUrl)
    const tampered = new URL(callback)
    tampered.searchParams.set('state', 'not-the-state-we-sent')
    const res = await browser.get(tampered.href)
    t.equal(res.status, 401)
    t.match(await res.json(), { code: 'TB_FEDERATION_FAILED', message: /state does not match/ })
    t.equal((await me(gatewayUrl, browser)).status, 401, 'no session')

    // The answer arriving in another browser (login CSRF): no state cookie there.
    platform.state.loginAs = 'hl-wang'
    const other = await toCallback(gatewayUrl)
    const res2 = await new Browser().get(other.callback)
    t.equal(res2.status, 401)
    t.match(await res2.json(), { code: 'TB_FEDERATION_FAILED', message: /no sign-in .* was started in this browser/ })
    t.notOk(await findStaff(db, 'wangfang'), 'nobody was provisioned')
  })

  t.test('a nonce that does not match the ID token is refused', async (t) => {
    platform.state.loginAs = 'hl-zhao'
    const { browser, callback } = await toCallback(gatewayUrl)
    const key = pendingOidcKey(new URL(callback).searchParams.get('state')!)
    const pending = JSON.parse((await redis.get(key))!) as Record<string, string>
    await redis.set(key, JSON.stringify({ ...pending, nonce: 'a-different-nonce' }), 'PX', 60_000)
    const res = await browser.get(callback)
    t.equal(res.status, 401)
    t.match(await res.json(), { code: 'TB_FEDERATION_FAILED', message: /nonce does not match/ })
    t.notOk(await findStaff(db, 'zhaolei'))
  })

  t.test('an expired authorization code is refused', async (t) => {
    platform.state.loginAs = 'hl-zhao'
    platform.state.codeTtl = 1
    t.teardown(() => { platform.state.codeTtl = 60 })
    const { browser, callback } = await toCallback(gatewayUrl)
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const res = await browser.get(callback)
    t.equal(res.status, 401)
    t.match(await res.json(), { code: 'TB_FEDERATION_FAILED', message: /authorization code is invalid, expired or already used \(invalid_grant/ })
    t.notOk(await findStaff(db, 'zhaolei'))
  })

  t.test('a used authorization code is refused, even with the sign-in\'s state restored', async (t) => {
    platform.state.loginAs = 'hl-chen'
    const { browser, callback } = await toCallback(gatewayUrl)
    const key = pendingOidcKey(new URL(callback).searchParams.get('state')!)
    const pending = (await redis.get(key))!
    const stateCookie = browser.cookie(gatewayUrl, 'tb_oidc_state')!
    t.equal((await browser.get(callback)).status, 303, 'the first use signs in')
    // Replaying the same answer: the state is single-use…
    const replay = await fetch(callback, { redirect: 'manual', headers: { cookie: `tb_oidc_state=${stateCookie}` } })
    t.equal(replay.status, 401)
    t.match(await replay.json(), { code: 'TB_FEDERATION_FAILED', message: /already completed/ })
    // …and with the pending sign-in put back, the platform refuses the code itself.
    await redis.set(key, pending, 'PX', 60_000)
    const reuse = await fetch(callback, { redirect: 'manual', headers: { cookie: `tb_oidc_state=${stateCookie}` } })
    t.equal(reuse.status, 401)
    t.match(await reuse.json(), { code: 'TB_FEDERATION_FAILED', message: /invalid_grant/ })
  })

  t.test('a disabled account is refused', async (t) => {
    platform.state.loginAs = 'hl-zhang'
    const first = await toCallback(gatewayUrl)
    t.equal((await first.browser.get(first.callback)).status, 303, 'provisioned while active')
    await setStaffStatus(db, 'zhangwei', 'disabled')
    const second = await toCallback(gatewayUrl)
    const res = await second.browser.get(second.callback)
    t.equal(res.status, 403)
    t.match(await res.json(), { code: 'TB_ACCOUNT_DISABLED' })
    t.notOk(second.browser.cookie(gatewayUrl, 'tb_session'), 'no session cookie')
    t.equal((await me(gatewayUrl, first.browser)).status, 401, 'the earlier session no longer counts either')
  })

  t.test('claims that do not map are refused with the reason', async (t) => {
    platform.state.loginAs = 'hl-guest'
    const guest = await toCallback(gatewayUrl)
    let res = await guest.browser.get(guest.callback)
    t.equal(res.status, 401)
    t.match(await res.json(), { code: 'TB_FEDERATION_FAILED', message: /none of the values of claim roles \(VISITOR\) maps to a tongban role/ })

    platform.state.loginAs = 'nj-sun'
    const outsider = await toCallback(gatewayUrl)
    res = await outsider.browser.get(outsider.callback)
    t.equal(res.status, 401)
    t.match(await res.json(), { code: 'TB_FEDERATION_FAILED', message: /town 320102001000 is outside/ })
    t.notOk(await findStaff(db, 'sunyang'))
  })

  t.test('the platform\'s error answer (the person cancelled) is refused with it', async (t) => {
    const browser = new Browser()
    const start = await browser.get(`${gatewayUrl}/auth/oidc/start`)
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!
    const res = await browser.get(`${gatewayUrl}/auth/oidc/callback?error=access_denied&error_description=cancelled&state=${state}&iss=${encodeURIComponent(platform.url)}`)
    t.equal(res.status, 401)
    t.match(await res.json(), { code: 'TB_FEDERATION_FAILED', message: /access_denied \(cancelled\)/ })
  })

  t.test('sign-ins and failures are in the audit log', async (t) => {
    await gateway.platform.audit.flush()
    const { rows } = await db.query<{ actor: string, action: string, outcome: string, details: Record<string, string> }>(
      'SELECT actor, action, outcome, details FROM audit_log WHERE action LIKE $1 ORDER BY id', ['auth.login%'])
    t.match(rows.find((r) => r.actor === 'lina' && r.action === 'auth.login'), { outcome: 'ok', details: { method: 'oidc', issuer: platform.url } })
    t.match(rows.find((r) => r.actor === 'zhangwei' && r.action === 'auth.login-failed'), { outcome: 'denied', details: { method: 'oidc', reason: 'TB_ACCOUNT_DISABLED' } })
    t.match(rows.find((r) => r.details.reason === 'TB_FEDERATION_FAILED' && /nonce/.test(r.details.message ?? '')), { actor: '(unknown)', outcome: 'denied' })
    t.match(rows.find((r) => r.details.upstreamSubject === 'nj-sun'), { actor: '(unknown)', action: 'auth.login-failed', details: { message: /outside/ } }, 'an unmappable identity is named by its subject at the platform')
  })

  t.test('no code, token or verifier reaches the log', async (t) => {
    const text = logLines.join('')
    t.notMatch(text, /tongban-client-secret/)
    t.notMatch(text, /code=[A-Za-z0-9_-]{20,}/)
    t.match(text, /federated sign-in/)
  })
})

t.test('a platform that cannot be reached answers TB_FEDERATION_UNAVAILABLE, and the gateway still starts', async (t) => {
  const port = await freePort()
  const gatewayUrl = `http://127.0.0.1:${port}`
  const { gateway } = await startTestGateway(t, {
    store: 'pglite',
    redisIndex: REDIS_INDEX,
    port,
    federation: { oidc: { issuer: `http://127.0.0.1:${await freePort()}`, clientId: 'tongban', redirectUri: `${gatewayUrl}/auth/oidc/callback` } },
  })
  const res = await fetch(`${gateway.url}/auth/oidc/start`, { redirect: 'manual' })
  t.equal(res.status, 502)
  t.match(await res.json(), { code: 'TB_FEDERATION_UNAVAILABLE' })
  const none = await fetch(`${gateway.url}/auth/cas/login`, { redirect: 'manual' })
  t.equal(none.status, 404, 'CAS is not configured: no route')
})
