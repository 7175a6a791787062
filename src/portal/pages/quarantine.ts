// The quarantine pages: records a department sent that failed normalisation, listed with their
// reasons; one item shows the record as received (an audited read) and, for those allowed,
// retries it through the current rules or dismisses it with a note.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { can, scopeOf } from '../../auth/access.ts'
import { isTongbanError } from '../../errors.ts'
import type { AdapterDefinition } from '../../adapter-sdk/index.ts'
import { entityKeys, type EntityKind } from '../../model/index.ts'
import { retryQuarantined } from '../../pipeline/retry.ts'
import { recordInScope, recordLabels } from '../../store/records.ts'
import { NOTE_MAX, dismissQuarantined, getQuarantineItem, listQuarantine, quarantineReasonCodes, type QuarantineItem } from '../../store/quarantine.ts'
import { page } from '../layout.ts'
import { formText, queryText } from '../query.ts'
import { PageError, type PortalKit, type SignedIn } from '../kit.ts'
import { STATUS_FILTERS, quarantineItemBody, quarantineListBody, statusLabel, type ItemView, type StatusFilter } from './quarantine-view.ts'

const PAGE_SIZE = 50

/**
 * The record's key (ID number, credit code) from the stored raw record, through the adapter's
 * normaliser for that one field: the other fields may be the ones that were wrong then.
 */
function recordKeyOf (adapter: AdapterDefinition, item: QuarantineItem): { kind: EntityKind, key: string } | undefined {
  const kind = adapter.produces
  if (kind === undefined) return undefined
  for (const [field, [target, normalize]] of Object.entries(adapter.fields ?? {})) {
    const value = item.raw.fields[field]
    if (target !== entityKeys[kind] || (typeof value !== 'string' && typeof value !== 'number')) continue
    const result = normalize(String(value))
    if (result.ok && typeof result.value === 'string') return { kind, key: result.value }
  }
  return undefined
}

const ListQuery = z.object({
  status: queryText(16).optional(),
  adapter: queryText(64).optional(),
  reason: queryText(64).optional(),
  before: z.coerce.number().int().positive().optional(),
  lang: queryText(8).optional(),
})
const ItemParams = z.object({ id: z.string().max(32) })
const ItemQuery = z.object({ done: queryText(16).optional(), lang: queryText(8).optional() })
// Longer than allowed is answered with the form and a message, not a bare 400.
const NoteBody = z.object({ _csrf: z.string().max(128).optional(), note: formText(20_000).optional() })

