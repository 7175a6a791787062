// Search: one box for a name, an ID number (whole, 15 digits, last digits), a phone number, a
// credit code or an enterprise name (see ../query.ts); residents and enterprises in scope, masked.
// The box posts its text, which is held under a token (../held.ts): no URL the portal
// makes carries an ID or phone number, not the results', their pages' nor a resident's.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { getRecord, idNumberByRef, recordInScope, recordLabels, searchRecords, type RecordMatch } from '../../store/records.ts'
import { decodeCursor, encodeCursor } from '../../web/cursor.ts'
import { TongbanError } from '../../errors.ts'
import { page } from '../layout.ts'
import { classifyQuery, formText, noControl, queryText } from '../query.ts'
import { heldSearch, holdSearch } from '../held.ts'
import type { PortalKit } from '../kit.ts'
import { searchBody, type SearchResults } from './search-view.ts'
import { callerOf, readRouting } from '../../store/read-routing.ts'

const PAGE_SIZE = 20

export async function searchPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, sendPage, signIn, requireCsrf, requirePermission, recordScope, ctxOf, audit } = kit
  const { db, redis } = platform
  const reads = readRouting(platform)
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.post('/portal/search', {
    schema: { hide: true, body: z.object({ _csrf: z.string().max(128).optional(), q: formText(64).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    requirePermission(s, 'records:read')
    const q = (req.body.q ?? '').trim()
    const location = q === '' ? '/portal/search' : `/portal/search?s=${await holdSearch(redis, s.session.staffId, q)}`
    return reply.code(303).header('location', location).send()
  })

  api.get('/portal/search', {
    schema: {
      hide: true,
      querystring: z.object({
        // The text itself is still understood (a typed or bookmarked URL); the portal's own forms and links use `s`.
        q: queryText(64).optional(),
        s: queryText(32).optional(),
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
    const held = req.query.s ? await heldSearch(redis, s.session.staffId, req.query.s) : undefined
    const expired = req.query.s !== undefined && held === undefined
    const q = (held ?? req.query.q ?? '').trim()
    const { kind } = req.query
    const after = await decodeAfter(req.query.after, kind)
    const query = classifyQuery(q)
    let persons: SearchResults | undefined
    let enterprises: SearchResults | undefined
    const one = async (k: 'person' | 'enterprise', key: string): Promise<SearchResults> => {
      const found = await recordInScope(db, k, key, scope) ? await getRecord(db, k, key) : undefined
      return { items: found ? [found] : [], next: null, paged: false }
    }
    const search = async (k: 'person' | 'enterprise', match: RecordMatch): Promise<SearchResults> => {
      // May read from a standby (the caller's own changes included); the rest of the page from the primary.
      const r = await searchRecords(await reads.reader(callerOf(s.principal)), k, scope, match, kind === k ? after : undefined, PAGE_SIZE)
      return { items: r.items, next: r.next, paged: kind === k && after !== undefined }
    }
    if (query.is === 'person') persons = await one('person', query.idNumber)
    if (query.is === 'enterprise') enterprises = await one('enterprise', query.creditCode)
    if (query.is === 'match') {
      if (query.persons && kind !== 'enterprise') persons = await search('person', query.persons)
      if (query.enterprises && kind !== 'person') enterprises = await search('enterprise', query.enterprises)
    }
    // Residents are linked, and paged, by their references.
    const refs = await recordLabels(db, 'person', (persons?.items ?? []).map((p) => String(p.idNumber)))
    const refOf = (idNumber: string): string => refs.get(idNumber)?.ref ?? 'missing'
    if (persons?.next) persons.next = encodeCursor(refOf(persons.next))
    if (enterprises?.next) enterprises.next = encodeCursor(enterprises.next)
    if (query.is !== 'empty') await audit(req, s, 'person.search', { details: { q, results: (persons?.items.length ?? 0) + (enterprises?.items.length ?? 0) } })
    const token = held !== undefined ? req.query.s : q !== '' ? await holdSearch(redis, s.session.staffId, q) : undefined
    const problem = query.is === 'invalid-id' ? 'invalid' as const : query.is === 'too-short' ? 'too-short' as const : undefined
    return sendPage(reply, 200, page(ctx, ctx.t('search.title'), searchBody(ctx, { q, token, expired, problem, persons, enterprises, refOf }), { topSearch: false }))
  })

  /** The key a page starts after: a resident's reference or an enterprise's credit code, from our own cursor. */
  async function decodeAfter (cursor: string | undefined, kind: 'person' | 'enterprise' | undefined): Promise<string | undefined> {
    const after = cursor ? decodeCursor(cursor, 'string') : undefined
    if (after === undefined) return undefined
    // A cursor is ours, so one decoding to a control character was made up.
    if (!noControl(after)) throw new TongbanError('TB_CURSOR_INVALID')
    if (kind !== 'person') return after
    const idNumber = await idNumberByRef(db, after)
    if (idNumber === undefined) throw new TongbanError('TB_CURSOR_INVALID')
    return idNumber
  }
}
