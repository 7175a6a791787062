// Disagreements between departments: list them (by field, adapter, town, status) and resolve one
// with a chosen value and a reason, recorded with who resolved it.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import { divisionByName, divisionCode, type DivisionLevel } from '../../normalize/index.ts'
import { getConflict, listConflicts } from '../../store/conflicts.ts'
import { resolveConflict } from '../../unify/resolve.ts'
import { errorResponses } from '../errors.ts'
import { scopeOf } from '../scope.ts'
import { inScope } from '../../model/scope.ts'
import { Conflict, page } from './schemas.ts'
import { decodeCursor, encodeCursor } from '../../web/cursor.ts'
import { line, lines } from '../../model/text.ts'

const PREFIX_DIGITS: Record<DivisionLevel, number> = { province: 2, city: 4, county: 6, town: 9, village: 12 }

/** The division-code prefix of a town (or any division) given by code or by name. */
function divisionPrefix (town: string): string {
  const byCode = /^[\d\s]+$/.test(town)
  const result = byCode ? divisionCode(town) : divisionByName(town)
  if (!result.ok) throw new TongbanError('TB_VALIDATION', [`querystring.town: ${result.error.message}`])
  return result.value.slice(0, PREFIX_DIGITS[result.details!.level])
}

const ConflictId = z.object({ id: z.coerce.number().int().positive() })

export async function conflictRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { db } = opts.platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.get('/conflicts', {
    config: { audit: { action: 'conflict.read' }, permission: 'conflicts:read' },
    schema: {
      summary: 'Conflicts between sources, oldest first',
      tags: ['records'],
      querystring: z.object({
        status: z.enum(['open', 'agreed', 'resolved']).default('open'),
        kind: z.enum(['person', 'enterprise']).optional(),
        field: line().max(64).optional().describe('canonical field, e.g. name or phone'),
        adapter: line().max(64).optional().describe('conflicts in which this adapter instance is a candidate'),
        town: line().trim().min(1).max(64).optional().describe('division code (6, 9 or 12 digits) or name, e.g. 武进区湟里镇'),
        cursor: z.string().max(128).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      response: { 200: page(Conflict), ...errorResponses('TB_VALIDATION', 'TB_CURSOR_INVALID') },
    },
  }, async (req) => {
    const q = req.query
    const result = await listConflicts(db, {
      status: q.status,
      kind: q.kind,
      field: q.field,
      adapter: q.adapter,
      divisionPrefix: q.town === undefined ? undefined : divisionPrefix(q.town),
      scope: scopeOf(req),
      afterId: decodeCursor(q.cursor, 'number'),
      limit: q.limit,
    })
    return { items: result.items, next: result.next === null ? null : encodeCursor(result.next) }
  })

  api.get('/conflicts/:id', {
    config: { audit: { action: 'conflict.read', subjectKind: 'conflict', subjectParam: 'id' }, permission: 'conflicts:read' },
    schema: { summary: 'One conflict', tags: ['records'], params: ConflictId, response: { 200: Conflict, ...errorResponses('TB_CONFLICT_NOT_FOUND') } },
  }, async (req) => {
    const conflict = await getConflict(db, req.params.id)
    if (!conflict || !inScope(scopeOf(req), conflict.divisionCode)) throw new TongbanError('TB_CONFLICT_NOT_FOUND', [req.params.id])
    return conflict
  })

  api.post('/conflicts/:id/resolve', {
    config: { audit: { action: 'conflict.resolve', subjectKind: 'conflict', subjectParam: 'id' }, permission: 'conflicts:resolve' },
    schema: {
      summary: 'Resolve an open conflict with a chosen value',
      description: "The value becomes the record's value, with provenance `resolution`; it outranks every department until a person changes it. A later observation that disagrees opens a new conflict.",
      tags: ['records'],
      params: ConflictId,
      body: z.object({
        value: z.unknown().describe("the chosen value, in the field's canonical form"),
        reason: lines().trim().min(1).max(500).describe('why, for the record'),
      }),
      response: { 200: Conflict, ...errorResponses('TB_CONFLICT_NOT_FOUND', 'TB_CONFLICT_CLOSED', 'TB_CONFLICT_VALUE_INVALID') },
    },
  }, async (req) => await resolveConflict(db, req.params.id, { value: req.body.value, reason: req.body.reason, resolvedBy: req.principal.username, scope: scopeOf(req) }))
}
