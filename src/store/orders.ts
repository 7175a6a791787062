// Work orders (工单) in the store (migration 016): the order as the town holds it, its events (the
// hotline's and the town's answers, append-only in practice: only a waiting event's applied_at is
// ever set), the listing the town reads and the whistles an order started. Nothing here decides
// what an order may do (src/orders/).
import type { Queryable } from './db.ts'
import type { HotlineOrder, OrderState, Revisit } from '../model/order.ts'

export interface OrderRow {
  orderNo: string
  instance: string
  town: string
  division: string | null
  placedBy: string | null
  state: OrderState
  category: string | null
  kind: string | null
  channel: string | null
  title: string | null
  content: string | null
  address: string | null
  citizen: HotlineOrder['citizen'] | null
  anonymous: boolean
  dispatchTime: string | null
  signDeadline: string | null
  replyDeadline: string | null
  urgeCount: number
  revisit: Revisit | null
  receivedAt: string
  signedAt: string | null
  repliedAt: string | null
  version: number
  updatedAt: string
}

export interface OrderActor { kind: string, id: string, name: string }

export interface OrderEventRow {
  id: number
  orderNo: string
  eventId: string | null
  type: string
  at: string
  actor: OrderActor
  data: Record<string, unknown>
  appliedAt: string | null
}

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString()
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v))

const ORDER_COLUMNS = `order_no, instance, town, division, placed_by, state, category, kind, channel, title, content, address, citizen, anonymous,
  dispatch_time, sign_deadline, reply_deadline, urge_count, revisit, received_at, signed_at, replied_at, version, updated_at`

function toOrder (r: Record<string, unknown>): OrderRow {
  return {
    orderNo: r.order_no as string,
    instance: r.instance as string,
    town: r.town as string,
    division: (r.division ?? null) as string | null,
    placedBy: (r.placed_by ?? null) as string | null,
    state: r.state as OrderState,
    category: (r.category ?? null) as string | null,
    kind: (r.kind ?? null) as string | null,
    channel: (r.channel ?? null) as string | null,
    title: (r.title ?? null) as string | null,
    content: (r.content ?? null) as string | null,
    address: (r.address ?? null) as string | null,
    citizen: (r.citizen ?? null) as OrderRow['citizen'],
    anonymous: r.anonymous as boolean,
    dispatchTime: isoOrNull(r.dispatch_time),
    signDeadline: isoOrNull(r.sign_deadline),
    replyDeadline: isoOrNull(r.reply_deadline),
    urgeCount: r.urge_count as number,
    revisit: (r.revisit ?? null) as Revisit | null,
    receivedAt: iso(r.received_at),
    signedAt: isoOrNull(r.signed_at),
    repliedAt: isoOrNull(r.replied_at),
    version: r.version as number,
    updatedAt: iso(r.updated_at),
  }
}

function toEvent (r: Record<string, unknown>): OrderEventRow {
  return {
    id: Number(r.id),
    orderNo: r.order_no as string,
    eventId: (r.event_id ?? null) as string | null,
    type: r.type as string,
    at: iso(r.at),
    actor: r.actor as OrderActor,
    data: r.data as Record<string, unknown>,
    appliedAt: isoOrNull(r.applied_at),
  }
}

/** A dispatched order, new: false when the order number is already held (a second dispatch changes nothing). */
export async function insertOrder (tx: Queryable, o: { orderNo: string, instance: string, town: string, division: string | null, order: HotlineOrder, at: string }): Promise<boolean> {
  const h = o.order
  const { rows } = await tx.query(
    `INSERT INTO orders (order_no, instance, town, division, state, category, kind, channel, title, content, address, citizen, anonymous,
       dispatch_time, sign_deadline, reply_deadline, urge_count, body, received_at, updated_at)
     VALUES ($1, $2, $3, $4, 'dispatched', $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15, $16, $17::jsonb, $18, $18)
     ON CONFLICT (order_no) DO NOTHING RETURNING order_no`,
    [o.orderNo, o.instance, o.town, o.division, h.category ?? null, h.kind ?? null, h.channel ?? null, h.title ?? null, h.content ?? null, h.address ?? null,
      h.citizen ? JSON.stringify(h.citizen) : null, h.anonymous, h.dispatchTime ?? null, h.signDeadline ?? null, h.replyDeadline ?? null, h.urgeCount ?? 0,
      JSON.stringify(h), o.at])
  return rows.length > 0
}

