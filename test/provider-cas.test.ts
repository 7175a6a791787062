// tongban as a CAS 3.0 server for department apps that only have a CAS client: /cas/login issues
// a service ticket to a signed-in staff member (or sends them to sign in and back), and
// /cas/p3/serviceValidate answers the CAS 3.0 XML with their attributes. Tickets are single-use,
// short-lived and bound to the exact service URL; only registered services get any.
import t from 'tap'
import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import { XMLParser } from 'fast-xml-parser'
import { startTestGateway } from './helpers.ts'
import { matchService, withTicket } from '../src/auth/provider/cas.ts'
import { SsoConfig } from '../src/auth/provider/config.ts'

type Json = Record<string, any>

const TOWN = '320412120000'
const PASSWORD = 'Window-Staff-2026'
const APP = 'https://mzxt.example.gov.cn/mz'
const SERVICE = `${APP}/cas/callback?lang=zh`
const TICKET_SECONDS = 2

t.test('service URLs match registered prefixes at a path boundary, same origin only', async (t) => {
  const services = [{ name: '民政', url: 'https://mzxt.example.gov.cn/mz' }, { name: '人社', url: 'http://10.1.2.3:8080/rs/' }]
  t.equal(matchService(services, 'https://mzxt.example.gov.cn/mz')?.name, '民政')
  t.equal(matchService(services, 'https://mzxt.example.gov.cn/mz/a/b?x=1')?.name, '民政')
  t.equal(matchService(services, 'http://10.1.2.3:8080/rs/login')?.name, '人社')
  for (const bad of [
    'https://mzxt.example.gov.cn/mzx', // a sibling path
    'https://mzxt.example.gov.cn.evil.cn/mz', // a look-alike host
    'http://mzxt.example.gov.cn/mz', // another scheme
    'https://mzxt.example.gov.cn:8443/mz', // another port
    'https://user:pw@mzxt.example.gov.cn/mz', // credentials in the URL
    'https://mzxt.example.gov.cn/mz/../admin', // out by dot segments
    'https://mzxt.example.gov.cn/mz/%2e%2e/admin',
    'http://10.1.2.3:8080/rs', // above a prefix ending in /
    'javascript:alert(1)',
    'not a url',
  ]) t.equal(matchService(services, bad), undefined, bad)
  t.equal(withTicket('https://a.cn/x?y=1#top', 'ST-1'), 'https://a.cn/x?y=1&ticket=ST-1#top')
  t.equal(withTicket('https://a.cn/x', 'ST-1'), 'https://a.cn/x?ticket=ST-1')
  t.notOk(SsoConfig.safeParse({ cas: { services: [{ name: 'a', url: APP }, { name: 'a', url: APP }] } }).success, 'service names are unique')
  t.notOk(SsoConfig.safeParse({ issuer: 'https://tongban.example.gov.cn/' }).success, 'the issuer path is /oidc')
  t.ok(SsoConfig.safeParse({ issuer: 'https://tongban.example.gov.cn/oidc' }).success)
})

