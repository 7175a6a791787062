// Staff sign in through a CAS 3.0 identity platform. The CAS server here follows the protocol
// specification (apereo.github.io/cas/development/protocol/CAS-Protocol-Specification.html):
// /login redirects back to the service with a single-use service ticket (ST-…) bound to that
// service; /p3/serviceValidate answers <cas:authenticationSuccess> with <cas:attributes>, or
// <cas:authenticationFailure code="…">.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startTestGateway } from './helpers.ts'
import { findStaff, setStaffStatus } from '../src/auth/staff.ts'
import { parseServiceResponse } from '../src/auth/federation/cas.ts'

const REDIS_INDEX = 15

const USERS: Record<string, Record<string, string | string[]>> = {
  'zhang.wei': { displayName: '张伟', townCode: '320412120000', memberOf: ['湟里镇便民服务中心', '窗口人员'] },
  'li.na': { displayName: '李娜', townCode: '320412120000', memberOf: ['镇领导'] },
  'wang.fang': { displayName: '王芳 & <同事>', townCode: '320412120000', memberOf: ['窗口人员'] },
  'no.roles': { displayName: '无角色', townCode: '320412120000', memberOf: ['食堂'] },
  'no.town': { displayName: '无镇', memberOf: ['窗口人员'] },
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A CAS 3.0 server: tickets single-use, bound to the service they were issued for, expiring after 10 s. */
async function startCasServer () {
  const state = { loginAs: 'zhang.wei', validations: 0 }
  const tickets = new Map<string, { user: string, service: string, expires: number }>()
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://cas')
    const service = url.searchParams.get('service')
    if (url.pathname === '/cas/login') {
      // Already authenticated (single sign-on session): issue a ticket and send the browser back.
      if (!service) { res.writeHead(200, { 'content-type': 'text/html' }).end('<form>login</form>'); return }
      const ticket = `ST-${tickets.size + 1}-${randomBytes(15).toString('base64url')}-cas01`
      tickets.set(ticket, { user: state.loginAs, service, expires: Date.now() + 10_000 })
      const back = new URL(service)
      back.searchParams.set('ticket', ticket)
      res.writeHead(302, { location: back.href }).end()
      return
    }
    if (url.pathname === '/cas/p3/serviceValidate') {
      state.validations++
      const ticket = url.searchParams.get('ticket')
      const xml = (body: string): void => { res.writeHead(200, { 'content-type': 'application/xml;charset=UTF-8' }).end(`<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">\n${body}\n</cas:serviceResponse>`) }
      const failure = (code: string, text: string): void => xml(`  <cas:authenticationFailure code="${code}">\n    ${esc(text)}\n  </cas:authenticationFailure>`)
      if (!ticket || !service) { failure('INVALID_REQUEST', 'serviceValidate requires service and ticket'); return }
      const issued = tickets.get(ticket)
      // Whatever the outcome, a ticket is good for one validation attempt (spec 3.1.1).
      tickets.delete(ticket)
      if (!issued || issued.expires < Date.now()) { failure('INVALID_TICKET', `Ticket ${ticket} not recognized`); return }
      if (issued.service !== service) { failure('INVALID_SERVICE', `Ticket ${ticket} does not match supplied service. The original service was ${issued.service} and the supplied service was ${service}.`); return }
      const attributes = Object.entries(USERS[issued.user] ?? {}).flatMap(([name, v]) => (Array.isArray(v) ? v : [v]).map((one) => `      <cas:${name}>${esc(one)}</cas:${name}>`))
      xml(`  <cas:authenticationSuccess>
    <cas:user>${esc(issued.user)}</cas:user>
    <cas:attributes>
      <cas:authenticationDate>2024-05-01T08:00:00.000+08:00</cas:authenticationDate>
      <cas:longTermAuthenticationRequestTokenUsed>false</cas:longTermAuthenticationRequestTokenUsed>
      <cas:isFromNewLogin>true</cas:isFromNewLogin>
${attributes.join('\n')}
    </cas:attributes>
  </cas:authenticationSuccess>`)
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/cas`,
    state,
    close: async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)) },
  }
}

async function freePort (): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as AddressInfo
  await new Promise((resolve) => s.close(resolve))
  return port
}

t.test('parsing serviceValidate answers', async (t) => {
  t.same(parseServiceResponse(`<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
    <cas:authenticationSuccess>
      <cas:user>username</cas:user>
      <cas:attributes>
        <cas:firstname>John</cas:firstname>
        <cas:affiliation>staff</cas:affiliation>
        <cas:affiliation>faculty</cas:affiliation>
        <cas:town>032041212000</cas:town>
      </cas:attributes>
      <cas:proxyGrantingTicket>PGTIOU-84678-8a9d...</cas:proxyGrantingTicket>
    </cas:authenticationSuccess>
  </cas:serviceResponse>`), { ok: true, user: 'username', attributes: { firstname: ['John'], affiliation: ['staff', 'faculty'], town: ['032041212000'] } }, 'the spec example; numbers stay text')
  t.same(parseServiceResponse(`<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>
    <cas:authenticationFailure code="INVALID_TICKET">
        Ticket ST-1856339-aA5Yuvrxzpv8Tau1cYQ7 not recognized
    </cas:authenticationFailure>
  </cas:serviceResponse>`), { ok: false, code: 'INVALID_TICKET', message: 'Ticket ST-1856339-aA5Yuvrxzpv8Tau1cYQ7 not recognized' })
  t.same(parseServiceResponse('<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>u1</cas:user></cas:authenticationSuccess></cas:serviceResponse>'),
    { ok: true, user: 'u1', attributes: {} }, 'attributes are optional')
  t.throws(() => parseServiceResponse('<html><body>Service unavailable</body></html>'), /not a <cas:serviceResponse>/)
  t.throws(() => parseServiceResponse('<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess/></cas:serviceResponse>'), /neither|no <cas:user>/)
})

t.test('CAS 3.0 sign-in', async (t) => {
  const cas = await startCasServer()
  t.teardown(cas.close)
  const port = await freePort()
  const gatewayUrl = `http://127.0.0.1:${port}`
  const serviceUrl = `${gatewayUrl}/auth/cas/callback`
  const { gateway } = await startTestGateway(t, {
    store: 'pglite',
    redisIndex: REDIS_INDEX,
    port,
    federation: {
      cas: {
        serverUrl: cas.url,
        serviceUrl,
        label: '江苏政务服务统一身份认证',
        attributes: {
          name: 'displayName',
          town: { claim: 'townCode' },
          roles: { claim: 'memberOf', map: { 窗口人员: 'window-staff', 镇领导: ['town-leader', 'window-staff'] } },
        },
        provisioning: 'create',
      },
    },
  })
  const { db } = gateway.platform

  /** Through /auth/cas/login to the CAS server and back: the callback URL with its ticket. */
  const ticketFor = async (user: string): Promise<string> => {
    cas.state.loginAs = user
    const start = await fetch(`${gatewayUrl}/auth/cas/login`, { redirect: 'manual' })
    const login = start.headers.get('location')
    if (start.status !== 302 || login !== `${cas.url}/login?service=${encodeURIComponent(serviceUrl)}`) throw new Error(`/auth/cas/login answered ${start.status} to ${login}`)
    const back = await fetch(login, { redirect: 'manual' })
    return back.headers.get('location')!
  }
  const sessionOf = (res: Response): string | undefined => /tb_session=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))?.[1]
  const me = async (session: string | undefined) => {
    const res = await fetch(`${gatewayUrl}/auth/me`, { headers: session ? { cookie: `tb_session=${session}` } : {} })
    return { status: res.status, body: await res.json() as Record<string, unknown> }
  }

  t.test('the sign-in page learns of the platform', async (t) => {
    const res = await fetch(`${gatewayUrl}/auth/federation`)
    t.same(await res.json(), { providers: [{ protocol: 'cas', label: '江苏政务服务统一身份认证', href: '/auth/cas/login' }] })
  })

  t.test('success: the ticket is validated, the account provisioned from the attributes, a session started', async (t) => {
    const callback = await ticketFor('zhang.wei')
    t.match(callback, new RegExp(`^${serviceUrl}\\?ticket=ST-`))
    const res = await fetch(callback, { redirect: 'manual' })
    t.equal(res.status, 303, await res.clone().text())
    t.equal(res.headers.get('location'), '/')
    const session = sessionOf(res)
    t.ok(session)
    const who = await me(session)
    t.equal(who.status, 200)
    t.match(who.body, { username: 'zhang.wei', name: '张伟', town: '320412120000', roles: ['window-staff'] })
    const { rows } = await db.query<{ external_issuer: string, external_subject: string }>('SELECT external_issuer, external_subject FROM staff WHERE username = $1', ['zhang.wei'])
    t.same(rows[0], { external_issuer: cas.url, external_subject: 'zhang.wei' })

    // Signing in again reuses the account; escaped XML text arrives as written.
    const again = await fetch(await ticketFor('zhang.wei'), { redirect: 'manual' })
    t.equal(again.status, 303)
    const { rows: count } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staff WHERE external_subject = $1', ['zhang.wei'])
    t.equal(count[0]!.n, 1)
    const wang = await fetch(await ticketFor('wang.fang'), { redirect: 'manual' })
    t.equal(wang.status, 303)
    t.match((await me(sessionOf(wang))).body, { name: '王芳 & <同事>' })
    const li = await fetch(await ticketFor('li.na'), { redirect: 'manual' })
    t.match((await me(sessionOf(li))).body, { username: 'li.na', roles: ['window-staff', 'town-leader'] })
  })

  t.test('back to where the sign-in was asked for, never to another site', async (t) => {
    cas.state.loginAs = 'zhang.wei'
    const start = await fetch(`${gatewayUrl}/auth/cas/login?next=${encodeURIComponent('/cas/login?service=https://app.example/')}`, { redirect: 'manual' })
    const nextCookie = /tb_cas_next=([^;]+)/.exec(start.headers.getSetCookie().join('\n'))![1]!
    const back = (await fetch(start.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!
    const res = await fetch(back, { redirect: 'manual', headers: { cookie: `tb_cas_next=${nextCookie}` } })
    t.equal(res.status, 303)
    t.equal(res.headers.get('location'), '/cas/login?service=https://app.example/')
    const forged = await fetch(await ticketFor('zhang.wei'), { redirect: 'manual', headers: { cookie: 'tb_cas_next=//evil.example/' } })
    t.equal(forged.headers.get('location'), '/', 'checked again at the callback')
  })

  t.test('a ticket used once is refused the second time', async (t) => {
    const callback = await ticketFor('zhang.wei')
    t.equal((await fetch(callback, { redirect: 'manual' })).status, 303)
    const res = await fetch(callback, { redirect: 'manual' })
    t.equal(res.status, 401)
    const body = await res.json() as { code: string, message: string }
    t.match(body, { code: 'TB_FEDERATION_FAILED', message: /refused the ticket \(INVALID_TICKET\)/ })
    t.notMatch(body.message, /ST-/, 'the ticket is not repeated back')
    t.notOk(sessionOf(res))
  })

  t.test('a ticket issued for another service is refused', async (t) => {
    cas.state.loginAs = 'zhang.wei'
    const other = await fetch(`${cas.url}/login?service=${encodeURIComponent('https://other-app.example.gov.cn/cas/callback')}`, { redirect: 'manual' })
    const ticket = new URL(other.headers.get('location')!).searchParams.get('ticket')!
    const res = await fetch(`${serviceUrl}?ticket=${encodeURIComponent(ticket)}`, { redirect: 'manual' })
    t.equal(res.status, 401)
    t.match(await res.json(), { code: 'TB_FEDERATION_FAILED', message: /\(INVALID_SERVICE\)/ })
  })

  t.test('no ticket, or something that is no service ticket, never reaches the CAS server', async (t) => {
    const before = cas.state.validations
    for (const q of ['', '?ticket=', '?ticket=PGT-123', '?ticket=ST-%20x']) {
      const res = await fetch(`${serviceUrl}${q}`, { redirect: 'manual' })
      t.equal(res.status, 401, q)
      t.match(await res.json(), { code: 'TB_FEDERATION_FAILED' })
    }
    t.equal(cas.state.validations, before)
  })

  t.test('attributes that do not map are refused with the reason', async (t) => {
    let res = await fetch(await ticketFor('no.roles'), { redirect: 'manual' })
    t.equal(res.status, 401)
    t.match(await res.json(), { code: 'TB_FEDERATION_FAILED', message: /none of the values of attribute memberOf \(食堂\) maps to a tongban role/ })
    res = await fetch(await ticketFor('no.town'), { redirect: 'manual' })
    t.match(await res.json(), { code: 'TB_FEDERATION_FAILED', message: /attribute townCode \(the town\) is missing/ })
    t.notOk(await findStaff(db, 'no.roles'))
  })

  t.test('a disabled account is refused', async (t) => {
    await setStaffStatus(db, 'li.na', 'disabled')
    const res = await fetch(await ticketFor('li.na'), { redirect: 'manual' })
    t.equal(res.status, 403)
    t.match(await res.json(), { code: 'TB_ACCOUNT_DISABLED' })
    t.notOk(sessionOf(res))
  })

  t.test('sign-ins and failures are in the audit log', async (t) => {
    await gateway.platform.audit.flush()
    const { rows } = await db.query<{ actor: string, action: string, outcome: string, details: Record<string, string> }>(
      'SELECT actor, action, outcome, details FROM audit_log WHERE action LIKE $1 ORDER BY id', ['auth.login%'])
    t.match(rows.find((r) => r.actor === 'zhang.wei' && r.action === 'auth.login'), { outcome: 'ok', details: { method: 'cas', issuer: cas.url } })
    t.match(rows.find((r) => /INVALID_SERVICE/.test(r.details.message ?? '')), { action: 'auth.login-failed', outcome: 'denied', details: { method: 'cas' } })
    t.match(rows.find((r) => r.actor === 'li.na' && r.action === 'auth.login-failed'), { details: { reason: 'TB_ACCOUNT_DISABLED' } })
    t.match(rows.find((r) => r.details.upstreamSubject === 'no.roles'), { actor: '(unknown)', action: 'auth.login-failed', details: { message: /maps to/ } })
  })
})

t.test('a CAS server that answers something else than CAS is TB_FEDERATION_UNAVAILABLE', async (t) => {
  const broken = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>维护中</body></html>') })
  await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => broken.close(resolve)))
  const port = await freePort()
  const { gateway } = await startTestGateway(t, {
    store: 'pglite',
    redisIndex: REDIS_INDEX,
    port,
    federation: { cas: { serverUrl: `http://127.0.0.1:${(broken.address() as AddressInfo).port}/cas`, serviceUrl: `http://127.0.0.1:${port}/auth/cas/callback` } },
  })
  const res = await fetch(`${gateway.url}/auth/cas/callback?ticket=ST-1-abc`, { redirect: 'manual' })
  t.equal(res.status, 502)
  t.match(await res.json(), { code: 'TB_FEDERATION_UNAVAILABLE', message: /not a <cas:serviceResponse>/ })
})
