// The vocabulary of a simulator's route table: what a handler gets, what it answers, and the
// answers every department's gateway gives. Kept apart from the server so that route modules (the
// token endpoint, a department's routes) and the server depend on it, not on each other.
import type { IncomingHttpHeaders } from 'node:http'

/** Answer with this status and `{error: message}`. A RangeError from a handler answers 400 the same way. */
export class SimHttpError extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}

export interface SimRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  /** Values of the route's `:name` segments. */
  params: Record<string, string>
  body: Buffer
  /** A department one-shot fault queued for this call (routes with `faults: 'all'`). */
  fault: string | undefined
  text: () => string
  /** The body as a JSON object ({} when empty); 400 when it is not one. */
  json: () => Record<string, unknown>
  /** The body as an application/x-www-form-urlencoded form. */
  form: () => URLSearchParams
}

export interface SimAnswer {
  status?: number
  /** Sent as is (a string as UTF-8): for XML in GBK, HTML pages, plain text. */
  body?: string | Buffer
  /** Sent as JSON (UTF-8) when `body` is not given. */
  json?: unknown
  /** Content type; default application/json; charset=utf-8 for `json`, text/plain; charset=utf-8 for `body`. */
  type?: string
  headers?: Record<string, string>
  /** Counted under this name in `calls(route).outcomes`. */
  outcome?: string
}

export type SimHandler = (req: SimRequest) => SimAnswer | Promise<SimAnswer>

export interface SimRoute {
  handler: SimHandler
  /** `all`: a department API route, every fault applies; `outage`: only down and hang (a token endpoint). Default: none (control routes). */
  faults?: 'all' | 'outage'
}

/** Keys are `METHOD /path`, where a `:name` segment matches one path segment. */
export type SimRoutes = Record<string, SimHandler | SimRoute>

export const jsonAnswer = (value: unknown, status = 200, outcome?: string): SimAnswer =>
  ({ status, json: value, ...(outcome === undefined ? {} : { outcome }) })

/** The page nginx answers when the department behind it fails. */
export const nginxPage = (status: number, title: string): string =>
  `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`

/** A control route's integer option: absent, or an integer from `min` to `max` (else a 400 saying so). */
export function intOption (value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SimHttpError(400, `${name} must be an integer from ${min} to ${max}`)
  }
  return value
}
