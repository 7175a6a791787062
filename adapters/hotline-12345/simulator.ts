// A simulator of the city's 12345 hotline (spec: /work/shared/departments/hotline-12345.md): the
// token call (2-hour bearer tokens), the five answers with the order's state machine and the
// spec's errCodes (E_STATE, E_DEADLINE for a return after 2 working days, E_AUTH, E_LIMIT over 10
// requests per second), and the work orders it dispatches to the town as Standard Webhooks (v1)
// with production's quirks: an urge before its dispatch, the same order dispatched twice, about 1
// in 10 without a division code; after the town's reply, the revisit (回访), the closing and now
// and then a reopening (重办) of an order whose caller was dissatisfied.
import type { RunningSimulator } from '../../src/adapter-sdk/index.ts'
import {
  FaultInjector, jsonAnswer, pad, seeded, startSimServer, webhookSender,
  type FaultUpdate, type SimAnswer, type SimRequest, type Subscriber, type WebhookSender,
} from '../../src/adapter-sdk/testkit/index.ts'
import { ORDER_ANSWERS, type OrderAnswer, type OrderEventType } from '../../src/model/order.ts'
import { randomBytes } from 'node:crypto'
import { addWorkingDays, deadlinesOf, draftOrder, type OrderDraft } from './data.ts'
import { EXAMPLE_ORDERS } from './operations.ts'
import { WIRE_TIME } from './codes.ts'

const TOKEN_TTL_SECONDS = 7200
/** 退单 only within this many working days of dispatch. */
const RETURN_WORKING_DAYS = 2

/** The hotline's own one-shot faults: its errCodes. */
export const BUSINESS_FAULTS = ['E_STATE', 'E_DEADLINE', 'E_AUTH', 'E_LIMIT'] as const

export interface Client { clientId: string, clientSecret: string }

export interface SimulatorOptions {
  /** Seeds the orders, the revisits and the quirks. Default 1. */
  seed?: number
  port?: number
  host?: string
  /** Clients allowed a token. Default `hotline-town-320412120` with `hotline-demo-secret`. */
  clients?: Client[]
  /** The simulator's clock (epoch ms): tokens, rate, deadlines, event times. Default Date.now. */
  now?: () => number
  /** Where work orders go (Standard Webhooks, `v1`, signed with the whsec_ secret); none without it. */
  webhook?: Subscriber
  /** A new order every so many ms; 0 (the default here) only on demand (`dispatch`). */
  orderEveryMs?: number
  /** Share of orders dispatched twice. Default 0.05. */
  duplicateRate?: number
  /** Share of orders whose first urge comes before their dispatch. Default 0.05. */
  urgeFirstRate?: number
  /** Share of dissatisfied (≤ 2) closed orders reopened. Default 0.5. */
  reopenRate?: number
  /** Pause after a reply before the revisit, and after the revisit before closing. Default 60000. */
  revisitAfterMs?: number
  /** Requests per second per client before E_LIMIT; 0 turns the limit off. Default 10 (spec). */
  rateLimitPerSecond?: number
  /** Retries of a failed order delivery (the sender's schedule). */
  retryScheduleMs?: readonly number[]
}

export type OrderState = 'dispatched' | 'signed' | 'returned' | 'replied' | 'revisited' | 'closed' | 'reopened'

/** The answers and where each may be given from; `to` absent: the state stays. */
export const TRANSITIONS: Readonly<Record<OrderAnswer, { from: readonly OrderState[], to?: OrderState }>> = {
  sign: { from: ['dispatched', 'reopened'], to: 'signed' },
  return: { from: ['signed'], to: 'returned' },
  extend: { from: ['signed'] },
  progress: { from: ['signed'] },
  reply: { from: ['signed'], to: 'replied' },
}

/** One answer the hotline took, as received; `late` for a reply after the reply deadline. */
export interface ReceivedAnswer { action: OrderAnswer, body: Record<string, unknown>, at: number, late: boolean }

/** The hotline's view of one order. */
export interface OrderView {
  orderNo: string
  state: OrderState
  kind: string
  dispatchedAt: number
  signDeadline: number
  replyDeadline: number
  urgeCount: number
  answers: ReceivedAnswer[]
  revisit?: { contacted: boolean, solved: boolean, satisfied: number, comment: string }
  reopened: number
}

