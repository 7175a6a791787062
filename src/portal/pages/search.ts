// Search: one box for a name, an ID number (whole, 15 digits, last digits), a phone number, a
// credit code or an enterprise name (see ../query.ts); residents and enterprises in scope, masked.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { getRecord, recordInScope, searchRecords, type RecordMatch } from '../../store/records.ts'
import { decodeCursor, encodeCursor } from '../../server/api/cursor.ts'
import { page } from '../layout.ts'
import { TongbanError } from '../../errors.ts'
import { classifyQuery, noControl, queryText } from '../query.ts'
import type { PortalKit } from '../kit.ts'
import { searchBody, type SearchResults } from './search-view.ts'

const PAGE_SIZE = 20

export async function searchPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, sendPage, signIn, requirePermission, recordScope, ctxOf, audit } = kit
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.get('/portal/search', {
    schema: {
      hide: true,
      querystring: z.object({
        q: queryText(64).optional(),
        kind: z.enum(['person', 'enterprise']).optional(),
        after: queryText(128).optional(),
        lang: queryText(8).optional(),
      }),
    },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requirePermission(s, 'records:read')
    const scope = recordScope(s)
    const ctx = ctxOf(req, reply, s)
    const q = (req.query.q ?? '').trim()
    const after = req.query.after ? decodeCursor(req.query.after, 'string') : undefined
    // A cursor is ours, so one decoding to a control character was made up.
    if (after !== undefined && !noControl(after)) throw new TongbanError('TB_CURSOR_INVALID')
    const { kind } = req.query
    const query = classifyQuery(q)
    let persons: SearchResults | undefined
    let enterprises: SearchResults | undefined
    const one = async (k: 'person' | 'enterprise', key: string): Promise<SearchResults> => {
      const found = await recordInScope(db, k, key, scope) ? await getRecord(db, k, key) : undefined
      return { items: found ? [found] : [], next: null, paged: false }
    }
    const search = async (k: 'person' | 'enterprise', match: RecordMatch): Promise<SearchResults> => {
      const r = await searchRecords(db, k, scope, match, kind === k ? after : undefined, PAGE_SIZE)
      return { items: r.items, next: r.next === null ? null : encodeCursor(r.next), paged: kind === k && after !== undefined }
    }
    if (query.is === 'person') persons = await one('person', query.idNumber)
    if (query.is === 'enterprise') enterprises = await one('enterprise', query.creditCode)
    if (query.is === 'match') {
      if (query.persons && kind !== 'enterprise') persons = await search('person', query.persons)
      if (query.enterprises && kind !== 'person') enterprises = await search('enterprise', query.enterprises)
    }
    if (query.is !== 'empty') await audit(req, s, 'person.search', { details: { q, results: (persons?.items.length ?? 0) + (enterprises?.items.length ?? 0) } })
    const problem = query.is === 'invalid-id' ? 'invalid' as const : query.is === 'too-short' ? 'too-short' as const : undefined
    return sendPage(reply, 200, page(ctx, ctx.t('search.title'), searchBody(ctx, { q, problem, persons, enterprises }), { topSearch: false }))
  })
}
