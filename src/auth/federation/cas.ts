// tongban as a CAS 3.0 service of the province's identity platform: the browser is sent to the
// server's /login with our service URL, comes back with a single-use service ticket, and the ticket
// is validated server to server at /p3/serviceValidate, whose XML answer names the user and
// carries the attributes (CAS Protocol 3.0, sections 2.1, 2.5 and 2.6).
import { XMLParser } from 'fast-xml-parser'
import { TongbanError } from '../../errors.ts'
import type { CasFederationConfig } from './config.ts'
import { claimStrings } from './mapping.ts'

export type CasServiceResponse =
  | { ok: true, user: string, attributes: Record<string, string[]> }
  | { ok: false, code: string, message: string }

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Values stay text: a division code or an account number keeps its leading zeros and digits.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
})

const textOf = (node: unknown): string => {
  if (typeof node === 'string') return node
  if (node && typeof node === 'object' && typeof (node as Record<string, unknown>)['#text'] === 'string') return (node as Record<string, string>)['#text']!
  return ''
}

/** Reads a /p3/serviceValidate answer; throws when it is not a CAS service response at all. */
export function parseServiceResponse (xml: string): CasServiceResponse {
  let doc: Record<string, unknown>
  try {
    doc = parser.parse(xml) as Record<string, unknown>
  } catch (err) {
    throw new Error(`the answer is not XML: ${(err as Error).message}`)
  }
  const response = doc.serviceResponse as Record<string, unknown> | undefined
  if (!response || typeof response !== 'object') throw new Error('the answer is not a <cas:serviceResponse>')
  const failure = response.authenticationFailure
  if (failure !== undefined) {
    const code = failure && typeof failure === 'object' ? String((failure as Record<string, unknown>)['@code'] ?? 'UNKNOWN') : 'UNKNOWN'
    return { ok: false, code, message: textOf(failure) }
  }
  const success = response.authenticationSuccess as Record<string, unknown> | undefined
  if (!success || typeof success !== 'object') throw new Error('the answer holds neither <cas:authenticationSuccess> nor <cas:authenticationFailure>')
  const user = textOf(success.user).trim()
  if (user === '') throw new Error('<cas:authenticationSuccess> names no <cas:user>')
  const attributes: Record<string, string[]> = {}
  const raw = success.attributes
  if (raw && typeof raw === 'object') {
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      if (name.startsWith('@')) continue
      // A repeated element is a multi-valued attribute (the parser makes it an array).
      attributes[name] = (Array.isArray(value) ? value : [value]).flatMap((v) => claimStrings(textOf(v)))
    }
  }
  return { ok: true, user, attributes }
}

const failed = (reason: string): TongbanError => new TongbanError('TB_FEDERATION_FAILED', [reason])

// Service tickets begin with ST- (3.0 spec 3.1.1); 256 characters is the recommended maximum.
const SERVICE_TICKET = /^ST-[\x21-\x7e]{1,253}$/

export class CasClient {
  readonly serverUrl: string

  constructor (readonly config: CasFederationConfig, private readonly timeoutSeconds = 10) {
    this.serverUrl = config.serverUrl.replace(/\/+$/, '')
  }

  /** The issuer of CAS identities in the staff table: the server's base URL. */
  get issuer (): string { return this.serverUrl }

  loginUrl (): string {
    return `${this.serverUrl}/login?service=${encodeURIComponent(this.config.serviceUrl)}`
  }

  /** Validates a service ticket for our service URL; the user and attributes when the server accepts it. */
  async validate (ticket: string | undefined): Promise<{ issuer: string, subject: string, attributes: Record<string, string[]> }> {
    if (ticket === undefined || ticket === '') throw failed('the CAS server sent no ticket')
    if (!SERVICE_TICKET.test(ticket)) throw failed('the ticket is not a CAS service ticket (ST-…)')
    const url = `${this.serverUrl}/p3/serviceValidate?service=${encodeURIComponent(this.config.serviceUrl)}&ticket=${encodeURIComponent(ticket)}`
    let body: string
    try {
      const res = await fetch(url, { headers: { accept: 'application/xml, text/xml' }, redirect: 'error', signal: AbortSignal.timeout(this.timeoutSeconds * 1000) })
      body = await res.text()
      if (!res.ok) throw new Error(`serviceValidate answered HTTP ${res.status}`)
    } catch (err) {
      const e = err as Error & { cause?: { code?: string, message?: string } }
      throw new TongbanError('TB_FEDERATION_UNAVAILABLE', [this.serverUrl, e.cause ? `${e.message} (${e.cause.code ?? e.cause.message})` : e.message], { cause: err })
    }
    let answer: CasServiceResponse
    try {
      answer = parseServiceResponse(body)
    } catch (err) {
      throw new TongbanError('TB_FEDERATION_UNAVAILABLE', [this.serverUrl, (err as Error).message], { cause: err })
    }
    // The failure text usually repeats the ticket; the code says enough (INVALID_TICKET, INVALID_SERVICE, …).
    if (!answer.ok) throw failed(`the CAS server refused the ticket (${answer.code}): it is invalid, expired, already used or issued for another service`)
    return { issuer: this.serverUrl, subject: answer.user, attributes: answer.attributes }
  }
}