export async function getOrder (db: Queryable, orderNo: string): Promise<OrderRow | undefined> {
  const { rows } = await db.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_no = $1`, [orderNo])
  return rows[0] && toOrder(rows[0])
}

/** The order, locked until the transaction ends: one change of an order at a time. */
export async function lockOrder (tx: Queryable, orderNo: string): Promise<OrderRow | undefined> {
  const { rows } = await tx.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_no = $1 FOR UPDATE`, [orderNo])
  return rows[0] && toOrder(rows[0])
}

/** What an event or an answer changes of an order (the columns named; `body`: the order as last received). */
export interface OrderChange {
  state?: OrderState
  urgeCount?: number
  replyDeadline?: string
  signDeadline?: string
  revisit?: Revisit
  signedAt?: string | null
  repliedAt?: string | null
  division?: string
  placedBy?: string
  body?: HotlineOrder
}

const CHANGE_COLUMNS: Record<keyof OrderChange, string> = {
  state: 'state', urgeCount: 'urge_count', replyDeadline: 'reply_deadline', signDeadline: 'sign_deadline', revisit: 'revisit',
  signedAt: 'signed_at', repliedAt: 'replied_at', division: 'division', placedBy: 'placed_by', body: 'body',
}
const JSON_COLUMNS: ReadonlySet<string> = new Set(['revisit', 'body'])

/** Writes the change with a new version; a change of nothing (a second dispatch) writes nothing. */
export async function updateOrder (tx: Queryable, orderNo: string, change: OrderChange, at: string): Promise<void> {
  const sets: string[] = []
  const params: unknown[] = [orderNo, at]
  for (const [key, value] of Object.entries(change) as Array<[keyof OrderChange, unknown]>) {
    if (value === undefined) continue
    const column = CHANGE_COLUMNS[key]
    params.push(JSON_COLUMNS.has(column) ? JSON.stringify(value) : value)
    sets.push(`${column} = $${params.length}${JSON_COLUMNS.has(column) ? '::jsonb' : ''}`)
  }
  if (sets.length === 0) return
  await tx.query(`UPDATE orders SET ${[...sets, 'version = version + 1', 'updated_at = $2'].join(', ')} WHERE order_no = $1`, params)
}

/**
 * One event of an order; a hotline event whose id is already stored for the instance is not
 * stored again: undefined then. `appliedAt` null: waiting for its order.
 */