export interface SentEvent { eventId: string, type: OrderEventType, orderNo: string, body: Record<string, unknown> }

export interface HotlineSimulator extends RunningSimulator {
  readonly seed: number
  failNext: (...kinds: string[]) => void
  /** Dispatch a new order now (sent when a subscriber is set); `draft` overrides generated fields, `dispatchedAt` backdates it. */
  dispatch: (overrides?: Partial<OrderDraft> & { dispatchedAt?: number }) => OrderView
  /** The order as the hotline holds it, or undefined. */
  order: (orderNo: string) => OrderView | undefined
  /** Order events sent so far, in the order they were generated. */
  events: () => readonly SentEvent[]
  /** Resolves once every scheduled order event is delivered or given up. */
  settled: () => Promise<void>
  /** Forget every token issued: the next call with one is answered E_AUTH. */
  revokeTokens: () => void
  setWebhook: (subscriber: Subscriber | undefined) => void
  webhookStats: () => ReturnType<WebhookSender['stats']>
  stats: () => { tokens: number, requests: Record<string, { calls: number, outcomes: Record<string, number> }>, webhooks: ReturnType<WebhookSender['stats']> }
}

const MESSAGES: Record<string, string> = {
  E_STATE: '工单当前状态不允许该操作',
  E_DEADLINE: '已超过办理时限',
  E_AUTH: '令牌无效或已过期',
  E_LIMIT: '请求过于频繁',
  E_PARAM: '参数错误',
}

const ok = (): SimAnswer => jsonAnswer({ success: true }, 200, 'ok')
const refuse = (errCode: string, detail?: string): SimAnswer =>
  jsonAnswer({ success: false, errCode, errMsg: detail ? `${MESSAGES[errCode] ?? '错误'}：${detail}` : MESSAGES[errCode] ?? '错误' }, 200, errCode)

const wire = (epochMs: number): string => WIRE_TIME.format(new Date(epochMs))

/** JSON with sorted keys: a repeated answer is the same whatever its key order. */
function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

type Body = Record<string, unknown>
const text = (b: Body, field: string, max: number): string | undefined =>
  typeof b[field] !== 'string' || (b[field] as string).trim() === '' ? `${field} 必填` : (b[field] as string).length > max ? `${field} 过长` : undefined
const time = (b: Body): string | undefined => typeof b.time === 'string' && WIRE_TIME.parse(b.time) !== undefined ? undefined : 'time 应为 YYYY-MM-DD HH:mm:ss'

/** Each answer's body as the hotline checks it: the first problem, or undefined. */
const CHECKS: Readonly<Record<OrderAnswer, (b: Body) => string | undefined>> = {
  sign: (b) => text(b, 'signer', 100) ?? time(b),
  return: (b) => text(b, 'reason', 2000) ?? time(b),
  extend: (b) => text(b, 'reason', 2000) ?? (Number.isInteger(b.days) && (b.days as number) >= 1 && (b.days as number) <= 10 ? undefined : 'days 应为 1-10 的整数') ?? time(b),
  progress: (b) => text(b, 'text', 4000) ?? time(b),
  reply: (b) => (['1', '2', '3', 1, 2, 3].includes(b.result as string) ? undefined : 'result 应为 1、2、3') ?? text(b, 'text', 4000) ?? text(b, 'handler', 100) ?? time(b) ??
    (b.attachments === undefined || (Array.isArray(b.attachments) && b.attachments.every((a: unknown) => typeof a === 'object' && a !== null && typeof (a as Body).name === 'string' && /^[0-9a-f]{64}$/.test(String((a as Body).sha256))))
      ? undefined
      : 'attachments 应为 [{name, sha256}]'),
}

const COMMENTS: Readonly<Record<number, readonly string[]>> = {
  1: ['问题根本没解决，只打了个电话', '没人来看过，敷衍了事'],
  2: ['来看过了，但问题还在', '处理太慢，拖了好几天'],
  3: ['基本解决了，希望不要反复', '解决了一部分'],
  4: ['已经处理好了，谢谢', '处理比较及时'],
  5: ['处理很快，态度很好，非常满意', '当天就解决了，感谢镇里'],
}

