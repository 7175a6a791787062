// Unified residents and enterprises.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import { creditCode, residentId } from '../../normalize/index.ts'
import { getRecord, searchRecords } from '../../store/records.ts'
import { errorResponses } from '../errors.ts'
import { Enterprise, ListQuery, Person, page } from './schemas.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'

export async function recordRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { db } = opts.platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.get('/persons/:idNumber', {
    schema: {
      summary: 'One unified resident',
      description: 'Accepts the 18-digit number, the 15-digit legacy form and a lowercase x.',
      tags: ['records'],
      params: z.object({ idNumber: z.string().max(32) }),
      response: { 200: Person, ...errorResponses('TB_PERSON_NOT_FOUND', 'TB_ID_CHECKSUM') },
    },
  }, async (req) => {
    const id = residentId(req.params.idNumber)
    if (!id.ok) throw new TongbanError(id.error.code, [req.params.idNumber])
    const person = await getRecord(db, 'person', id.value)
    if (!person) throw new TongbanError('TB_PERSON_NOT_FOUND', [id.value])
    return person as z.infer<typeof Person>
  })

  api.get('/persons', {
    schema: { summary: 'Search residents by name or ID number prefix', tags: ['records'], querystring: ListQuery, response: { 200: page(Person), ...errorResponses('TB_CURSOR_INVALID') } },
  }, async (req) => {
    const q = req.query.q?.toUpperCase()
    const result = await searchRecords(db, 'person', q, decodeCursor(req.query.cursor, 'string'), req.query.limit)
    return { items: result.items as Array<z.infer<typeof Person>>, next: result.next === null ? null : encodeCursor(result.next) }
  })

  api.get('/enterprises/:creditCode', {
    schema: {
      summary: 'One unified enterprise',
      tags: ['records'],
      params: z.object({ creditCode: z.string().max(32) }),
      response: { 200: Enterprise, ...errorResponses('TB_ENTERPRISE_NOT_FOUND', 'TB_CREDIT_CODE_CHECKSUM') },
    },
  }, async (req) => {
    const code = creditCode(req.params.creditCode)
    if (!code.ok) throw new TongbanError(code.error.code, [req.params.creditCode])
    const enterprise = await getRecord(db, 'enterprise', code.value)
    if (!enterprise) throw new TongbanError('TB_ENTERPRISE_NOT_FOUND', [code.value])
    return enterprise as z.infer<typeof Enterprise>
  })

  api.get('/enterprises', {
    schema: { summary: 'Search enterprises by name or credit code prefix', tags: ['records'], querystring: ListQuery, response: { 200: page(Enterprise), ...errorResponses('TB_CURSOR_INVALID') } },
  }, async (req) => {
    const result = await searchRecords(db, 'enterprise', req.query.q, decodeCursor(req.query.cursor, 'string'), req.query.limit)
    return { items: result.items as Array<z.infer<typeof Enterprise>>, next: result.next === null ? null : encodeCursor(result.next) }
  })
}
