// The department HTTP client as an adapter sees it: requests it may make and answers it reads.
// The platform implements it (src/department/client.ts) with auth, host lock and timeouts applied.
import type { Charset } from './codec.ts'

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