export async function quarantinePages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform } = kit
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.get('/portal/quarantine', { schema: { hide: true, querystring: ListQuery } }, async (req, reply) => {
    const s = await kit.signIn(req, reply)
    if (!s) return reply
    kit.requirePermission(s, 'quarantine:read')
    const q = req.query
    const status = (STATUS_FILTERS as readonly string[]).includes(q.status ?? '') ? q.status as StatusFilter : 'open'
    const filter = { status, adapter: q.adapter || undefined, reason: q.reason || undefined }
    const [found, reasonCodes] = await Promise.all([
      listQuarantine(db, { adapter: filter.adapter, status: status === 'all' ? undefined : status, reasonCode: filter.reason, beforeId: q.before, limit: PAGE_SIZE + 1 }),
      quarantineReasonCodes(db),
    ])
    const items = found.slice(0, PAGE_SIZE)
    const next = found.length > PAGE_SIZE ? items[items.length - 1]!.id : null
    await kit.audit(req, s, 'quarantine.read', { details: { status, adapter: filter.adapter ?? null, reasonCode: filter.reason ?? null, count: items.length } })
    const departments = [...platform.instances.keys()]
    return kit.render(req, reply, s, (ctx) => ctx.t('quarantine.title'), (ctx) =>
      quarantineListBody(ctx, platform, { filter, items, departments, reasonCodes, next, paged: q.before !== undefined }))
  })

  /** The unified record a resolved item became, if the staff member may open it. */
  const recordOf = async (s: SignedIn, item: QuarantineItem): Promise<ItemView['record']> => {
    const instance = platform.instances.get(item.adapter)
    const scope = scopeOf(s.principal)
    if (item.status !== 'resolved' || !instance || !scope) return undefined
    const found = recordKeyOf(instance.adapter, item)
    if (!found || !await recordInScope(db, found.kind, found.key, scope)) return undefined
    return found.kind === 'person' ? { ...found, ref: (await recordLabels(db, 'person', [found.key])).get(found.key)?.ref } : found
  }

  /** Loads an item or answers 404 (audited as a denied read of that id); a path that is no id is not found either. */
  const loadItem = async (req: FastifyRequest, s: SignedIn, param: string, action: 'quarantine.read' | 'quarantine.retry' | 'quarantine.dismiss'): Promise<QuarantineItem> => {
    const item = /^[1-9]\d{0,14}$/.test(param) ? await getQuarantineItem(db, Number(param)) : undefined
    if (!item) {
      await kit.audit(req, s, action, { subjectKind: 'quarantine', subject: param, outcome: 'denied', details: { status: 404 } })
      throw new PageError(404)
    }
    return item
  }

  /** The item page (its raw record in full, so every showing is an audited read). */
  const showItem = async (req: FastifyRequest, reply: FastifyReply, s: SignedIn, item: QuarantineItem, extra: Pick<ItemView, 'done' | 'formError'>, status = 200): Promise<FastifyReply> => {
    const view: ItemView = { item, canManage: can(s.principal, 'quarantine:manage'), record: await recordOf(s, item), ...extra }
    await kit.audit(req, s, 'quarantine.read', { subjectKind: 'quarantine', subject: String(item.id), details: { adapter: item.adapter, status: item.status } })
    const ctx = kit.ctxOf(req, reply, s)
    return kit.sendPage(reply, status, page(ctx, ctx.t('quarantine.itemTitle', item.id), quarantineItemBody(ctx, platform, view)))
  }

  api.get('/portal/quarantine/:id', { schema: { hide: true, params: ItemParams, querystring: ItemQuery } }, async (req, reply) => {
    const s = await kit.signIn(req, reply)
    if (!s) return reply
    kit.requirePermission(s, 'quarantine:read')
    const item = await loadItem(req, s, req.params.id, 'quarantine.read')
    const done = req.query.done === 'retry' || req.query.done === 'dismiss' ? req.query.done : undefined
    return await showItem(req, reply, s, item, { done })
  })

  /** The checks every change makes: session, CSRF, permission, the item. */
  const beginChange = async (req: FastifyRequest, reply: FastifyReply, form: { id: string, note?: string | undefined }, action: 'quarantine.retry' | 'quarantine.dismiss') => {
    const s = await kit.signIn(req, reply)
    if (!s) return undefined
    kit.requireCsrf(req, s)
    kit.requirePermission(s, 'quarantine:manage')
    const item = await loadItem(req, s, form.id, action)
    return { s, item, note: (form.note ?? '').trim() }
  }

  /** A refused change: audited as failed; a closed item is a 409 page, anything else goes on to the error page. */
  const failed = async (req: FastifyRequest, reply: FastifyReply, s: SignedIn, item: QuarantineItem, action: 'quarantine.retry' | 'quarantine.dismiss', err: unknown): Promise<never> => {
    const code = isTongbanError(err) ? err.code : 'TB_INTERNAL'
    await kit.audit(req, s, action, { subjectKind: 'quarantine', subject: String(item.id), outcome: 'failed', details: { code } })
    if (code === 'TB_QUARANTINE_CLOSED') {
      const ctx = kit.ctxOf(req, reply, s)
      const now = await getQuarantineItem(db, item.id)
      throw new PageError(409, ctx.t('quarantine.closed', statusLabel(ctx, now?.status ?? item.status)))
    }
    throw err
  }

  const tooLong = (req: FastifyRequest, reply: FastifyReply, s: SignedIn): string => kit.ctxOf(req, reply, s).t('quarantine.noteTooLong', NOTE_MAX)

  api.post('/portal/quarantine/:id/retry', { schema: { hide: true, params: ItemParams, body: NoteBody } }, async (req, reply) => {
    const change = await beginChange(req, reply, { id: req.params.id, note: req.body.note }, 'quarantine.retry')
    if (!change) return reply
    const { s, item, note } = change
    if (note.length > NOTE_MAX) return await showItem(req, reply, s, item, { formError: { form: 'retry', text: tooLong(req, reply, s), note } }, 422)
    let outcome
    try {
      outcome = await retryQuarantined(platform, item.id, { by: s.principal.username, note: note === '' ? null : note })
    } catch (err) {
      return await failed(req, reply, s, item, 'quarantine.retry', err)
    }
    await kit.audit(req, s, 'quarantine.retry', { subjectKind: 'quarantine', subject: String(item.id), details: { status: outcome.status, reasonCode: outcome.reasonCode, note: note === '' ? null : note } })
    return reply.code(303).header('location', `/portal/quarantine/${item.id}?done=retry`).send()
  })

  api.post('/portal/quarantine/:id/dismiss', { schema: { hide: true, params: ItemParams, body: NoteBody } }, async (req, reply) => {
    const change = await beginChange(req, reply, { id: req.params.id, note: req.body.note }, 'quarantine.dismiss')
    if (!change) return reply
    const { s, item, note } = change
    const problem = note === '' ? kit.ctxOf(req, reply, s).t('quarantine.noteMissing') : note.length > NOTE_MAX ? tooLong(req, reply, s) : undefined
    if (problem !== undefined && item.status === 'open') {
      await kit.audit(req, s, 'quarantine.dismiss', { subjectKind: 'quarantine', subject: String(item.id), outcome: 'failed', details: { status: 422, problem: note === '' ? 'note missing' : 'note too long' } })
      return await showItem(req, reply, s, item, { formError: { form: 'dismiss', text: problem, note } }, 422)
    }
    try {
      await dismissQuarantined(db, item.id, { note, by: s.principal.username })
    } catch (err) {
      return await failed(req, reply, s, item, 'quarantine.dismiss', err)
    }
    await kit.audit(req, s, 'quarantine.dismiss', { subjectKind: 'quarantine', subject: String(item.id), details: { reasonCode: item.reasonCode, note } })
    return reply.code(303).header('location', `/portal/quarantine/${item.id}?done=dismiss`).send()
  })
}
