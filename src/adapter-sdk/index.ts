// The adapter contract. An adapter is a description of one department system — its identity,
// field map and code tables — plus a few small pure functions (parse a webhook body, fetch a
// page). It never touches the store, the queues, the HTTP server or secrets: the platform hands
// it a department HTTP client with auth, timeouts and the allowed host already applied.
import type { z } from 'zod'
import type { EntityKind } from '../model/index.ts'
import type { Normalizer } from '../normalize/result.ts'
import type { SimulatorDeclaration } from './simulator.ts'
import type { RawRecord } from '../model/intake.ts'
import type { AuthDeclaration } from './auth.ts'
import type { Charset } from '../department/codec.ts'

export * from './errors.ts'
export * from './simulator.ts'
export * from './auth.ts'
export { Duration } from './duration.ts'
export type { Normalizer, Normalized } from '../normalize/result.ts'
export type { RawRecord }
export { Charset, charsetOf, contentTypeCharset, decodeBytes, encodeText } from '../department/codec.ts'
export { SoapService, defineSoapService, buildEnvelope, readSoapAnswer, callSoap, type SoapParams, type SoapValue } from '../department/transport/soap.ts'

/**
 * department field -> [canonical field, normaliser]. The canonical field may be a dotted path
 * into a nested object (`legalRepresentative.idNumber`). Empty values ('', 'null', blanks) mean
 * "no value" and are skipped; a value the normaliser rejects sends the record to quarantine.
 */
export type FieldRule = readonly [target: string, normalize: Normalizer]
export type FieldMap = Readonly<Record<string, FieldRule>>

export interface WebhookReceive {
  /** Signature scheme the platform verifies before the adapter sees anything. */
  signature: 'standard-webhooks'
  /** Largest body the department sends; bigger bodies are answered 413. */
  maxBodyBytes: number
  /** Split a verified body into raw records. Pure; throw TongbanError('TB_WEBHOOK_BODY_INVALID') if unreadable. */
  parse: (body: Buffer, meta: { webhookId: string, receivedAt: Date }) => RawRecord[]
}

export interface DepartmentRequest {
  method?: 'GET' | 'POST'
  path: string
  query?: Record<string, string | number>
  form?: Record<string, string>
  json?: unknown
  headers?: Record<string, string>
  /** Request values the department's signature covers (`signed-params`: `params` in its canonical string). */
  signed?: Record<string, string>
  /** An XML exchange (SOAP 1.1): the body already encoded in `charset`, which the answer is read in too unless its Content-Type names another. */
  xml?: { body: Uint8Array, charset: Charset, soapAction?: string }
}

export interface DepartmentResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The answer's text, decoded strictly in `charset` (a leading byte order mark dropped). */
  body: string
  /** The answer's bytes as received, for formats that name their encoding inside. */
  bytes?: Uint8Array
  /** The charset the answer's Content-Type names, else the one the request expects. */
  charset?: Charset
}

/**
 * An HTTP client bound to one department system. Requests are confined to its base URL's host,
 * carry its auth and time out. 5xx answers, HTML error pages and timeouts throw
 * DepartmentUnavailableError; other answers are returned for the adapter to read.
 */
export interface DepartmentHttp {
  readonly baseUrl: string
  request: (req: DepartmentRequest) => Promise<DepartmentResponse>
  /** GET (or POST) and parse a JSON answer; a non-JSON answer throws DepartmentUnavailableError. */
  json: <T = unknown>(req: DepartmentRequest) => Promise<T>
  /**
   * The values a `signed-params` department wants (e.g. `{ appId, timestamp, sign }`), signed over
   * `values`, for an adapter that writes them into its own body; the secret stays with the platform.
   * The platform's client always has it; hand-made test clients may leave it out.
   */
  sign?: (values?: Record<string, string>) => Promise<Record<string, string>>
}

export interface PullPage<C> {
  records: RawRecord[]
  /** Where the next page starts; persisted by the platform once this page is stored. */
  cursor: C
  /** True when the stream has caught up; the next scheduled run starts from `cursor`. */
  done: boolean
}

export interface PullStream<C = unknown> {
  /** Validates the persisted cursor (it survives restarts and upgrades). */
  cursor: z.ZodType<C>
  initialCursor: () => C
  /** Default schedule between runs, in milliseconds; instances may override it. */
  everyMs: number
  pageSize: number
  fetchPage: (ctx: { http: DepartmentHttp, cursor: C, pageSize: number, signal: AbortSignal }) => Promise<PullPage<C>>
}

export interface AdapterDefinition {
  id: string
  department: { name: string, level: 'national' | 'provincial' | 'city' | 'county' }
  produces: EntityKind
  /** How the platform authenticates outgoing calls with the instance's credentials. */
  auth?: AuthDeclaration
  receive?: WebhookReceive
  pull?: Readonly<Record<string, PullStream<any>>>
  fields: FieldMap
  /**
   * What an instance's configuration must hold for this adapter, checked after the platform's own
   * options (`adapters[i]` in the configuration): the keys it cannot run without, with a message
   * saying what to give.
   */
  instance: z.ZodType
  /** The simulated department the demo can start in its place. */
  simulator?: SimulatorDeclaration
}

/** Identity function that keeps an adapter's literal types and checks it against the contract. */
export function defineAdapter<const A extends AdapterDefinition> (adapter: A): A {
  for (const [field, rule] of Object.entries(adapter.fields)) {
    if (!Array.isArray(rule) || typeof rule[0] !== 'string' || typeof rule[1] !== 'function') {
      throw new TypeError(`adapter ${adapter.id}: field ${field} must map to [canonicalField, normaliser]`)
    }
  }
  if (!adapter.receive && !adapter.pull) throw new TypeError(`adapter ${adapter.id} neither receives webhooks nor pulls`)
  return adapter
}
