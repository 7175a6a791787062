// tongban as the OpenID Provider of department apps, driven by openid-client as a real relying
// party: a staff member signed in to tongban is signed in to the app without a password, with
// their staff id, name, town and roles; without a tongban session they go to sign in and come
// back; unknown clients, foreign redirect URIs and disabled staff get nothing.
import t from 'tap'
import * as client from 'openid-client'
import { Redis } from 'ioredis'
import { startTestGateway } from './helpers.ts'
import { KEYS_KEY } from '../src/auth/provider/keys.ts'

type Json = Record<string, any>

const TOWN = '320412120000'
const PASSWORD = 'Window-Staff-2026'
const CLIENT_ID = 'social-assistance'
const SECRET = 'sa-secret-0123456789abcdefghijklmnopqrstuv'
const REDIRECT = 'https://shjz.example.gov.cn/oidc/callback'

/** A browser's cookies, enough for one host (paths are ignored: sending a cookie too widely is harmless here). */
class Jar {
  readonly cookies = new Map<string, string>()
  take (res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      const expired = attrs.some((a) => /^\s*expires=.*1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a))
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  header (): string { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
}

t.test('tongban as OpenID Provider for department apps', async (t) => {
  const { gateway, bootstrapAuth, redisUrl, logLines } = await startTestGateway(t, {
    store: 'postgres',
    redisIndex: 1,
    sso: {
      clients: [{ clientId: CLIENT_ID, clientSecret: SECRET, name: '社会救助系统', redirectUris: [REDIRECT], postLogoutRedirectUris: ['https://shjz.example.gov.cn/'] }],
    },
  })
  const base = gateway.url
  const issuer = `${base}/oidc`
  const redis = new Redis(redisUrl)
  t.teardown(() => { redis.disconnect() })

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number, body: Json, res: Response }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    let json: Json = {}
    try { json = JSON.parse(text) as Json } catch {}
    return { status: res.status, body: json, res }
  }
  const createStaff = async (username: string, name: string, roles: string[]): Promise<Json> => {
    const r = await api('POST', '/api/v1/staff', { username, name, town: TOWN, roles, password: PASSWORD }, bootstrapAuth)
    if (r.status !== 201) throw new Error(`create ${username}: ${r.status} ${JSON.stringify(r.body)}`)
    return r.body
  }
  /** Signs in through the lead's JSON sign-in and puts the session cookie in the jar. */
  const signIn = async (jar: Jar, username: string): Promise<{ status: number, body: Json }> => {
    const r = await api('POST', '/auth/login', { username, password: PASSWORD })
    jar.take(r.res)
    return r
  }

