// tongban as a CAS 3.0 server for department apps that only have a CAS client
// (https://apereo.github.io/cas/development/protocol/CAS-Protocol-Specification.html).
// Service tickets: `ST-` and 64 hex digits, stored in Redis by their SHA-256 only, bound to the
// exact service URL they were issued for, valid for `ticketSeconds`, and good for one validation
// attempt whatever its outcome (GETDEL), as §3.1.1 requires.
// Single logout (§2.3.3 and Appendix C): when the tongban session that a ticket came from ends,
// the service URL receives a POST with a SAML LogoutRequest whose SessionIndex is the ticket.
import { createHash, randomBytes } from 'node:crypto'
import type { Redis } from '../../redis/connect.ts'
import type { Queryable } from '../../store/db.ts'
import { staffById, type Staff } from '../staff.ts'
import type { CasService } from './config.ts'

export const CAS_NS = 'http://www.yale.edu/tp/cas'

const ticketKey = (ticket: string): string => `tb:cas:st:${createHash('sha256').update(ticket).digest('base64url')}`

/** The registered service a `service` URL belongs to: same origin, and at or below the registered path. */
export function matchService<S extends Pick<CasService, 'url'>> (services: readonly S[], service: string): S | undefined {
  let url: URL
  try {
    url = new URL(service)
  } catch {
    return undefined
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return undefined
  return services.find((s) => {
    const registered = new URL(s.url)
    if (registered.origin !== url.origin) return false
    const base = registered.pathname.endsWith('/') ? registered.pathname : `${registered.pathname}/`
    return url.pathname === registered.pathname || url.pathname.startsWith(base)
  })
}

/** The service URL with `ticket` appended to its query (before any fragment). */
export function withTicket (service: string, ticket: string): string {
  const hash = service.indexOf('#')
  const [base, fragment] = hash === -1 ? [service, ''] : [service.slice(0, hash), service.slice(hash)]
  return `${base}${base.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}${fragment}`
}

interface StoredTicket {
  service: string
  staffId: number
  /** When the tongban session began (epoch ms). */
  signedInAt: number
  /** The ticket came from a sign-in made for this request (renew). */
  fromNewLogin: boolean
  expiresAt: number
}

export type CasFailureCode = 'INVALID_REQUEST' | 'INVALID_TICKET_SPEC' | 'INVALID_TICKET' | 'INVALID_SERVICE' | 'INTERNAL_ERROR'

export type Validation =
  | { ok: true, staff: Staff, signedInAt: number, fromNewLogin: boolean }
  | { ok: false, code: CasFailureCode, description: string }

export class ServiceTickets {
  constructor (private readonly redis: Redis, private readonly db: Queryable, private readonly ttlMs: number) {}

  async issue (opts: { service: string, staffId: number, signedInAt: number, fromNewLogin: boolean }): Promise<string> {
    const ticket = `ST-${randomBytes(32).toString('hex')}`
    const stored: StoredTicket = { ...opts, expiresAt: Date.now() + this.ttlMs }
    await this.redis.set(ticketKey(ticket), JSON.stringify(stored), 'PX', this.ttlMs)
    return ticket
  }

  /** One attempt per ticket: it is gone after this call, valid or not. */
  async validate (opts: { service: string | undefined, ticket: string | undefined, renew: boolean, services: readonly CasService[] }): Promise<Validation> {
    const { service, ticket } = opts
    if (!service || !ticket) return { ok: false, code: 'INVALID_REQUEST', description: 'both service and ticket are required' }
    // Shown in the answer: never more of the ticket than its start.
    const shown = ticket.length > 12 ? `${ticket.slice(0, 12)}…` : ticket
    if (!ticket.startsWith('ST-') || ticket.length > 256) return { ok: false, code: 'INVALID_TICKET', description: `ticket ${shown} not recognized` }
    const raw = await this.redis.getdel(ticketKey(ticket))
    const stored = raw === null ? undefined : JSON.parse(raw) as StoredTicket
    if (!stored || stored.expiresAt <= Date.now()) return { ok: false, code: 'INVALID_TICKET', description: `ticket ${shown} not recognized (unknown, used or expired)` }
    if (stored.service !== service || !matchService(opts.services, service)) {
      return { ok: false, code: 'INVALID_SERVICE', description: `ticket ${shown} was not issued for the service ${service}; it is now invalid` }
    }
    if (opts.renew && !stored.fromNewLogin) return { ok: false, code: 'INVALID_TICKET', description: `ticket ${shown} did not come from a new sign-in, and renew was asked for` }
    const staff = await staffById(this.db, stored.staffId)
    if (!staff || staff.status !== 'active') return { ok: false, code: 'INVALID_TICKET', description: `ticket ${shown} belongs to an account that is no longer active` }
    return { ok: true, staff, signedInAt: stored.signedInAt, fromNewLogin: stored.fromNewLogin }
  }
}

const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)

/** The attributes released to every CAS service: the same facts as the OIDC `profile` scope. */
export function casAttributes (v: Extract<Validation, { ok: true }>): Record<string, string | string[]> {
  return {
    authenticationDate: new Date(v.signedInAt).toISOString(),
    isFromNewLogin: String(v.fromNewLogin),
    longTermAuthenticationRequestTokenUsed: 'false',
    staffId: String(v.staff.id),
    username: v.staff.username,
    name: v.staff.name,
    town: v.staff.town,
    roles: [...v.staff.roles],
  }
}

export function casXml (v: Validation): string {
  const open = `<cas:serviceResponse xmlns:cas="${CAS_NS}">`
  if (!v.ok) return `${open}\n  <cas:authenticationFailure code="${v.code}">${escapeXml(v.description)}</cas:authenticationFailure>\n</cas:serviceResponse>\n`
  const attributes = Object.entries(casAttributes(v)).flatMap(([k, value]) =>
    (Array.isArray(value) ? value : [value]).map((x) => `      <cas:${k}>${escapeXml(x)}</cas:${k}>`))
  return [
    open,
    '  <cas:authenticationSuccess>',
    `    <cas:user>${escapeXml(v.staff.username)}</cas:user>`,
    '    <cas:attributes>',
    ...attributes,
    '    </cas:attributes>',
    '  </cas:authenticationSuccess>',
    '</cas:serviceResponse>',
    '',
  ].join('\n')
}

export function casJson (v: Validation): unknown {
  if (!v.ok) return { serviceResponse: { authenticationFailure: { code: v.code, description: v.description } } }
  return { serviceResponse: { authenticationSuccess: { user: v.staff.username, attributes: casAttributes(v) } } }
}

/** What single logout needs of an issued ticket; kept with the tongban session (sessions.noteApp). */
export interface IssuedTicket { service: string, ticket: string, username: string }

/** The SAML 2.0 LogoutRequest a CAS server POSTs (as `logoutRequest`) to a service on single logout. */
export function logoutRequest (issued: IssuedTicket, now = new Date()): string {
  return `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-${randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${now.toISOString()}">` +
    `<saml:NameID>${escapeXml(issued.username)}</saml:NameID><samlp:SessionIndex>${escapeXml(issued.ticket)}</samlp:SessionIndex></samlp:LogoutRequest>`
}

/** POSTs the LogoutRequest to the service URL; throws when the app does not answer 2xx in time. */
export async function sendLogoutRequest (issued: IssuedTicket, timeoutMs: number): Promise<void> {
  const res = await fetch(issued.service, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logoutRequest: logoutRequest(issued) }),
    signal: AbortSignal.timeout(timeoutMs),
  })
  await res.arrayBuffer()
  if (res.status < 200 || res.status >= 300) throw new Error(`answered ${res.status}`)
}
