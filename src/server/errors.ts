// Every error answer has one shape — {statusCode, code, error, message} — with a TB_ code from
// the catalogue; Fastify's own errors are translated so clients see only catalogue codes.
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { TongbanError, isTongbanError, type ErrorCode } from '../errors.ts'

export const ErrorBody = z.object({
  statusCode: z.number().int(),
  code: z.string().describe('stable error code, documented in docs/errors.md'),
  error: z.string(),
  message: z.string(),
}).meta({ id: 'Error' })

function fromFastify (err: FastifyError, req: FastifyRequest): TongbanError {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const first = err.validation[0]
    const where = first ? `${err.validationContext ?? 'request'}${first.instancePath.replace(/\//g, '.')}: ${first.message}` : err.message
    return new TongbanError('TB_VALIDATION', [where])
  }
  const known: Partial<Record<string, () => TongbanError>> = {
    FST_ERR_CTP_BODY_TOO_LARGE: () => new TongbanError('TB_BODY_TOO_LARGE', [req.routeOptions.bodyLimit ?? '?']),
    FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new TongbanError('TB_UNSUPPORTED_MEDIA_TYPE', [req.headers['content-type'] ?? '(none)']),
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new TongbanError('TB_VALIDATION', ['Content-Length does not match the body']),
    FST_ERR_CTP_EMPTY_JSON_BODY: () => new TongbanError('TB_VALIDATION', ['the JSON body is empty']),
    FST_ERR_CTP_INVALID_JSON_BODY: () => new TongbanError('TB_VALIDATION', ['the body is not valid JSON']),
    FST_ERR_VALIDATION: () => new TongbanError('TB_VALIDATION', [err.message]),
  }
  const translate = err.code ? known[err.code] : undefined
  if (translate) return translate()
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new TongbanError('TB_VALIDATION', [err.message])
  return new TongbanError('TB_INTERNAL', [req.id], { cause: err })
}

export function sendError (reply: FastifyReply, err: TongbanError): FastifyReply {
  return reply.code(err.statusCode).type('application/json').send({
    statusCode: err.statusCode,
    code: err.code,
    error: STATUS_CODES[err.statusCode] ?? 'Error',
    message: err.message,
  })
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