  /** Follows redirects like a browser until one leaves tongban (or a page answers). */
  const browse = async (jar: Jar, start: string): Promise<{ hops: string[], last: Response, location: string | undefined }> => {
    const hops: string[] = []
    let url = new URL(start, base).href
    for (let i = 0; i < 15; i++) {
      hops.push(url)
      const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } })
      jar.take(res)
      const location = res.headers.get('location') ?? undefined
      if (res.status < 300 || res.status >= 400 || !location) return { hops, last: res, location }
      const next = new URL(location, url)
      if (next.origin !== new URL(base).origin || next.pathname === '/auth/login') {
        await res.arrayBuffer()
        return { hops, last: res, location: next.href }
      }
      await res.arrayBuffer()
      url = next.href
    }
    throw new Error(`too many redirects: ${hops.join(' -> ')}`)
  }

  const rp = await client.discovery(new URL(issuer), CLIENT_ID, undefined, client.ClientSecretBasic(SECRET), { execute: [client.allowInsecureRequests] })
  const authorizationRequest = async (extra: Record<string, string> = {}) => {
    const verifier = client.randomPKCECodeVerifier()
    const state = client.randomState()
    const nonce = client.randomNonce()
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: REDIRECT, scope: 'openid profile', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      ...extra,
    })
    return { url, verifier, state, nonce }
  }
  const redeem = async (location: string, req: { verifier: string, state: string, nonce: string }) =>
    await client.authorizationCodeGrant(rp, new URL(location), { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce, idTokenExpected: true })

  const li = await createStaff('liwei', '李伟', ['window-staff', 'town-leader'])

  t.test('discovery: issuer, code flow with PKCE only, signed with a key kept in Redis', async (t) => {
    const meta = rp.serverMetadata()
    t.equal(meta.issuer, issuer)
    t.same(meta.response_types_supported, ['code'])
    t.same(meta.code_challenge_methods_supported, ['S256'])
    t.ok(meta.scopes_supported?.includes('profile'))
    t.ok(meta.claims_supported?.includes('town') && meta.claims_supported.includes('roles'))
    t.equal(meta.authorization_endpoint, `${issuer}/auth`)
    const jwks = await (await fetch(meta.jwks_uri!)).json() as { keys: Json[] }
    t.equal(jwks.keys.length, 1)
    t.equal(jwks.keys[0]!.kty, 'RSA')
    t.notOk('d' in jwks.keys[0]! || 'p' in jwks.keys[0]!, 'only the public key is published')
    const stored = JSON.parse((await redis.get(KEYS_KEY))!) as { jwks: { keys: Json[] } }
    t.equal(stored.jwks.keys[0]!.kid, jwks.keys[0]!.kid, 'the signing key is the one stored in Redis')
    t.ok(logLines.some((l) => l.includes('sso.issuer is not set')), 'says the issuer was defaulted')
  })

  t.test('a signed-in staff member is signed in to the app without a password', async (t) => {
    const jar = new Jar()
    t.equal((await signIn(jar, 'liwei')).status, 200)
    const req = await authorizationRequest()
    const { hops, location } = await browse(jar, req.url.href)
    t.ok(location?.startsWith(`${REDIRECT}?`), `back at the app: ${location}`)
    t.notOk(hops.some((h) => h.includes('/auth/login')), 'no sign-in page on the way')
    t.ok(hops.some((h) => h.includes('/oidc/interaction/')), 'through the interaction, completed from the tongban session')

    const tokens = await redeem(location!, req)
    const claims = tokens.claims()!
    t.match(claims, { iss: issuer, aud: CLIENT_ID, sub: String(li.id), preferred_username: 'liwei', name: '李伟', town: TOWN, roles: ['window-staff', 'town-leader'], amr: ['pwd'] })
    t.type(claims.auth_time, 'number')
    const info = await client.fetchUserInfo(rp, tokens.access_token, claims.sub)
    t.match(info, { sub: String(li.id), preferred_username: 'liwei', name: '李伟', town: TOWN, roles: ['window-staff', 'town-leader'] })

    // A second app visit: silent (prompt=none works while the tongban session lives).
    const again = await authorizationRequest({ prompt: 'none' })
    const second = await browse(jar, again.url.href)
    t.ok(second.location?.startsWith(`${REDIRECT}?`) && second.location.includes('code='), 'prompt=none succeeds with a live session')
    t.equal((await redeem(second.location!, again)).claims()!.sub, String(li.id))

    t.test('a code is good once', async (t) => {
      await t.rejects(redeem(location!, req), { code: 'OAUTH_RESPONSE_BODY_ERROR', error: 'invalid_grant' })
    })

    t.test('signing out of tongban ends silent sign-in to the app', async (t) => {
      const me = await api('GET', '/auth/me', undefined, { cookie: jar.header() })
      const out = await api('POST', '/auth/logout', undefined, { cookie: jar.header(), 'x-csrf-token': me.body.csrfToken })
      t.equal(out.status, 204)
      jar.take(out.res)
      t.ok(jar.cookies.has('tb_oidc_session'), 'the provider session cookie is still in the browser')
      const silent = await authorizationRequest({ prompt: 'none' })
      const r = await browse(jar, silent.url.href)
      const back = new URL(r.location!)
      t.equal(back.origin + back.pathname, REDIRECT)
      t.equal(back.searchParams.get('error'), 'login_required')
      const visible = await browse(jar, (await authorizationRequest()).url.href)
      t.match(visible.location, /\/auth\/login\?next=%2Foidc%2Finteraction%2F/)
    })
  })

  t.test('without a tongban session: to sign-in, and back to the app afterwards', async (t) => {
    const jar = new Jar()
    const req = await authorizationRequest()
    const first = await browse(jar, req.url.href)
    const signInAt = new URL(first.location!)
    t.equal(signInAt.pathname, '/auth/login')
    const next = signInAt.searchParams.get('next')!
    t.match(next, /^\/oidc\/interaction\/[\w-]+$/)
    t.notOk([...jar.cookies.keys()].includes('tb_session'))

    t.equal((await signIn(jar, 'liwei')).status, 200)
    const after = await browse(jar, next)
    t.ok(after.location?.startsWith(`${REDIRECT}?`), `back at the app: ${after.location}`)
    t.equal((await redeem(after.location!, req)).claims()!.preferred_username, 'liwei')

    t.test('the finished interaction cannot be replayed', async (t) => {
      const r = await api('GET', next, undefined, { cookie: jar.header() })
      t.equal(r.status, 400)
      t.equal(r.body.code, 'TB_SSO_INTERACTION_EXPIRED')
    })
  })

  t.test('prompt=login asks for a sign-in made after the request, even with a session', async (t) => {
    const jar = new Jar()
    await signIn(jar, 'liwei')
    await new Promise((resolve) => setTimeout(resolve, 1100)) // the session predates the request by a second
    const req = await authorizationRequest({ prompt: 'login' })
    const first = await browse(jar, req.url.href)
    const signInAt = new URL(first.location!)
    t.equal(signInAt.pathname, '/auth/login')
    await signIn(jar, 'liwei')
    const after = await browse(jar, signInAt.searchParams.get('next')!)
    t.ok(after.location?.startsWith(`${REDIRECT}?`))
    const claims = (await redeem(after.location!, req)).claims()!
    t.ok(claims.auth_time! >= Math.floor(Date.now() / 1000) - 5, 'auth_time is the new sign-in')
  })

  t.test('refused: unknown client, foreign redirect_uri, missing PKCE, wrong secret', async (t) => {
    const jar = new Jar()
    await signIn(jar, 'liwei')
    const good = await authorizationRequest()

    const unknown = new URL(good.url)
    unknown.searchParams.set('client_id', 'not-registered')
    const u = await api('GET', unknown.pathname + unknown.search, undefined, { cookie: jar.header() })
    t.equal(u.status, 400)
    t.equal(u.body.code, 'TB_SSO_REQUEST_INVALID')
    t.match(u.body.message, /invalid_client/)
    t.equal(u.res.headers.get('location'), null, 'no redirect anywhere')

    const foreign = new URL(good.url)
    foreign.searchParams.set('redirect_uri', 'https://evil.example.com/callback')
    const f = await api('GET', foreign.pathname + foreign.search, undefined, { cookie: jar.header() })
    t.equal(f.status, 400)
    t.equal(f.body.code, 'TB_SSO_REQUEST_INVALID')
    t.match(f.body.message, /redirect_uri/)
    t.equal(f.res.headers.get('location'), null, 'the code never goes to an unregistered redirect_uri')

    const noPkce = new URL(good.url)
    noPkce.searchParams.delete('code_challenge')
    noPkce.searchParams.delete('code_challenge_method')
    const n = await browse(jar, noPkce.href)
    const back = new URL(n.location!)
    t.equal(back.searchParams.get('error'), 'invalid_request')
    t.notOk(back.searchParams.has('code'))

    const { location } = await browse(jar, good.url.href)
    const wrongSecret = await client.discovery(new URL(issuer), CLIENT_ID, undefined, client.ClientSecretBasic('not-the-secret-0123456789abcdefghijkl'), { execute: [client.allowInsecureRequests] })
    await t.rejects(client.authorizationCodeGrant(wrongSecret, new URL(location!), { pkceCodeVerifier: good.verifier, expectedState: good.state }),
      { status: 401, cause: [{ scheme: 'basic', parameters: { error: 'invalid_client' } }] })
  })

  t.test('prompt=consent is answered without asking: the apps are registered first-party apps', async (t) => {
    const jar = new Jar()
    await signIn(jar, 'liwei')
    const first = await authorizationRequest()
    await redeem((await browse(jar, first.url.href)).location!, first)
    const req = await authorizationRequest({ prompt: 'consent' })
    const { hops, location } = await browse(jar, req.url.href)
    t.equal(hops.filter((h) => h.includes('/oidc/interaction/')).length, 1, 'one interaction, for consent, answered at once')
    t.equal((await redeem(location!, req)).claims()!.town, TOWN)
  })

  t.test('disabled staff get no tokens', async (t) => {
    await createStaff('wangfang', '王芳', ['grid-staff'])
    const jar = new Jar()
    await signIn(jar, 'wangfang')
    const earlier = await authorizationRequest()
    const tokens = await redeem((await browse(jar, earlier.url.href)).location!, earlier)
    const req = await authorizationRequest()
    const { location } = await browse(jar, req.url.href)
    t.ok(location?.includes('code='), 'a code, issued while the account was active')

    t.equal((await api('POST', '/api/v1/staff/wangfang/disable', undefined, bootstrapAuth)).status, 200)
    await t.rejects(redeem(location!, req), { code: 'OAUTH_RESPONSE_BODY_ERROR', error: 'invalid_grant' }, 'the code no longer yields tokens')
    await t.rejects(client.fetchUserInfo(rp, tokens.access_token, tokens.claims()!.sub), { name: 'WWWAuthenticateChallengeError', status: 401 }, 'an access token issued before no longer reads the account')

    const later = await browse(jar, (await authorizationRequest()).url.href)
    t.match(later.location, /\/auth\/login\?next=/, 'the ended session signs nobody in')
    const again = await signIn(jar, 'wangfang')
    t.same([again.status, again.body.code], [403, 'TB_ACCOUNT_DISABLED'])
  })

  t.test('signing keys survive a Redis that lost them', async (t) => {
    const before = JSON.parse((await redis.get(KEYS_KEY))!) as { jwks: { keys: Json[] } }
    await redis.del(KEYS_KEY)
    const jwks = await (await fetch(`${issuer}/jwks`)).json() as { keys: Json[] }
    t.equal(jwks.keys[0]!.kid, before.jwks.keys[0]!.kid, 'the gateway put its keys back')
    t.ok(await redis.get(KEYS_KEY))
  })

  t.test('the log names the app and the staff member, never a secret or token', async (t) => {
    t.ok(logLines.some((l) => l.includes('sso: signed a staff member in to a department app') && l.includes(`"staffId":"${li.id}"`) && l.includes(CLIENT_ID)))
    const stored = JSON.parse((await redis.get(KEYS_KEY))!) as { jwks: { keys: Json[] }, cookieKeys: string[] }
    for (const secret of [SECRET, stored.jwks.keys[0]!.d as string, stored.cookieKeys[0]!]) {
      t.notOk(logLines.some((l) => l.includes(secret)), 'a secret is not in the log')
    }
  })

  t.test('the provider keeps its state in Redis under tb:oidc:, with expiry', async (t) => {
    const keys = await redis.keys('tb:oidc:*')
    t.ok(keys.some((k) => k.startsWith('tb:oidc:{state}:Session:')))
    for (const key of keys.filter((k) => k !== KEYS_KEY)) {
      t.ok(await redis.ttl(key) > 0, `${key} expires`)
    }
    t.equal(await redis.ttl(KEYS_KEY), -1, 'the signing keys do not expire')
  })
})
