// The town's 12345 work orders: the lists (to sign, in progress, replied, all, and the queue of
// orders to place in a village), an order's page (every read audited: it holds the caller's name
// and phone) and the town's answers, which go through the order service like the API's. An answer
// the order's state no longer allows is answered 409 with the order as it is now.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { can } from '../../auth/access.ts'
import { isTongbanError } from '../../errors.ts'
import type { OrderState } from '../../model/order.ts'
import { AnswerInput } from '../../orders/answers.ts'
import type { OrderView } from '../../orders/service.ts'
import type { OrderListFilter } from '../../store/orders.ts'
import { queryText } from '../query.ts'
import { PageError, type PortalKit, type SignedIn } from '../kit.ts'
import { page } from '../layout.ts'
import type { MessageKey } from '../i18n.ts'
import { ORDER_TABS, orderBody, orderListBody, orderStateName, type OrderTab, type Village } from './orders-view.ts'

const PAGE_SIZE = 50
const ORDER_NO = z.string().regex(/^[A-Za-z0-9-]{6,40}$/, 'an order number such as GD2026112000123')

/** The states each tab lists; the queue of unplaced orders is its own filter. */
const TAB_STATES: Record<Exclude<OrderTab, 'unplaced'>, OrderState[] | undefined> = {
  pending: ['dispatched', 'reopened'],
  doing: ['signed'],
  replied: ['replied', 'revisited', 'closed'],
  all: undefined,
}

/** One form's fields; repeated names arrive as arrays and are refused. */
const FormBody = z.record(z.string().max(40), z.string().max(4000))

/** The posted answer form as the service's input, or undefined when it is incomplete. */
function answerOf (b: Record<string, string>): z.infer<typeof AnswerInput> | undefined {
  const blankless: Record<string, unknown> = Object.fromEntries(Object.entries(b).filter(([, v]) => v.trim() !== ''))
  if (blankless.days !== undefined) blankless.days = Number(blankless.days)
  const parsed = AnswerInput.safeParse(blankless)
  return parsed.success ? parsed.data : undefined
}

