// SOAP 1.1 for adapters: a service declared as data (path, charset, namespaces, what its empty
// elements look like), a request envelope built from a plain object, and the answer's Body read
// back as plain objects of strings, with faults turned into SoapFaultError for the adapter to map.
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser'
import { z } from 'zod'
import type { DepartmentHttp, DepartmentResponse } from './http.ts'
import { DepartmentUnavailableError, SoapFaultError } from './errors.ts'
import { CHARSET_LABEL, Charset, encodeText } from './codec.ts'

export const SOAP_11_ENVELOPE = 'http://schemas.xmlsoap.org/soap/envelope/'

export const SoapService = z.object({
  /** Named in errors (the adapter's id). */
  department: z.string().min(1),
  path: z.string().startsWith('/'),
  charset: Charset.default('utf-8'),
  /** Prefix → namespace URI, declared on the Envelope; the operation element uses one of them. */
  namespaces: z.record(z.string(), z.string()).default({}),
  envelopePrefix: z.string().default('soap'),
  /** The SOAPAction header (quoted on the wire); many services want it empty. */
  action: z.string().default(''),
  /** Element texts that mean "no value" (`''` covers `<JSNY/>`, add `'null'` where the spec says so): such elements are left out. */
  empties: z.array(z.string()).default([]),
  /** Elements that are lists even when the answer holds one of them (`record`). */
  lists: z.array(z.string()).default([]),
})
export type SoapService = z.output<typeof SoapService>

/** Checks a service declaration once, where the adapter declares it. */
export const defineSoapService = (service: z.input<typeof SoapService>): SoapService => SoapService.parse(service)

/** A value in a request: text, a number, a nested element, or a list of repeated elements. */
export type SoapValue = string | number | boolean | SoapParams | readonly SoapValue[]
export interface SoapParams { readonly [element: string]: SoapValue }

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_' })

/** The request envelope as text, with the XML declaration naming the service's charset. */
export function buildEnvelope (service: SoapService, operation: string, params: SoapParams): string {
  const p = service.envelopePrefix
  const xmlns = Object.fromEntries([[p, SOAP_11_ENVELOPE], ...Object.entries(service.namespaces)].map(([prefix, uri]) => [`@_xmlns:${prefix}`, uri]))
  const envelope = { [`${p}:Envelope`]: { ...xmlns, [`${p}:Body`]: { [operation]: params } } }
  return `<?xml version="1.0" encoding="${CHARSET_LABEL[service.charset]}"?>\n${builder.build(envelope) as string}`
}

const parsers = new WeakMap<SoapService, XMLParser>()
function parserFor (service: SoapService): XMLParser {
  let parser = parsers.get(service)
  if (parser === undefined) {
    const lists = new Set(service.lists)
    // Prefixes vary between services (soap:, soapenv:, SOAP-ENV:); values stay text ('007' is not 7).
    parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, ignoreDeclaration: true, ignorePiTags: true, parseTagValue: false, isArray: (name) => lists.has(name) })
    parsers.set(service, parser)
  }
  return parser
}

type Node = string | Node[] | { [element: string]: Node }

function withoutEmpties (node: Node, empties: ReadonlySet<string>): Node | undefined {
  if (typeof node === 'string') return empties.has(node) ? undefined : node
  if (Array.isArray(node)) return node.map((n) => withoutEmpties(n, empties)).filter((n) => n !== undefined)
  const kept: Record<string, Node> = {}
  for (const [name, child] of Object.entries(node)) {
    const value = withoutEmpties(child, empties)
    if (value !== undefined) kept[name] = value
  }
  return kept
}

const asText = (node: unknown): string => (typeof node === 'string' ? node : node === undefined ? '' : JSON.stringify(node))

/**
 * The Body of a SOAP answer, elements keyed by local name (`{ queryJzxxByGxsjResponse: { result } }`).
 * A fault is SoapFaultError whatever the status; an answer that is no envelope, or a 5xx without a
 * fault, is DepartmentUnavailableError.
 */
export function readSoapAnswer (service: SoapService, res: Pick<DepartmentResponse, 'status' | 'body'>): Record<string, unknown> {
  const unavailable = (why: string): DepartmentUnavailableError => new DepartmentUnavailableError(service.department, `HTTP ${res.status} ${why}`)
  if (res.body.trim() === '' || XMLValidator.validate(res.body) !== true) throw unavailable('answer is not XML')
  let parsed: Node | undefined
  try {
    parsed = (parserFor(service).parse(res.body) as { Envelope?: { Body?: Node } }).Envelope?.Body
  } catch (err) {
    // Well-formed but refused by the parser, such as a DOCTYPE naming an external entity.
    throw unavailable(`answer cannot be read: ${(err as Error).message}`)
  }
  const body = parsed === '' ? {} : parsed
  if (body === undefined || typeof body !== 'object' || Array.isArray(body)) throw unavailable('answer is not a SOAP envelope')
  const fault = body.Fault
  if (fault !== undefined) {
    const f = typeof fault === 'object' && !Array.isArray(fault) ? fault : {}
    throw new SoapFaultError(service.department, asText(f.faultcode), asText(f.faultstring))
  }
  if (res.status >= 500) throw unavailable('answer carries no SOAP fault')
  return withoutEmpties(body, new Set(service.empties)) as Record<string, unknown>
}

/** Calls `operation` (prefixed with one of the service's namespaces) and answers its Body. */
export async function callSoap (http: DepartmentHttp, service: SoapService, operation: string, params: SoapParams): Promise<Record<string, unknown>> {
  const res = await http.request({
    method: 'POST',
    path: service.path,
    xml: { body: encodeText(buildEnvelope(service, operation, params), service.charset), charset: service.charset, soapAction: service.action },
  })
  return readSoapAnswer(service, res)
}
