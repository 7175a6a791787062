// The audit pages, for auditors (audit:read): the log searched with the API's filters (the dates
// as Beijing calendar days), and the verification of its hash chain, loaded into the page by htmx
// because it walks the whole log. Reading and verifying are recorded in the log, as in the API.
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AUDIT_ACTIONS, listAudit, parseAnchors, verifyAudit, type AuditFilter } from '../../audit/index.ts'
import { isTongbanError } from '../../errors.ts'
import { AuditFilterFields, auditFilter, type AuditSearch } from '../../web/audit-filter.ts'
import { page } from '../layout.ts'
import { queryText } from '../query.ts'
import { heldAuditFilters, holdAuditFilters } from '../held.ts'
import type { PortalKit } from '../kit.ts'
import { FAMILIES, FORM_FIELDS, logBody, verifyBody, verifyResult, type FormValues, type SearchError, type VerifyView } from './audit-view.ts'

const PAGE_SIZE = 50
const DAY_MS = 86_400_000

const Text = queryText(2000).optional()
// Loose on purpose: what the form sends is checked below, so that bad input shows the form again.
const LogQuery = z.object({ actor: Text, action: Text, subject: Text, outcome: Text, from: Text, to: Text, cursor: Text, f: Text, lang: Text })
const LogForm = z.object({ actor: Text, action: Text, subject: Text, outcome: Text, from: Text, to: Text, _csrf: Text })

const Day = z.iso.date()
const SearchFields = AuditFilterFields.extend({ from: Day.optional(), to: Day.optional() })

/** Every action, and every family as `auth.`: what the action filter may be. */
const KNOWN_ACTIONS: ReadonlySet<string> = new Set([...AUDIT_ACTIONS, ...FAMILIES.map((f) => `${f}.`)])

/** 00:00 Beijing time of a calendar day, `days` later. */
const beijingMidnight = (day: string, days = 0): Date => new Date(Date.parse(`${day}T00:00:00+08:00`) + days * DAY_MS)

/** The search the form asks for, or what is wrong with it. */
function parseSearch (form: FormValues, cursor: string | undefined): { search: AuditSearch } | { errors: SearchError[] } {
  const parsed = SearchFields.safeParse(form)
  if (!parsed.success) return { errors: [...new Set(parsed.error.issues.map((i) => String(i.path[0]) as SearchError))] }
  const { from, to, ...filters } = parsed.data
  const errors: SearchError[] = []
  if (filters.action !== undefined && !KNOWN_ACTIONS.has(filters.action)) errors.push('action')
  if (from !== undefined && to !== undefined && from > to) errors.push('range')
  if (errors.length > 0) return { errors }
  return {
    search: {
      ...filters,
      from: from === undefined ? undefined : beijingMidnight(from),
      to: to === undefined ? undefined : beijingMidnight(to, 1),
      cursor,
      limit: PAGE_SIZE,
    },
  }
}

/** The filled-in fields of the search form, trimmed. */
function formValues (given: Partial<Record<string, string>>): FormValues {
  return Object.fromEntries(FORM_FIELDS.flatMap((f) => {
    const value = given[f]?.trim()
    return value ? [[f, value]] : []
  }))
}

/** The store's filter; undefined for a cursor that is not one of ours. */
function storeFilter (search: AuditSearch): AuditFilter | undefined {
  try {
    return auditFilter(search)
  } catch (err) {
    if (isTongbanError(err) && err.code === 'TB_CURSOR_INVALID') return undefined
    throw err
  }
}

export async function auditPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { db, redis } = kit.platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.get('/portal/audit', { schema: { hide: true, querystring: LogQuery } }, async (req, reply) => {
    const s = await kit.signIn(req, reply)
    if (!s) return reply
    kit.requirePermission(s, 'audit:read')
    // Filters come held under a token (the form posts them), or as a query (bookmarks, links).
    const held = req.query.f ? await heldAuditFilters(redis, s.session.staffId, req.query.f) : undefined
    if (req.query.f && held === undefined) return await reply.code(303).header('location', '/portal/audit').send()
    const given: Partial<Record<string, string>> = held ?? req.query
    const form = formValues(given)
    const cursor = req.query.cursor || undefined
    const view = { form, held: held === undefined ? undefined : req.query.f, paged: cursor !== undefined, autoVerify: cursor === undefined && Object.keys(form).length === 0, townName: kit.townName }
    const ctx = kit.ctxOf(req, reply, s)
    const showErrors = (errors: SearchError[]): FastifyReply =>
      kit.sendPage(reply, 422, page(ctx, ctx.t('audit.title'), logBody(ctx, { ...view, errors })))

    const parsed = parseSearch(form, cursor)
    if ('errors' in parsed) return showErrors(parsed.errors)
    const filter = storeFilter(parsed.search)
    if (!filter) return showErrors(['cursor'])
    const result = await listAudit(db, filter)
    await kit.audit(req, s, 'audit.read', { details: { filters: { ...form }, rows: result.items.length, ...(cursor ? { older: true } : {}) } })
    return kit.sendPage(reply, 200, page(ctx, ctx.t('audit.title'), logBody(ctx, { ...view, errors: [], items: result.items, next: result.next })))
  })

  api.post('/portal/audit', { schema: { hide: true, body: LogForm } }, async (req, reply) => {
    const s = await kit.signIn(req, reply)
    if (!s) return reply
    kit.requirePermission(s, 'audit:read')
    kit.requireCsrf(req, s)
    const form = formValues(req.body)
    const location = Object.keys(form).length === 0 ? '/portal/audit' : `/portal/audit?f=${await holdAuditFilters(redis, s.session.staffId, form)}`
    return await reply.code(303).header('location', location).send()
  })

  api.get('/portal/audit/verify', {
    schema: { hide: true, querystring: z.object({ anchors: z.string().max(8000).optional(), lang: Text }) },
  }, async (req, reply) => {
    const s = await kit.signIn(req, reply)
    if (!s) return reply
    kit.requirePermission(s, 'audit:read')
    const anchorsText = (req.query.anchors ?? '').trim()
    // Blank parts (a trailing comma) are ignored here; a malformed one is shown trimmed.
    const parsed = parseAnchors(anchorsText.split(',').map((p) => p.trim()).filter((p) => p !== ''))
    let view: VerifyView
    if ('invalid' in parsed) {
      view = { invalidAnchor: parsed.invalid, anchors: anchorsText }
    } else {
      const result = await verifyAudit(db, { anchors: parsed.anchors })
      await kit.audit(req, s, 'audit.verify', {
        details: { ok: result.ok, rows: result.rows, anchors: parsed.anchors.length, ...(result.firstBad ? { firstBad: result.firstBad } : {}) },
      })
      view = { result, at: new Date(), anchors: anchorsText }
    }
    const ctx = kit.ctxOf(req, reply, s)
    // htmx swaps only 2xx answers: its fragment says what is wrong with a 200.
    if (req.headers['hx-request'] === 'true') return kit.sendPage(reply, 200, verifyResult(ctx, view).value)
    return kit.sendPage(reply, 'invalidAnchor' in view ? 422 : 200, page(ctx, ctx.t('audit.verify.title'), verifyBody(ctx, view)))
  })
}
