// Every error answer has one shape — {statusCode, code, error, message} — with a TB_ code from
// the catalogue; Fastify's own errors, and the HTTP parser's refusals before any route runs, are
// translated so clients see only catalogue codes.
import { STATUS_CODES, maxHeaderSize } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { TongbanError, isTongbanError, type ErrorCode } from '../errors.ts'

export const ErrorBody = z.object({
  statusCode: z.number().int(),
  code: z.string().describe('stable error code, documented in docs/errors.md'),
  error: z.string(),
  message: z.string(),
  /** Per-field problems (a form, a department's validation answer): which field, why, and the code of the check that failed. */
  errors: z.array(z.object({ field: z.string(), code: z.string().optional(), message: z.string() })).optional(),
}).meta({ id: 'Error' })

function fromFastify (err: FastifyError, req: FastifyRequest): TongbanError {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const first = err.validation[0]
    const where = first ? `${err.validationContext ?? 'request'}${first.instancePath.replace(/\//g, '.')}: ${first.message}` : err.message
    return new TongbanError('TB_VALIDATION', [where])
  }
  const known: Partial<Record<string, () => TongbanError>> = {
    FST_ERR_CTP_BODY_TOO_LARGE: () => new TongbanError('TB_BODY_TOO_LARGE', [req.routeOptions.bodyLimit ?? '?']),
    FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new TongbanError('TB_UNSUPPORTED_MEDIA_TYPE', [req.headers['content-type'] ?? '(none)', 'application/json']),
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new TongbanError('TB_VALIDATION', ['Content-Length does not match the body']),
    FST_ERR_CTP_EMPTY_JSON_BODY: () => new TongbanError('TB_VALIDATION', ['the JSON body is empty']),
    FST_ERR_CTP_INVALID_JSON_BODY: () => new TongbanError('TB_VALIDATION', ['the body is not valid JSON']),
    FST_ERR_VALIDATION: () => new TongbanError('TB_VALIDATION', [err.message]),
    FST_ERR_ROUTE_MISSING_CONTENT_TYPE: () => new TongbanError('TB_VALIDATION', ['a body needs a Content-Type header']),
    FST_ERR_BAD_URL: () => new TongbanError('TB_URL_INVALID'),
    FST_ERR_MAX_PARAM_LENGTH: () => new TongbanError('TB_URL_TOO_LONG', [req.server.initialConfig.maxParamLength]),
  }
  const translate = err.code ? known[err.code] : undefined
  if (translate) return translate()
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new TongbanError('TB_VALIDATION', [err.message])
  return new TongbanError('TB_INTERNAL', [req.id], { cause: err })
}

type FieldErrors = NonNullable<z.infer<typeof ErrorBody>['errors']>

function bodyOf (err: TongbanError): z.infer<typeof ErrorBody> {
  const body = { statusCode: err.statusCode, code: err.code, error: STATUS_CODES[err.statusCode] ?? 'Error', message: err.message }
  const errors = err.details?.errors
  return Array.isArray(errors) ? { ...body, errors: errors as FieldErrors } : body
}

export function sendError (reply: FastifyReply, err: TongbanError): FastifyReply {
  return reply.code(err.statusCode).type('application/json').send(bodyOf(err))
}

/** Fastify's `frameworkErrors`: a URL the router cannot decode, or a path parameter too long. */
export function frameworkErrors (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const tbErr = fromFastify(err, req)
  req.log.info({ code: tbErr.code }, 'request rejected')
  sendError(reply, tbErr)
}

/**
 * Fastify's `clientErrorHandler`: the HTTP parser refused the request (raw UTF-8 or a space in the
 * URL, headers over the limit, a bad header), so no request exists and the answer is written to
 * the socket by hand, in the same shape as every other error.
 */
export function clientErrorHandler (this: FastifyInstance, err: Error & { code?: string, reason?: string }, socket: Socket): void {
  // The parser reports once per chunk it cannot read; the first report is answered.
  if (err.code === 'ECONNRESET' || socket.destroyed || socket.writableEnded) return
  const tbErr = err.code === 'HPE_HEADER_OVERFLOW'
    ? new TongbanError('TB_HEADERS_TOO_LARGE', [maxHeaderSize])
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new TongbanError('TB_REQUEST_TIMEOUT')
      : new TongbanError('TB_REQUEST_MALFORMED', [err.reason ?? err.code ?? 'unreadable'])
  this.log.info({ code: tbErr.code, parser: err.code }, 'request refused by the HTTP parser')
  const body = JSON.stringify(bodyOf(tbErr))
  if (!socket.writable) return void socket.destroy()
  socket.end(`HTTP/1.1 ${tbErr.statusCode} ${STATUS_CODES[tbErr.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  // The client may still be sending (a 100 KB URL): keep reading so the answer is not lost to a
  // reset, but only for a moment.
  setTimeout(() => socket.destroy(), 2000).unref()
}

export function registerErrorHandling (app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const tbErr = isTongbanError(err) ? err : fromFastify(err, req)
    if (tbErr.statusCode >= 500) req.log.error({ err, code: tbErr.code }, 'request failed')
    else req.log.info({ code: tbErr.code, msg: tbErr.message }, 'request rejected')
    return sendError(reply, tbErr)
  })
  app.setNotFoundHandler((req, reply) => sendError(reply, new TongbanError('TB_NOT_FOUND', [`${req.method} ${req.url.split('?')[0]}`])))
}

export function errorResponses (...codes: ErrorCode[]): Record<number, typeof ErrorBody> {
  const out: Record<number, typeof ErrorBody> = {}
  for (const code of codes) out[new TongbanError(code).statusCode] = ErrorBody
  return out
}
