// The staff member's journey when it starts at a department app, in a real browser (a fresh
// context, no tongban session), with and without JavaScript: an OpenID Connect app (a small HTTP
// server using openid-client as its relying party) and a CAS app (the adapter SDK's demo app) send
// them to tongban's sign-in, and after the password they land in the app, signed in — the CSP
// stays `form-action 'self'`. Then the app-initiated OpenID Connect logout ends at the app, and
// signing out of tongban signs them out of both apps: a back-channel logout token to the OIDC app
// and a SAML LogoutRequest to the CAS app, each received by the app's own server. And: plain
// http:// app URLs off loopback are a configuration error unless the app allows it.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as client from 'openid-client'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import type { Page } from 'playwright-core'
import { startDepartmentApp } from '../src/adapter-sdk/testkit/index.ts'
import { parseConfig } from '../src/config/load.ts'
import { DEMO_SECRET, startTestGateway } from './helpers.ts'
import { STAFF_PASSWORD, createStaff, guardAgainstHttps, openBrowser, skipWithoutChromium } from './portal-kit.ts'

const TOWN = '320412120000'
const CLIENT_ID = 'social-assistance'
const SECRET = 'sa-secret-0123456789abcdefghijklmnopqrstuv'
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

t.test('plain http:// app URLs off loopback need allowHttp', async (t) => {
  const config = (sso: string): string => `towns:\n  - { code: "${TOWN}", name: 湟里镇 }\nadapters:\n  - { id: hr, adapter: household-registration, webhook: { secrets: ["${DEMO_SECRET}"] } }\nsso:\n${sso}`
  const oidc = (uri: string, extra = ''): string => `  clients:\n    - { clientId: app, clientSecret: "${'s'.repeat(32)}", name: 应用, redirectUris: ["${uri}"]${extra} }\n`
  const cas = (url: string, extra = ''): string => `  cas:\n    services:\n      - { name: 应用, url: "${url}"${extra} }\n`
  t.throws(() => parseConfig(config(oidc('http://10.1.2.3/cb')), 'x.yaml'),
    { code: 'TB_CONFIG_INVALID', message: /sso\.clients\[0\]\.redirectUris\[0\]: http:\/\/10\.1\.2\.3\/cb is plain http:\/\/ off this machine: use https:\/\/, or set allowHttp: true/ })
  t.throws(() => parseConfig(config(oidc('https://a.gov.cn/cb', ', backchannelLogoutUri: "http://a.gov.cn/bc"')), 'x.yaml'),
    { code: 'TB_CONFIG_INVALID', message: /sso\.clients\[0\]\.backchannelLogoutUri: / })
  t.throws(() => parseConfig(config(oidc('https://a.gov.cn/cb', ', postLogoutRedirectUris: ["http://a.gov.cn/"]')), 'x.yaml'),
    { code: 'TB_CONFIG_INVALID', message: /sso\.clients\[0\]\.postLogoutRedirectUris\[0\]: / })
  t.throws(() => parseConfig(config(cas('http://mz.example.gov.cn/mz')), 'x.yaml'),
    { code: 'TB_CONFIG_INVALID', message: /sso\.cas\.services\[0\]\.url: http:\/\/mz\.example\.gov\.cn\/mz is plain http:\/\// })
  t.ok(parseConfig(config(oidc('http://10.1.2.3/cb', ', allowHttp: true')), 'x.yaml'), 'allowed for an intranet app')
  t.ok(parseConfig(config(cas('http://mz.example.gov.cn/mz', ', allowHttp: true')), 'x.yaml'))
  for (const loopback of ['http://127.0.0.1:9000/cb', 'http://localhost/cb', 'http://[::1]:9000/cb']) {
    t.ok(parseConfig(config(oidc(loopback)), 'x.yaml'), `${loopback}: loopback is allowed`)
  }
})

interface RpSession { who: string, sub: string, sid: string | undefined, idToken: string }

/** A department app signing staff in through tongban's OpenID Provider, with its own sessions and back-channel logout. */
async function startOidcApp (issuer: () => string) {
  let base = ''
  let rp: client.Configuration | undefined
  const discovered = async (): Promise<client.Configuration> => {
    rp ??= await client.discovery(new URL(issuer()), CLIENT_ID, undefined, client.ClientSecretBasic(SECRET), { execute: [client.allowInsecureRequests] })
    return rp
  }
  const pending = new Map<string, { verifier: string, nonce: string }>()
  const sessions = new Map<string, RpSession>()
  const logoutTokens: Array<Record<string, unknown>> = []
  const page = (res: ServerResponse, body: string, headers: Record<string, string> = {}): void => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>社会救助系统</title>${body}`)
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base)
    const cookie = /(?:^|;\s*)rp_session=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1]
    const mine = cookie ? sessions.get(cookie) : undefined
    const config = await discovered()
    if (url.pathname === '/') {
      if (mine) return page(res, `<p id="who">已登录：${mine.who}</p><a href="/logout">退出</a>`)
      const verifier = client.randomPKCECodeVerifier()
      const state = client.randomState()
      const nonce = client.randomNonce()
      pending.set(state, { verifier, nonce })
      const to = client.buildAuthorizationUrl(config, { redirect_uri: `${base}/cb`, scope: 'openid profile', state, nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' })
      res.writeHead(302, { location: to.href }).end()
      return
    }
    if (url.pathname === '/cb') {
      const state = url.searchParams.get('state') ?? ''
      const waiting = pending.get(state)
      pending.delete(state)
      if (!waiting) throw new Error('unknown state')
      const tokens = await client.authorizationCodeGrant(config, url, { pkceCodeVerifier: waiting.verifier, expectedState: state, expectedNonce: waiting.nonce, idTokenExpected: true })
      const claims = tokens.claims()!
      const id = randomBytes(16).toString('base64url')
      sessions.set(id, { who: `${String(claims.name)}（${String(claims.preferred_username)}）`, sub: claims.sub, sid: claims.sid as string | undefined, idToken: tokens.id_token! })
      res.writeHead(303, { location: '/', 'set-cookie': `rp_session=${id}; Path=/; HttpOnly; SameSite=Lax` }).end()
      return
    }
    if (url.pathname === '/logout' && mine) {
      sessions.delete(cookie!)
      res.writeHead(302, { location: client.buildEndSessionUrl(config, { id_token_hint: mine.idToken, post_logout_redirect_uri: `${base}/bye` }).href }).end()
      return
    }
    if (url.pathname === '/bye') return page(res, '<p id="bye">已退出社会救助系统。</p>')
    if (url.pathname === '/backchannel' && req.method === 'POST') {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const token = new URLSearchParams(Buffer.concat(chunks).toString()).get('logout_token') ?? ''
      const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!))
      const { payload } = await jwtVerify(token, jwks, { issuer: issuer(), audience: CLIENT_ID })
      logoutTokens.push(payload)
      if (!(payload.events as Record<string, unknown> | undefined)?.[BACKCHANNEL_EVENT] || 'nonce' in payload) throw new Error('not a logout token')
      for (const [id, s] of sessions) if (s.sid === payload.sid && s.sub === payload.sub) sessions.delete(id)
      res.writeHead(200).end()
      return
    }
    res.writeHead(404).end()
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => { res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message) })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    sessions,
    logoutTokens,
    close: async () => { await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve() }) }) },
  }
}

/** On tongban's sign-in page (where an app sent the browser): the password, and on to wherever it leads. */
async function typePassword (page: Page, username: string): Promise<void> {
  await page.waitForURL(/\/auth\/login\?next=/)
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码', { exact: true }).fill(STAFF_PASSWORD)
  await page.getByRole('button', { name: '登录' }).click()
}

t.test('journeys that start at a department app', { skip: skipWithoutChromium }, async (t) => {
  let gatewayUrl = ''
  const oidcApp = await startOidcApp(() => `${gatewayUrl}/oidc`)
  t.teardown(oidcApp.close)
  const casApp = await startDepartmentApp({ name: '民政业务系统', casUrl: () => `${gatewayUrl}/cas` })
  t.teardown(casApp.close)
  const { gateway, bootstrapAuth, logLines } = await startTestGateway(t, {
    store: 'pglite',
    redisIndex: 8,
    sso: {
      clients: [{
        clientId: CLIENT_ID, clientSecret: SECRET, name: '社会救助系统',
        redirectUris: [`${oidcApp.url}/cb`], postLogoutRedirectUris: [`${oidcApp.url}/bye`], backchannelLogoutUri: `${oidcApp.url}/backchannel`,
      }],
      cas: { services: [{ name: '民政业务系统', url: `${casApp.url}/mz` }] },
    },
  })
  gatewayUrl = gateway.url
  await createStaff(gatewayUrl, bootstrapAuth, { username: 'liwei', name: '李伟', town: TOWN, roles: ['window-staff'] })
  const { browser } = await openBrowser(t, 'sso-journeys')
  const freshContext = async (javaScriptEnabled: boolean) => {
    const context = await browser.newContext({ javaScriptEnabled, locale: 'zh-CN' })
    await guardAgainstHttps(t, context)
    t.teardown(async () => { await context.close() })
    return await context.newPage()
  }

  for (const javaScriptEnabled of [false, true]) {
    t.test(`first sign-in from the apps (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async (t) => {
      const page = await freshContext(javaScriptEnabled)
      await page.goto(`${oidcApp.url}/`)
      await typePassword(page, 'liwei')
      await page.waitForURL(`${oidcApp.url}/`)
      t.match(await page.locator('#who').textContent(), '已登录：李伟（liwei）', 'OpenID Connect: in the app after the password')

      const casPage = await freshContext(javaScriptEnabled)
      await casPage.goto(`${casApp.url}/mz/home`)
      await typePassword(casPage, 'liwei')
      await casPage.waitForURL(new RegExp(`^${casApp.url}/mz/home\\?ticket=ST-`))
      t.match(await casPage.locator('#who').textContent(), '已登录：李伟（liwei）', 'CAS: in the app after the password')
    })
  }

  t.test('signing out: app-initiated logout ends at the app; signing out of tongban signs out of every app', async (t) => {
    const page = await freshContext(true)
    await page.goto(`${casApp.url}/mz/home`)
    await typePassword(page, 'liwei')
    await page.waitForURL(new RegExp(`^${casApp.url}/mz/home\\?ticket=`))
    await page.goto(`${oidcApp.url}/`)
    await page.waitForURL(`${oidcApp.url}/`)
    t.match(await page.locator('#who').textContent(), '李伟', 'the OpenID Connect app without a password')

    // The app asks tongban to end its session: the confirmation's form leads back to the app.
    await page.getByRole('link', { name: '退出' }).click()
    await page.waitForURL(/\/oidc\/session\/end/)
    await page.getByRole('button', { name: '退出', exact: true }).click()
    await page.waitForURL(`${oidcApp.url}/bye`)
    t.ok(await page.locator('#bye').isVisible(), 'back at the app\'s post-logout page')
    await page.goto(`${oidcApp.url}/`)
    await page.waitForURL(`${oidcApp.url}/`)
    t.match(await page.locator('#who').textContent(), '李伟', 'still signed in to tongban: in again without a password')
    const sid = [...oidcApp.sessions.values()].at(-1)?.sid // this browser's, the newest
    t.ok(sid, 'the ID token carries sid')

    // Signing out of tongban (the CAS logout page's button) signs out of both apps, server to server.
    const before = oidcApp.logoutTokens.length
    await page.goto(`${gatewayUrl}/cas/logout`)
    await page.getByRole('button', { name: '退出通办' }).click()
    await page.waitForURL(/\/auth\/login/)
    t.equal(oidcApp.logoutTokens.length, before + 1, 'one logout token for the OpenID Connect app')
    t.match(oidcApp.logoutTokens.at(-1), { aud: CLIENT_ID, sid, events: { [BACKCHANNEL_EVENT]: {} } })
    t.notOk([...oidcApp.sessions.values()].some((s) => s.sid === sid), 'its session ended')
    await page.goto(`${oidcApp.url}/`)
    await page.waitForURL(/\/auth\/login\?next=/)
    t.pass('the OpenID Connect app asks tongban again, which asks for the password')
    await page.goto(`${casApp.url}/mz/home`)
    await page.waitForURL(/\/auth\/login\?next=/)
    t.pass('the CAS app\'s session ended (LogoutRequest), and tongban asks for the password')
    t.ok(logLines.some((l) => l.includes('sso: CAS single logout sent')))
    t.ok(logLines.some((l) => l.includes('sso: back-channel logout sent')))
  })
})