export async function startSimulator (opts: SimulatorOptions = {}): Promise<HotlineSimulator> {
  const seed = opts.seed ?? 1
  const now = opts.now ?? Date.now
  const secrets = new Map((opts.clients ?? [{ clientId: 'hotline-town-320412120', clientSecret: 'hotline-demo-secret' }]).map((c) => [c.clientId, c.clientSecret]))
  const rateLimit = opts.rateLimitPerSecond ?? 10
  const duplicateRate = opts.duplicateRate ?? 0.05
  const urgeFirstRate = opts.urgeFirstRate ?? 0.05
  const reopenRate = opts.reopenRate ?? 0.5
  const revisitAfterMs = opts.revisitAfterMs ?? 60_000
  const faults = new FaultInjector({ seed, kinds: BUSINESS_FAULTS })
  const quirks = seeded(seed, 0, 1202)
  const opinions = seeded(seed, 0, 1203)
  const sender = webhookSender({ scheme: 'v1', now, ...(opts.webhook ? { subscriber: opts.webhook } : {}), ...(opts.retryScheduleMs ? { retryScheduleMs: opts.retryScheduleMs } : {}) })

  const tokens = new Map<string, { clientId: string, expiresAt: number }>()
  const windows = new Map<string, number[]>()
  const orders = new Map<string, OrderView>()
  const sent: SentEvent[] = []
  const timers = new Set<NodeJS.Timeout>()
  let pendingEvents = 0
  let waiters: Array<() => void> = []
  let eventSeq = 0
  let drafted = 0
  // A daily sequence as the hotline numbers orders, started at the second of the day so that a
  // restarted simulator does not hand out the numbers of orders it dispatched before.
  const startedAt = now()
  let sequence = Math.floor(((startedAt + 8 * 3_600_000) % 86_400_000) / 1000)

  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => { timers.delete(timer); fn() }, ms)
    timers.add(timer)
  }

  // Order events go out one after another, each once the one before it is delivered or given up.

  function event (type: OrderEventType, view: OrderView, order: Body): SentEvent {
    eventSeq++
    // random as well as counted: the gateway keeps webhook ids, and a restarted simulator's must be new
    const eventId = `evt_${seed}_${randomBytes(4).toString('hex')}_${pad(eventSeq, 8)}`
    return { eventId, type, orderNo: view.orderNo, body: { eventId, type, time: wire(now()), order: { orderNo: view.orderNo, ...order } } }
  }

  /**
   * Runs the steps one after another, `gapMs` apart after each delivery, sending what each makes (a
   * step may make nothing). Without a subscriber the steps still run: the hotline's view of its
   * orders moves on whether or not anyone listens.
   */
  function chain (steps: ReadonlyArray<{ gapMs: number, make: () => SentEvent | undefined }>): void {
    pendingEvents++
    const next = (i: number): void => {
      if (i >= steps.length) {
        if (--pendingEvents === 0) { const w = waiters; waiters = []; for (const f of w) f() }
        return
      }
      later(steps[i]!.gapMs, () => {
        const e = steps[i]!.make()
        if (!e || !sender.subscriber) { next(i + 1); return }
        sent.push(e)
        sender.deliver(e.eventId, Buffer.from(JSON.stringify(e.body)), () => { next(i + 1) })
      })
    }
    next(0)
  }

  function dispatch (overrides: Partial<OrderDraft> & { dispatchedAt?: number } = {}): OrderView {
    const { dispatchedAt = now(), ...draftOverrides } = overrides
    const draft = { ...draftOrder(seed, drafted++), ...draftOverrides }
    const day = WIRE_TIME.format(new Date(dispatchedAt)).slice(0, 10).replaceAll('-', '')
    const orderNo = `GD${day}${pad(sequence++ % 100_000, 5)}`
    const deadlines = deadlinesOf(draft.kind, dispatchedAt)
    const { citizen, anonymous, ...rest } = draft
    const order: Body = {
      ...rest,
      ...(anonymous ? { anonymous: true } : { citizen }),
      dispatchTime: wire(dispatchedAt),
      signDeadline: wire(deadlines.sign),
      replyDeadline: wire(deadlines.reply),
    }
    const view = { orderNo, state: 'dispatched' as OrderState, kind: draft.kind, dispatchedAt, signDeadline: deadlines.sign, replyDeadline: deadlines.reply, urgeCount: 0, answers: [], reopened: 0 }
    orders.set(orderNo, view)
    const urge = (): SentEvent => event('order.urged', view, { urgeCount: ++view.urgeCount })
    const dispatched = (): SentEvent => event('order.dispatched', view, order)
    const steps = [{ gapMs: 0, make: dispatched }]
    // the quirks: an urge overtaking its dispatch (different queues), and an order dispatched twice
    if (quirks() < urgeFirstRate) steps.unshift({ gapMs: 0, make: urge })
    if (quirks() < duplicateRate) steps.push({ gapMs: 1000, make: dispatched })
    chain(steps)
    return view
  }

  /** After the reply: the revisit, the closing, and for a dissatisfied caller now and then a reopening. */
  function followUp (view: OrderView, result: string): void {
    const solved = result === '1' && opinions() < 0.9
    const satisfied = solved ? (opinions() < 0.7 ? 5 : 4) : 1 + Math.floor(opinions() * 3)
    const revisit = { contacted: opinions() < 0.95, solved, satisfied, comment: COMMENTS[satisfied]![Math.floor(opinions() * 2)]! }
    const reopen = satisfied <= 2 && opinions() < reopenRate
    /** Moves the order on unless it left `from` meanwhile (a test answered it, say): then nothing more is said of it. */
    const apply = (from: OrderState, to: OrderState, change?: () => void): boolean => {
      if (view.state !== from) return false
      change?.()
      view.state = to
      return true
    }
    const steps = [
      { gapMs: revisitAfterMs, make: () => apply('replied', 'revisited', () => { view.revisit = revisit }) ? event('order.revisited', view, { revisit }) : undefined },
      { gapMs: revisitAfterMs, make: () => apply('revisited', 'closed') ? event('order.closed', view, {}) : undefined },
    ]
    if (reopen) {
      steps.push({
        gapMs: revisitAfterMs,
        make: () => {
          const at = now()
          const deadlines = deadlinesOf(view.kind, at)
          if (!apply('closed', 'reopened', () => { view.reopened++; view.signDeadline = deadlines.sign; view.replyDeadline = deadlines.reply })) return undefined
          return event('order.reopened', view, { signDeadline: wire(deadlines.sign), replyDeadline: wire(deadlines.reply) })
        },
      })
    }
    chain(steps)
  }

  /** An extension (延期申请) is answered later by an urge: with a new reply deadline when granted, without when refused. */
  function answerExtension (view: OrderView, days: number): void {
    const granted = opinions() < 0.7
    chain([{
      gapMs: Math.max(1, Math.floor(revisitAfterMs / 4)),
      make: () => {
        if (granted) view.replyDeadline = addWorkingDays(view.replyDeadline, days)
        return event('order.urged', view, { urgeCount: ++view.urgeCount, replyDeadline: wire(view.replyDeadline) })
      },
    }])
  }

  // The API: the token call and the five answers.

  function issueToken (req: SimRequest): SimAnswer {
    let body: Body
    try { body = req.json() } catch { return refuse('E_PARAM', '请求体应为 JSON 对象') }
    const { clientId, clientSecret } = body
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string' || secrets.get(clientId) !== clientSecret) return refuse('E_AUTH', 'clientId 或 clientSecret 错误')
    const token = randomBytes(24).toString('base64url')
    for (const [k, v] of tokens) if (v.expiresAt <= now()) tokens.delete(k)
    tokens.set(token, { clientId, expiresAt: now() + TOKEN_TTL_SECONDS * 1000 })
    return jsonAnswer({ success: true, token, expiresIn: TOKEN_TTL_SECONDS }, 200, 'ok')
  }

  function clientOf (req: SimRequest): string | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    const token = m ? tokens.get(m[1]!) : undefined
    if (!token || token.expiresAt <= now()) return undefined
    return token.clientId
  }

  function limited (clientId: string): boolean {
    if (rateLimit <= 0) return false
    const t = now()
    let w = windows.get(clientId)
    if (!w) windows.set(clientId, w = [])
    while (w.length > 0 && w[0]! <= t - 1000) w.shift()
    if (w.length >= rateLimit) return true
    w.push(t)
    return false
  }

  function act (req: SimRequest): SimAnswer {
    if (req.fault !== undefined) return refuse(req.fault)
    const client = clientOf(req)
    if (client === undefined) return refuse('E_AUTH')
    if (limited(client)) return refuse('E_LIMIT')
    const action = req.params.action as OrderAnswer
    if (!(ORDER_ANSWERS as readonly string[]).includes(action)) return jsonAnswer({ success: false, errCode: 'E_PARAM', errMsg: `未知操作 ${action}` }, 404, 'unknown')
    let body: Body
    try { body = req.json() } catch { return refuse('E_PARAM', '请求体应为 JSON 对象') }
    const problem = CHECKS[action](body)
    if (problem) return refuse('E_PARAM', problem)
    const view = orders.get(req.params.orderNo!)
    if (!view) return refuse('E_STATE', `工单 ${req.params.orderNo!} 不存在`)
    // a retried call (the same answer again) is taken again, changing nothing
    if (view.answers.some((a) => a.action === action && canonical(a.body) === canonical(body))) return ok()
    const rule = TRANSITIONS[action]
    if (!rule.from.includes(view.state)) return refuse('E_STATE', `工单状态为 ${view.state}，不能${action}`)
    const t = now()
    if (action === 'return' && t > addWorkingDays(view.dispatchedAt, RETURN_WORKING_DAYS)) return refuse('E_DEADLINE', '退单须在派单后2个工作日内')
    view.answers.push({ action, body, at: t, late: action === 'reply' && t > view.replyDeadline })
    if (rule.to) view.state = rule.to
    if (action === 'reply') followUp(view, String(body.result))
    if (action === 'extend') answerExtension(view, body.days as number)
    return ok()
  }

  // The orders the conformance kit's examples answer (operations.ts): one dispatched, one signed.
  for (const [orderNo, state] of [[EXAMPLE_ORDERS.dispatched, 'dispatched'], [EXAMPLE_ORDERS.signed, 'signed']] as const) {
    const deadlines = deadlinesOf('2', startedAt)
    orders.set(orderNo, { orderNo, state, kind: '2', dispatchedAt: startedAt, signDeadline: deadlines.sign, replyDeadline: deadlines.reply, urgeCount: 0, answers: [], reopened: 0 })
  }

  const routes = {
    'POST /api/orders/:orderNo/:action': { handler: act, faults: 'all' as const },
  }
  const server = await startSimServer({
    port: opts.port,
    host: opts.host,
    faults,
    routes: {
      ...routes,
      'POST /api/token': { handler: issueToken, faults: 'outage' },
      'GET /healthz': () => jsonAnswer({ status: 'ok', orders: orders.size }),
      'GET /_sim/stats': () => jsonAnswer(stats()),
      'POST /_sim/faults': (req) => jsonAnswer(faults.set(req.json() as FaultUpdate)),
      'POST /_sim/dispatch': () => jsonAnswer(viewOf(dispatch())),
      'GET /_sim/orders/:orderNo': (req) => {
        const view = orders.get(req.params.orderNo!)
        return view ? jsonAnswer(viewOf(view)) : jsonAnswer({ error: 'no such order' }, 404)
      },
    },
  })

  /** A copy: a test reading the view cannot change the hotline's order. */
  const viewOf = (view: OrderView): OrderView => structuredClone(view)

  function stats (): ReturnType<HotlineSimulator['stats']> {
    return { tokens: tokens.size, requests: Object.fromEntries(['POST /api/token', ...Object.keys(routes)].map((key) => [key, server.calls(key)])), webhooks: sender.stats() }
  }

  const every = opts.orderEveryMs ?? 0
  const ticker = every > 0 ? setInterval(() => { dispatch() }, every) : undefined

  return {
    url: server.url,
    seed,
    failNext: (...kinds) => { faults.failNext(...kinds) },
    dispatch: (overrides) => viewOf(dispatch(overrides)),
    order: (orderNo) => { const view = orders.get(orderNo); return view ? viewOf(view) : undefined },
    events: () => sent,
    emit: () => viewOf(dispatch()),
    settled: async () => {
      if (pendingEvents > 0) await new Promise<void>((resolve) => { waiters.push(resolve) })
      await sender.settled()
    },
    revokeTokens: () => { tokens.clear() },
    setWebhook: (subscriber) => { sender.setSubscriber(subscriber) },
    webhookStats: sender.stats,
    stats,
    async close () {
      if (ticker) clearInterval(ticker)
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      const w = waiters; waiters = []; for (const f of w) f()
      await sender.close()
      await server.close()
    },
  }
}