t.test('tongban as CAS 3.0 server', async (t) => {
  const { gateway, bootstrapAuth, redisUrl } = await startTestGateway(t, {
    store: 'pglite',
    redisIndex: 1,
    sso: { cas: { services: [{ name: '民政业务系统', url: APP }], ticketSeconds: TICKET_SECONDS } },
  })
  const base = gateway.url
  const xml = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, isArray: (name) => name === 'roles' })

  const call = async (path: string, headers: Record<string, string> = {}, method = 'GET', body?: unknown): Promise<{ status: number, text: string, json: Json, location: string | null, res: Response }> => {
    const res = await fetch(`${base}${path}`, {
      method, redirect: 'manual',
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    let json: Json = {}
    try { json = JSON.parse(text) as Json } catch {}
    return { status: res.status, text, json, location: res.headers.get('location'), res }
  }
  const created = await call('/api/v1/staff', bootstrapAuth, 'POST', { username: 'zhaomin', name: '赵敏', town: TOWN, roles: ['window-staff', 'grid-staff'], password: PASSWORD })
  t.equal(created.status, 201)
  const signIn = async (username = 'zhaomin'): Promise<string> => {
    const r = await call('/auth/login', {}, 'POST', { username, password: PASSWORD })
    if (r.status !== 200) throw new Error(`sign-in: ${r.status} ${r.text}`)
    return r.res.headers.getSetCookie().find((c) => c.startsWith('tb_session='))!.split(';')[0]!
  }
  const cookie = await signIn()
  const login = async (service: string, cookieHeader = cookie, extra = ''): Promise<string> => {
    const r = await call(`/cas/login?service=${encodeURIComponent(service)}${extra}`, { cookie: cookieHeader })
    t.equal(r.status, 302, `ticket redirect for ${service}`)
    const to = new URL(r.location!)
    return to.searchParams.get('ticket')!
  }
  const validate = async (service: string, ticket: string, path = '/cas/p3/serviceValidate', extra = ''): Promise<Json> => {
    const r = await call(`${path}?service=${encodeURIComponent(service)}&ticket=${encodeURIComponent(ticket)}${extra}`)
    t.equal(r.status, 200)
    t.match(r.res.headers.get('content-type'), /xml/)
    return (xml.parse(r.text) as Json).serviceResponse
  }

  t.test('a signed-in staff member gets a ticket, and the app their attributes', async (t) => {
    const r = await call(`/cas/login?service=${encodeURIComponent(SERVICE)}`, { cookie })
    t.equal(r.status, 302)
    t.ok(r.location!.startsWith(`${SERVICE}&ticket=ST-`), 'back to the exact service URL with the ticket appended')
    const ticket = new URL(r.location!).searchParams.get('ticket')!
    t.match(ticket, /^ST-[0-9a-f]{64}$/)
    const answer = await validate(SERVICE, ticket)
    t.match(answer.authenticationSuccess, {
      user: 'zhaomin',
      attributes: { username: 'zhaomin', name: '赵敏', town: TOWN, roles: ['window-staff', 'grid-staff'], staffId: created.json.id, isFromNewLogin: true },
    })
    t.ok(answer.authenticationSuccess.attributes.authenticationDate)

    t.test('a ticket is good once', async (t) => {
      const again = await validate(SERVICE, ticket)
      t.equal(again.authenticationFailure['@_code'], 'INVALID_TICKET')
    })
  })

  t.test('the CAS 2.0 path, JSON format and CAS 1.0 answer too', async (t) => {
    const v2 = await validate(SERVICE, await login(SERVICE), '/cas/serviceValidate')
    t.match(v2.authenticationSuccess, { user: 'zhaomin', attributes: { town: TOWN } })
    const json = await call(`/cas/p3/serviceValidate?format=JSON&service=${encodeURIComponent(SERVICE)}&ticket=${await login(SERVICE)}`)
    t.match(json.json, { serviceResponse: { authenticationSuccess: { user: 'zhaomin', attributes: { roles: ['window-staff', 'grid-staff'] } } } })
    const v1 = await call(`/cas/validate?service=${encodeURIComponent(SERVICE)}&ticket=${await login(SERVICE)}`)
    t.equal(v1.text, 'yes\nzhaomin\n')
    t.equal((await call(`/cas/validate?service=${encodeURIComponent(SERVICE)}&ticket=ST-nope`)).text, 'no\n')
  })

  t.test('a ticket is bound to its service: another URL is refused, and the ticket is spent', async (t) => {
    const ticket = await login(SERVICE)
    const other = `${APP}/other`
    const wrong = await validate(other, ticket)
    t.equal(wrong.authenticationFailure['@_code'], 'INVALID_SERVICE')
    const right = await validate(SERVICE, ticket)
    t.equal(right.authenticationFailure['@_code'], 'INVALID_TICKET', 'one validation attempt per ticket, as the spec requires')
  })

  t.test('a ticket expires', async (t) => {
    const ticket = await login(SERVICE)
    await new Promise((resolve) => setTimeout(resolve, TICKET_SECONDS * 1000 + 300))
    const late = await validate(SERVICE, ticket)
    t.equal(late.authenticationFailure['@_code'], 'INVALID_TICKET')
  })

  t.test('bad requests and unknown tickets', async (t) => {
    const missing = await call(`/cas/p3/serviceValidate?service=${encodeURIComponent(SERVICE)}`)
    t.equal((xml.parse(missing.text) as Json).serviceResponse.authenticationFailure['@_code'], 'INVALID_REQUEST')
    t.equal((await validate(SERVICE, 'ST-0000')).authenticationFailure['@_code'], 'INVALID_TICKET')
    t.equal((await validate(SERVICE, 'PT-0000')).authenticationFailure['@_code'], 'INVALID_TICKET')
  })

  t.test('only registered services get tickets', async (t) => {
    for (const service of ['https://evil.example.com/steal', `${APP}x/cb`, 'https://mzxt.example.gov.cn.evil.cn/mz/cb']) {
      const r = await call(`/cas/login?service=${encodeURIComponent(service)}`, { cookie })
      t.equal(r.status, 403, service)
      t.equal(r.json.code, 'TB_CAS_SERVICE_NOT_REGISTERED')
      t.equal(r.location, null)
    }
  })

  t.test('without a session: to sign-in and back; gateway=true goes back without a ticket', async (t) => {
    const first = await call(`/cas/login?service=${encodeURIComponent(SERVICE)}`)
    t.equal(first.status, 303)
    const signInAt = new URL(first.location!, base)
    t.equal(signInAt.pathname, '/auth/login')
    const next = signInAt.searchParams.get('next')!
    t.equal(next, `/cas/login?service=${encodeURIComponent(SERVICE)}`)
    const fresh = await signIn()
    const back = await call(next, { cookie: fresh })
    t.equal(back.status, 302)
    const ticket = new URL(back.location!).searchParams.get('ticket')!
    t.equal((await validate(SERVICE, ticket)).authenticationSuccess.user, 'zhaomin')

    const gatewayed = await call(`/cas/login?gateway=true&service=${encodeURIComponent(SERVICE)}`)
    t.equal(gatewayed.location, SERVICE)
  })

  t.test('renew: only a sign-in made within the last minute counts', async (t) => {
    const ticket = await login(SERVICE)
    const ok = await validate(SERVICE, ticket, '/cas/p3/serviceValidate', '&renew=true')
    t.ok(ok.authenticationSuccess, 'a sign-in made just now counts as new')

    // Age the session by two minutes, as if the staff member had signed in earlier.
    const old = await signIn()
    const key = `tb:session:${createHash('sha256').update(old.slice('tb_session='.length)).digest('base64url')}`
    const redis = new Redis(redisUrl)
    t.teardown(() => { redis.disconnect() })
    const session = JSON.parse((await redis.get(key))!) as { createdAt: number }
    await redis.set(key, JSON.stringify({ ...session, createdAt: session.createdAt - 120_000 }), 'KEEPTTL')

    const plain = await login(SERVICE, old)
    const refused = await validate(SERVICE, plain, '/cas/p3/serviceValidate', '&renew=true')
    t.equal(refused.authenticationFailure['@_code'], 'INVALID_TICKET', 'renew validation needs a ticket from a new sign-in')
    const renew = await call(`/cas/login?renew=true&service=${encodeURIComponent(SERVICE)}`, { cookie: old })
    t.equal(renew.status, 303, 'renew at /login asks for a new sign-in despite the session')
    t.match(renew.location, /^\/auth\/login\?next=/)
  })

  t.test('disabled staff: an issued ticket no longer validates, and no new one is issued', async (t) => {
    await call('/api/v1/staff', bootstrapAuth, 'POST', { username: 'sunli', name: '孙丽', town: TOWN, roles: ['grid-staff'], password: PASSWORD })
    const theirs = await signIn('sunli')
    const ticket = await login(SERVICE, theirs)
    t.equal((await call('/api/v1/staff/sunli/disable', bootstrapAuth, 'POST')).status, 200)
    t.equal((await validate(SERVICE, ticket)).authenticationFailure['@_code'], 'INVALID_TICKET')
    const r = await call(`/cas/login?service=${encodeURIComponent(SERVICE)}`, { cookie: theirs })
    t.equal(r.status, 303)
    t.match(r.location, /^\/auth\/login\?next=/)
  })

  t.test('/cas/logout asks before signing out of tongban', async (t) => {
    const page = await call(`/cas/logout?service=${encodeURIComponent(SERVICE)}`, { cookie })
    t.equal(page.status, 200)
    t.match(page.text, /action="\/auth\/logout"/)
    t.equal((await call('/auth/me', { cookie })).status, 200, 'still signed in')
    const anonymous = await call(`/cas/logout?service=${encodeURIComponent(SERVICE)}`)
    t.equal(anonymous.location, SERVICE)
  })

  t.test('the CAS routes are in the OpenAPI document; the OpenID Provider is not served when no client is registered', async (t) => {
    const doc = await call('/docs/json')
    t.ok(doc.json.paths['/cas/p3/serviceValidate'] && doc.json.paths['/cas/login'])
    t.equal((await call('/oidc/.well-known/openid-configuration')).status, 404)
  })
})
