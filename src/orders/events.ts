// The hotline's work-order events, from the inbox to the town's orders. Each stored webhook is read
// by the instance's adapter and applied in one transaction with the order it names:
// order.dispatched opens the order in its town and places it in a village (by division code, else
// by a village name in the address; else it waits in the town's queue for a person); a second
// dispatch of the same order is kept as an event and changes nothing. An event that comes before
// its order's dispatch (the hotline's queues race) is stored unapplied and applied when the dispatch
// comes. The hotline's event id is unique per instance, so a repeat is stored and applied once. An
// event that cannot be read is marked failed in the inbox with the reason (listed and replayable),
// never retried forever. A reopened order (重办) reopens the whistles blown from it.
import type { OrderEventIntake, OrderEventMessage } from '../adapter-sdk/index.ts'
import type { Config } from '../config/schema.ts'
import { isTongbanError, TongbanError } from '../errors.ts'
import type { Logger } from '../log.ts'
import type { HotlineOrder, OrderEventType } from '../model/order.ts'
import type { Db, Queryable } from '../store/db.ts'
import { claimInboxRows, finishInboxRows, unfinishedInboxRows, type InboxOutcome } from '../store/inbox.ts'
import {
  appendOrderEvent, insertOrder, lockOrder, markOrderEventApplied, updateOrder, waitingOrderEvents, type OrderActor, type OrderChange, type OrderRow,
} from '../store/orders.ts'

type Town = Config['towns'][number]

/** Answers no retry changes: the event, or the configuration, must be looked at. */
const FINAL_CODES: ReadonlySet<string> = new Set(['TB_WEBHOOK_BODY_INVALID', 'TB_ORDER_TOWN_UNKNOWN'])

export interface OrderEventDeps {
  db: Db
  intake: OrderEventIntake
  /** The hotline instance the events came through (the orders' answers go back through it). */
  instance: string
  /** The hotline as the events' actor. */
  actor: OrderActor
  /** The configured towns, and the instance's own (`adapters[].town`) if it names one. */
  towns: readonly Town[]
  town?: string | undefined
  /** Reopens the closed whistles blown from a reopened order; absent in a process without whistles. */
  whistles?: { reopenForOrder: (orderNo: string, reason: string) => Promise<void> } | undefined
  logger: Logger
  now?: () => Date
}

/** The town of a dispatched order: the instance's, else the only one, else the one its division code names. */
export function townOfOrder (towns: readonly Town[], own: string | undefined, order: HotlineOrder): Town | undefined {
  if (own !== undefined) return towns.find((t) => t.code === own)
  if (towns.length === 1) return towns[0]
  const code = order.divisionCode
  return code === undefined ? undefined : towns.find((t) => code.startsWith(t.code.slice(0, 9)))
}

/**
 * Where in the town an order belongs: a 12-digit division code under the town is that village
 * (the town's own code, or its 9 digits, the town itself); else the village whose name the address
 * gives (the longest name found, so 东安村 is not taken for 安村); else null, the town's queue.
 */
export function placeOrder (town: Town, order: HotlineOrder): string | null {
  const town9 = town.code.slice(0, 9)
  const code = order.divisionCode
  if (code === town9) return town.code
  if (code?.length === 12 && code.startsWith(town9)) return code
  const address = order.address ?? ''
  const named = [...town.villages].sort((a, b) => b.name.length - a.name.length).find((v) => address.includes(v.name))
  return named?.code ?? null
}

/** What a hotline event (other than a dispatch) changes of its order. */
export function changeOfEvent (type: OrderEventType, order: OrderRow, h: HotlineOrder): OrderChange {
  switch (type) {
    case 'order.dispatched': return {}
    case 'order.urged':
      // the hotline's count when it gives one; an extension's answer may come as a new reply deadline
      return { urgeCount: Math.max(order.urgeCount, h.urgeCount ?? order.urgeCount + 1), ...(h.replyDeadline ? { replyDeadline: h.replyDeadline } : {}) }
    case 'order.revisited':
      return { ...(h.revisit ? { revisit: h.revisit } : {}), ...(order.state === 'closed' || order.state === 'reopened' ? {} : { state: 'revisited' as const }) }
    case 'order.reopened':
      // 重办: the town signs and replies again, under the deadlines the hotline gives now
      return { state: 'reopened', signedAt: null, repliedAt: null, ...(h.signDeadline ? { signDeadline: h.signDeadline } : {}), ...(h.replyDeadline ? { replyDeadline: h.replyDeadline } : {}) }
    case 'order.closed':
      return { state: 'closed' }
  }
}

