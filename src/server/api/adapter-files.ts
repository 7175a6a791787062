// A file-drop instance's file inbox through the API: each file it fetched, whether it was imported
// or set aside whole (and why), and whether a later file corrected one set aside.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import { FILE_STATUSES, listFiles, type FileRow } from '../../store/file-inbox.ts'
import { decodeCursor, encodeCursor } from '../../web/cursor.ts'
import { errorResponses } from '../errors.ts'
import { line } from '../../model/text.ts'
import { page } from './schemas.ts'

export const AdapterFile = z.object({
  id: z.number().int(),
  name: z.string(),
  status: z.enum(FILE_STATUSES).describe('stored: fetched, not yet checked; importing; done: imported; rejected: set aside whole, none of its rows imported'),
  rowsTotal: z.number().int().nullable().describe('data rows, once the file passed its check'),
  rowsImported: z.number().int().describe('rows committed so far (unified or quarantined)'),
  rowsOk: z.number().int(),
  rowsQuarantined: z.number().int(),
  reasonCode: z.string().nullable().describe('why it was set aside: TB_FILE_INTEGRITY, TB_FILE_UNREADABLE'),
  reason: z.string().nullable(),
  supersededBy: z.number().int().nullable().describe('set aside: the id of the imported file that corrected it (then it no longer counts as set aside)'),
  sha256: z.string(),
  size: z.number().int(),
  modifiedAt: z.string().describe('as the drop listed it'),
  fetchedAt: z.string(),
  finishedAt: z.string().nullable(),
  bytesRemovedAt: z.string().nullable().describe('when its kept bytes were deleted (files.keep); the entry stays'),
}).meta({ id: 'AdapterFile' })

const iso = (d: Date | null): string | null => d && d.toISOString()

function itemOf (f: FileRow): z.infer<typeof AdapterFile> {
  return {
    id: f.id,
    name: f.name,
    status: f.status,
    rowsTotal: f.rowsTotal,
    rowsImported: f.rowsDone,
    rowsOk: f.rowsOk,
    rowsQuarantined: f.rowsQuarantined,
    reasonCode: f.reasonCode,
    reason: f.error,
    supersededBy: f.supersededBy,
    sha256: f.contentHash,
    size: f.size,
    modifiedAt: f.modifiedAt.toISOString(),
    fetchedAt: f.fetchedAt.toISOString(),
    finishedAt: iso(f.finishedAt),
    bytesRemovedAt: iso(f.bytesRemovedAt),
  }
}

export async function adapterFileRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.get('/adapters/:instance/files', {
    config: { permission: 'operations:read' },
    schema: {
      summary: "A file-drop instance's file inbox, newest first: each file fetched, imported or set aside with the reason",
      description: 'Files set aside now: `status=rejected&superseded=false`. An instance that takes no files has none.',
      tags: ['adapters'],
      params: z.object({ instance: line().max(64) }),
      querystring: z.object({
        status: z.enum(FILE_STATUSES).optional(),
        superseded: z.enum(['true', 'false']).optional().describe('only files set aside that a later file corrected (true), or only the others (false)'),
        cursor: z.string().max(128).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      response: { 200: page(AdapterFile), ...errorResponses('TB_ADAPTER_NOT_FOUND', 'TB_CURSOR_INVALID') },
    },
  }, async (req) => {
    const instance = platform.instances.get(req.params.instance)
    if (!instance) throw new TongbanError('TB_ADAPTER_NOT_FOUND', [req.params.instance])
    const { limit, status, superseded } = req.query
    const items = await listFiles(platform.db, {
      adapter: instance.config.id,
      status,
      superseded: superseded === undefined ? undefined : superseded === 'true',
      beforeId: decodeCursor(req.query.cursor, 'number'),
      limit: limit + 1,
    })
    const shown = items.slice(0, limit)
    return { items: shown.map(itemOf), next: items.length > limit ? encodeCursor(shown[shown.length - 1]!.id) : null }
  })
}