export async function appendOrderEvent (tx: Queryable, e: { orderNo: string, instance: string, eventId: string | null, type: string, at: string, actor: OrderActor, data: unknown, appliedAt: string | null }): Promise<number | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO order_events (order_no, instance, event_id, type, at, actor, data, applied_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8)
     ON CONFLICT (instance, event_id) WHERE event_id IS NOT NULL DO NOTHING RETURNING id`,
    [e.orderNo, e.instance, e.eventId, e.type, e.at, JSON.stringify(e.actor), JSON.stringify(e.data ?? {}), e.appliedAt])
  return rows[0] ? Number(rows[0].id) : undefined
}

/** Hotline events that arrived before their order, in the order they happened. */
export async function waitingOrderEvents (tx: Queryable, orderNo: string): Promise<OrderEventRow[]> {
  const { rows } = await tx.query(
    'SELECT id, order_no, event_id, type, at, actor, data, applied_at FROM order_events WHERE order_no = $1 AND applied_at IS NULL ORDER BY at, id', [orderNo])
  return rows.map(toEvent)
}

export async function markOrderEventApplied (tx: Queryable, id: number, at: string): Promise<void> {
  await tx.query('UPDATE order_events SET applied_at = $2 WHERE id = $1 AND applied_at IS NULL', [id, at])
}

export async function orderEvents (db: Queryable, orderNo: string): Promise<OrderEventRow[]> {
  const { rows } = await db.query('SELECT id, order_no, event_id, type, at, actor, data, applied_at FROM order_events WHERE order_no = $1 ORDER BY id', [orderNo])
  return rows.map(toEvent)
}

export interface OrderListFilter {
  /** Orders of towns under this division prefix. */
  townPrefix: string
  states?: OrderState[]
  /** Only the orders waiting in the town's queue for a person to place them. */
  unplaced?: boolean
  /** Part of the order number, title or address. */
  q?: string
  after?: { receivedAt: string, orderNo: string }
  limit: number
}

export type OrderListRow = Pick<OrderRow, 'orderNo' | 'town' | 'division' | 'state' | 'category' | 'kind' | 'title' | 'address' | 'dispatchTime' | 'signDeadline' | 'replyDeadline' | 'urgeCount' | 'receivedAt' | 'signedAt' | 'repliedAt'>

/** Newest first, keyset-paged by (received_at, order_no). */
export async function listOrders (db: Queryable, f: OrderListFilter): Promise<OrderListRow[]> {
  // A town's staff ask for one town: equality lets the (town, received_at) index give the order.
  const [where, params]: [string[], unknown[]] = f.townPrefix.length >= 9
    ? [['town = $1'], [f.townPrefix.padEnd(12, '0')]]
    : [['town BETWEEN $1 AND $2'], [f.townPrefix.padEnd(12, '0'), f.townPrefix.padEnd(12, '9')]]
  const add = (sql: string, value: unknown): void => { params.push(value); where.push(sql.replaceAll('?', `$${params.length}`)) }
  if (f.states?.length) add('state = ANY(?::text[])', f.states)
  if (f.unplaced) where.push('division IS NULL')
  if (f.q) add("(order_no ILIKE ? OR title ILIKE ? OR address ILIKE ?)", `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
  if (f.after) {
    params.push(f.after.receivedAt, f.after.orderNo)
    where.push(`(received_at, order_no) < ($${params.length - 1}::timestamptz, $${params.length})`)
  }
  params.push(f.limit)
  const { rows } = await db.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE ${where.join(' AND ')} ORDER BY received_at DESC, order_no DESC LIMIT $${params.length}`, params)
  return rows.map((r) => {
    const o = toOrder(r)
    return {
      orderNo: o.orderNo, town: o.town, division: o.division, state: o.state, category: o.category, kind: o.kind, title: o.title, address: o.address,
      dispatchTime: o.dispatchTime, signDeadline: o.signDeadline, replyDeadline: o.replyDeadline, urgeCount: o.urgeCount, receivedAt: o.receivedAt,
      signedAt: o.signedAt, repliedAt: o.repliedAt,
    }
  })
}

export interface OrderWhistle { id: string, state: string, type: string, title: string, blownAt: string, closedAt: string | null }

/** The whistles blown from an order (source kind `order`), oldest first. */
export async function whistlesOfOrder (db: Queryable, orderNo: string): Promise<OrderWhistle[]> {
  const { rows } = await db.query(
    "SELECT id, state, type, title, blown_at, closed_at FROM whistles WHERE source_kind = 'order' AND source_id = $1 ORDER BY blown_at, id", [orderNo])
  return rows.map((r) => ({ id: r.id as string, state: r.state as string, type: r.type as string, title: r.title as string, blownAt: iso(r.blown_at), closedAt: isoOrNull(r.closed_at) }))
}