export async function orderPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, signIn, requireCsrf, requirePermission, recordScope, render, audit } = kit
  const api = app.withTypeProvider<ZodTypeProvider>()

  const townPrefix = (s: SignedIn): string => {
    requirePermission(s, 'orders:read')
    return recordScope(s).prefix
  }
  const villagesOf = (town: string): Village[] => platform.config.towns.find((x) => x.code === town)?.villages ?? []

  /** The order, audited as read; outside the staff member's towns it is not found (a 404, audited as denied). */
  const loadOrder = async (req: FastifyRequest, s: SignedIn, orderNo: string): Promise<OrderView> => {
    const prefix = townPrefix(s)
    try {
      const view = await platform.orders.view(orderNo, prefix)
      await audit(req, s, 'order.read', { subjectKind: 'order', subject: orderNo })
      return view
    } catch (err) {
      if (!isTongbanError(err) || err.code !== 'TB_ORDER_NOT_FOUND') throw err
      await audit(req, s, 'order.read', { subjectKind: 'order', subject: orderNo, outcome: 'denied', details: { status: 404 } })
      throw new PageError(404)
    }
  }

  const orderPage = async (req: FastifyRequest, reply: FastifyReply, s: SignedIn, view: OrderView, status: number, extra: { notice?: string, problem?: string, openAction?: string }): Promise<FastifyReply> => {
    const ctx = kit.ctxOf(req, reply, s)
    const act = can(s.principal, 'orders:act')
    return kit.sendPage(reply, status, page(ctx, ctx.t('order.title', view.order.orderNo), orderBody(ctx, {
      view, villages: villagesOf(view.order.town), actions: act ? view.allowed : [], mayPlace: act, mayBlow: can(s.principal, 'whistles:blow'), ...extra,
    })))
  }

  api.get('/portal/orders/:orderNo', {
    schema: { hide: true, params: z.object({ orderNo: ORDER_NO }), querystring: z.object({ lang: queryText(8).optional(), done: queryText(20).optional(), late: queryText(2).optional(), placed: queryText(12).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const view = await loadOrder(req, s, req.params.orderNo)
    const t = kit.ctxOf(req, reply, s).t
    const { done, placed } = req.query
    const notice = placed
      ? t('order.placed', villagesOf(view.order.town).find((v) => v.code === placed)?.name ?? placed)
      : done && /^[a-z]+$/.test(done) ? t(req.query.late ? 'order.doneLate' : 'order.done', t(`order.action.${done}` as MessageKey)) : undefined
    return await orderPage(req, reply, s, view, 200, notice ? { notice } : {})
  })

  api.post('/portal/orders/:orderNo/act', {
    schema: { hide: true, params: z.object({ orderNo: ORDER_NO }), body: FormBody },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    requirePermission(s, 'orders:act')
    const { orderNo } = req.params
    const { _csrf: _token, ...fields } = req.body
    const t = kit.ctxOf(req, reply, s).t
    const before = await loadOrder(req, s, orderNo)
    const action = fields.answer ?? ''
    const state = (v: OrderView): string => orderStateName(kit.ctxOf(req, reply, s), v.order.state)
    if (!before.allowed.includes(action)) return await orderPage(req, reply, s, before, 409, { problem: t('order.conflict', state(before), action) })
    const input = answerOf(fields)
    if (!input) return await orderPage(req, reply, s, before, 422, { problem: t('order.invalid', t(`order.action.${action}` as MessageKey)), openAction: action })
    let late = false
    try {
      late = (await platform.orders.answer(orderNo, input, { kind: 'staff', id: s.principal.id, name: s.principal.name }, townPrefix(s))).late
    } catch (err) {
      if (!isTongbanError(err)) throw err
      await audit(req, s, 'order.answer', { subjectKind: 'order', subject: orderNo, outcome: 'failed', details: { answer: action, code: err.code } })
      if (err.statusCode !== 409 && err.statusCode !== 422) throw err
      return await orderPage(req, reply, s, await loadOrder(req, s, orderNo), 409, { problem: t('order.conflict', state(before), err.message) })
    }
    await audit(req, s, 'order.answer', { subjectKind: 'order', subject: orderNo, details: { answer: action, late } })
    return reply.code(303).header('location', `/portal/orders/${orderNo}?done=${action}${late ? '&late=1' : ''}`).send()
  })

  api.post('/portal/orders/:orderNo/place', {
    schema: { hide: true, params: z.object({ orderNo: ORDER_NO }), body: z.object({ _csrf: z.string().max(200).optional(), division: z.string().regex(/^\d{12}$/, 'a 12-digit division code') }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    requirePermission(s, 'orders:act')
    const { orderNo } = req.params
    try {
      await platform.orders.place(orderNo, req.body.division, { kind: 'staff', id: s.principal.id, name: s.principal.name }, townPrefix(s))
    } catch (err) {
      if (!isTongbanError(err)) throw err
      await audit(req, s, 'order.place', { subjectKind: 'order', subject: orderNo, outcome: 'failed', details: { code: err.code } })
      if (err.code === 'TB_ORDER_NOT_FOUND') throw new PageError(404)
      if (err.statusCode !== 422 && err.statusCode !== 409 && err.statusCode !== 400) throw err
      return await orderPage(req, reply, s, await loadOrder(req, s, orderNo), 422, { problem: err.message })
    }
    await audit(req, s, 'order.place', { subjectKind: 'order', subject: orderNo, details: { division: req.body.division } })
    return reply.code(303).header('location', `/portal/orders/${orderNo}?placed=${req.body.division}`).send()
  })

  // -------------------------------------------------------------------------------------------
  // lists

  api.get('/portal/orders', {
    schema: { hide: true, querystring: z.object({ tab: z.enum(ORDER_TABS).optional(), after: queryText(80).optional(), lang: queryText(8).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const prefix = townPrefix(s)
    const tab: OrderTab = req.query.tab ?? 'pending'
    const after = parseAfter(req.query.after)
    const states = tab === 'unplaced' ? undefined : TAB_STATES[tab]
    const filter: OrderListFilter = { townPrefix: prefix, limit: PAGE_SIZE, ...(states ? { states } : {}), ...(tab === 'unplaced' ? { unplaced: true } : {}), ...(after ? { after } : {}) }
    const items = await platform.orders.list(filter)
    await audit(req, s, 'order.list', { details: { tab, count: items.length } })
    const last = items.length === PAGE_SIZE ? items[items.length - 1] : undefined
    const next = last ? new URLSearchParams({ tab, after: `${last.receivedAt}~${last.orderNo}` }).toString() : undefined
    const villages = new Map(platform.config.towns.flatMap((town) => town.villages.map((v) => [v.code, v.name] as const)))
    return render(req, reply, s, (ctx) => ctx.t('order.listTitle'), (ctx) =>
      orderListBody(ctx, { tab, items, villages, now: Date.now(), next, paged: after !== undefined }))
  })
}

/** `after=<receivedAt>~<orderNo>`: the keyset of the previous page's last order. */
function parseAfter (after: string | undefined): OrderListFilter['after'] {
  if (!after) return undefined
  const [receivedAt, orderNo] = after.split('~')
  if (!receivedAt || !orderNo || Number.isNaN(Date.parse(receivedAt)) || !ORDER_NO.safeParse(orderNo).success) return undefined
  return { receivedAt, orderNo }
}