/** Why a reopened order is done again: the caller's word at the revisit when the hotline gives it. */
const reopenReason = (h: HotlineOrder): string => `12345 重办${h.revisit?.comment ? `：${h.revisit.comment}` : ''}`

/** Applies one event in one transaction; returns the orders whose whistles are to reopen. */
async function applyEvent (deps: OrderEventDeps, e: OrderEventMessage): Promise<Array<{ orderNo: string, reason: string }>> {
  const at = (deps.now?.() ?? new Date()).toISOString()
  const { orderNo } = e.order
  const stored = { orderNo, instance: deps.instance, eventId: e.eventId, type: e.type, at: e.time, actor: deps.actor, data: e.order }
  return await deps.db.transaction(async (tx) => {
    const order = await lockOrder(tx, orderNo)
    if (e.type === 'order.dispatched' && !order) return await dispatch(deps, tx, e, at)
    const id = await appendOrderEvent(tx, { ...stored, appliedAt: order ? at : null })
    if (id !== undefined && order) await updateOrder(tx, orderNo, changeOfEvent(e.type, order, e.order), at)
    // a repeat of a reopening asks again: reopening whistles is idempotent, and the first may have been cut short
    return order && e.type === 'order.reopened' ? [{ orderNo, reason: reopenReason(e.order) }] : []
  })
}

/** Opens the order, then applies the events that waited for it, in the order they happened. */
async function dispatch (deps: OrderEventDeps, tx: Queryable, e: OrderEventMessage, at: string): Promise<Array<{ orderNo: string, reason: string }>> {
  const h = e.order
  const town = townOfOrder(deps.towns, deps.town, h)
  if (!town) throw new TongbanError('TB_ORDER_TOWN_UNKNOWN', [h.orderNo, deps.instance, h.divisionCode ?? '(none)'])
  await insertOrder(tx, { orderNo: h.orderNo, instance: deps.instance, town: town.code, division: placeOrder(town, h), order: h, at })
  await appendOrderEvent(tx, { orderNo: h.orderNo, instance: deps.instance, eventId: e.eventId, type: e.type, at: e.time, actor: deps.actor, data: h, appliedAt: at })
  const reopened: Array<{ orderNo: string, reason: string }> = []
  for (const waiting of await waitingOrderEvents(tx, h.orderNo)) {
    const order = (await lockOrder(tx, h.orderNo))!
    const type = waiting.type as OrderEventType
    await updateOrder(tx, h.orderNo, changeOfEvent(type, order, waiting.data as HotlineOrder), at)
    await markOrderEventApplied(tx, waiting.id, at)
    if (type === 'order.reopened') reopened.push({ orderNo: h.orderNo, reason: reopenReason(waiting.data as HotlineOrder) })
  }
  return reopened
}

async function applyOne (deps: OrderEventDeps, body: Buffer): Promise<InboxOutcome> {
  let event: OrderEventMessage | undefined
  try {
    event = deps.intake.parse(body)
    for (const r of await applyEvent(deps, event)) await deps.whistles?.reopenForOrder(r.orderNo, r.reason)
    return { status: 'done', ok: 1, quarantined: 0 }
  } catch (err) {
    if (!isTongbanError(err) || !FINAL_CODES.has(err.code)) throw err
    deps.logger.error({ adapter: deps.instance, eventId: event?.eventId, orderNo: event?.order.orderNo, type: event?.type, code: err.code, err: err.message }, 'order event not applied; kept in the inbox as failed')
    return { status: 'failed', ok: 0, quarantined: 0, error: `${err.code}: ${err.message}` }
  }
}

/** Applies the stored events `inboxIds` not yet finished, each once; a passing fault (the database) is thrown for the job to retry. */
export async function applyOrderEvents (deps: OrderEventDeps, inboxIds: readonly number[]): Promise<void> {
  for (const row of await unfinishedInboxRows(deps.db, inboxIds)) {
    const outcome = await applyOne(deps, row.body)
    await deps.db.transaction(async (tx) => {
      if ((await claimInboxRows(tx, [row.id])).length > 0) await finishInboxRows(tx, [{ id: row.id, ...outcome }])
    })
  }
}
