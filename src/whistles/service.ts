// Blowing whistles and moving them: each change is one transaction holding the whistle's new
// state, its event, the clocks it starts, moves or stops (the rungs of deadline_rungs) and the
// outbox rows it owes (the departments' systems, the hotline's reply), so a step is fully taken or
// not at all. The state machine (machine.ts) decides; the whistle row's lock (and its version)
// makes a close and a department's answer take turns: one wins, the other meets the new state.
// Who may: town actions need whistles:lead; a department's answers need whistles:answer and come
// from that department only; blowing needs whistles:blow.
import type { Db, Queryable } from '../store/db.ts'
import { TongbanError } from '../errors.ts'
import { can, divisionPrefix } from '../auth/access.ts'
import type { Principal } from '../auth/principal.ts'
import type { WorkingCalendar } from '../calendar/calendar.ts'
import { beijingToday } from '../calendar/days.ts'
import type { WhistlesConfig } from '../config/whistles.ts'
import {
  DEPARTMENT_ACTIONS, type BlowInput, type ClockName, type DepartmentAction, type RungView, type TownAction, type Whistle,
  type WhistleActor, type WhistleEvent, type WhistleTransitionInput, type WhistleType,
} from '../model/whistle.ts'
import { addOutbox, type OutboxCall } from '../store/outbox.ts'
import {
  appendWhistleEvent, eventOfRequest, getWhistle, insertWhistle, listWhistles, lockWhistle, moveActiveTargets, nextWhistleSequence,
  orderForWhistle, riskPlace, summonTargets, updateTarget, updateWhistle, whistleDeliveries, whistleEvents, whistleOfBlowRequest, whistleTargets,
  whistlesOfSource, type DeliveryRow, type NewWhistleEvent, type TargetChange, type TargetRow, type WhistleChange, type WhistleListFilter,
  type WhistleListItem, type WhistleRow,
} from '../store/whistles.ts'
import { armRungs, deadlinesInForce, resumeRungs, rungsOf, stopRungs, type RungRow } from '../store/rungs.ts'
import { replyForClosedWhistle } from '../orders/answers.ts'
import { clockWindow, deadlinesOf, targetClocks, type ClockWindow } from './clocks.ts'
import { decideDepartment, decideTown, departmentActions, townActions, type Refusal } from './machine.ts'
import { departmentProblem, departmentsFor, routingOf } from './routing.ts'
import { departmentNotices, type Deadlines, type Notice } from './notices.ts'

export interface WhistleServiceDeps {
  db: Db
  config: () => WhistlesConfig
  calendar: () => WorkingCalendar
  now?: () => Date
}

/** What a caller may see: a division prefix, and for a department's principal only the whistles summoning it. */
export interface WhistleScope { prefix: string, department?: string }

export interface WhistleView {
  whistle: Whistle
  events: WhistleEvent[]
  rungs: RungView[]
  /** The work order a whistle from an order answers, with the hotline's revisit (回访) once it came. */
  order: { orderNo: string, revisit: unknown } | null
  /** Its outbox rows: to the departments' systems and the hotline. `delivered` false: pending or dead (the portal shows them undelivered). */
  deliveries: Array<DeliveryRow & { delivered: boolean }>
  /** What the viewer may do now. */
  allowed: string[]
}

const SYSTEM: WhistleActor = { kind: 'system', id: 'platform', name: 'tongban' }
const subjectOf = (id: string): string => `whistle:${id}`
const pad4 = (n: number): string => String(n).padStart(4, '0')
const isDepartmentAction = (a: string): a is DepartmentAction => (DEPARTMENT_ACTIONS as readonly string[]).includes(a)

/** The actor an event names: a department's person or system carries its department. */
export function actorOf (p: Principal): WhistleActor {
  if (p.department !== undefined) return { kind: 'department', id: p.id, name: p.name, department: p.department }
  return { kind: p.kind === 'staff' ? 'staff' : 'token', id: p.id, name: p.name }
}

/** Its town (its county for a county admin and for a department), and a department's only its own; undefined: sees none. */
export function whistleScope (p: Principal): WhistleScope | undefined {
  if (p.town === null) return undefined
  const own = divisionPrefix(p.town)
  if (p.department !== undefined) return can(p, 'whistles:answer') ? { prefix: own.slice(0, 6), department: p.department } : undefined
  if (!can(p, 'whistles:read')) return undefined
  return { prefix: p.roles.includes('county-admin') ? own.slice(0, 6) : own }
}

const inScope = (w: WhistleRow, targets: readonly TargetRow[], scope: WhistleScope | undefined): boolean =>
  scope === undefined || (w.town.startsWith(scope.prefix) && (scope.department === undefined || targets.some((t) => t.department === scope.department)))

/** The last extension request of each department not yet decided. */
function pendingExtensions (events: readonly WhistleEvent[]): Map<string, WhistleEvent> {
  const pending = new Map<string, WhistleEvent>()
  for (const e of events) {
    if (e.department === null) continue
    if (e.action === 'request-extension') pending.set(e.department, e)
    else if (e.action === 'decide-extension' || e.action === 'return') pending.delete(e.department)
  }
  return pending
}

function refusal (id: string, action: string, r: Refusal, subject: string): TongbanError {
  if (r.reason === 'state') {
    return new TongbanError('TB_WHISTLE_TRANSITION_NOT_ALLOWED', [id, subject, r.state, action, r.allowed.join(', ') || 'nothing'], { details: { state: r.state, allowed: r.allowed } })
  }
  return new TongbanError('TB_WHISTLE_ACTION_REFUSED', [id, action, r.why])
}

/** Who acts and with what authority: a principal's, or the platform's own (reopening for the hotline). */
interface Authority {
  actor: WhistleActor
  scope: WhistleScope | undefined
  lead: boolean
  answer: boolean
}

function authorityOf (p: Principal): Authority {
  return { actor: actorOf(p), scope: whistleScope(p), lead: can(p, 'whistles:lead'), answer: can(p, 'whistles:answer') }
}

export function createWhistleService (deps: WhistleServiceDeps) {
  const { db } = deps
  const now = (): string => (deps.now?.() ?? new Date()).toISOString()

  const departmentName = (code: string): string => deps.config().departments.find((d) => d.code === code)?.name ?? code

  /** Starts clocks for these departments at `start` and arms their rungs; the deadlines in force, as events carry them. */
  async function startClocks (tx: Queryable, w: WhistleRow, departments: readonly string[], start: string, clocks?: readonly ClockName[]): Promise<Deadlines> {
    const calendar = deps.calendar()
    const { ladder } = deps.config()
    const out: Deadlines = {}
    const rows: RungRow[] = []
    for (const department of departments) {
      const windows = targetClocks(calendar, w.type, start, ladder, clocks)
      rows.push(...rungRows(w, department, windows))
      out[department] = deadlinesOf(windows)
    }
    await armRungs(tx, rows)
    return out
  }

  function rungRows (w: WhistleRow, department: string, windows: readonly ClockWindow[]): RungRow[] {
    return windows.flatMap((c) => c.ok
      ? c.rungs.map((r) => ({ subject: subjectOf(w.id), party: department, clock: c.clock, rung: r.rung, dueAt: r.dueAt, deadline: c.deadline, town: w.town }))
      : [])
  }

  const notify = (w: WhistleRow, notice: Notice, codes: readonly string[], deadlines: Deadlines | undefined, extra: Record<string, unknown> = {}): OutboxCall[] =>
    departmentNotices(deps.config().departments, w, notice, codes, deadlines, extra)

  /** Checks the departments a town names (known, of its county) and drops repeats, lead first. */
  function checkDepartments (town: string, named: ReadonlyArray<{ code: string, role: 'lead' | 'co' }>): Array<{ department: string, role: 'lead' | 'co' }> {
    const seen = new Set<string>()
    const out: Array<{ department: string, role: 'lead' | 'co' }> = []
    for (const d of [...named].sort((a, b) => (a.role === b.role ? 0 : a.role === 'lead' ? -1 : 1))) {
      const problem = departmentProblem(deps.config().departments, d.code, town)
      if (problem) throw new TongbanError('TB_WHISTLE_DEPARTMENT_UNKNOWN', [d.code, town, problem])
      if (seen.has(d.code)) continue
      seen.add(d.code)
      out.push({ department: d.code, role: d.role })
    }
    return out
  }

  /** The source's village (or town) when it has one: where the whistle is unless the blower says otherwise. */
  async function checkSource (source: BlowInput['source'], town: string): Promise<string | null> {
    if (source.kind === 'direct') return null
    const found = source.kind === 'order' ? await orderForWhistle(db, source.id) : await riskPlace(db, source.id)
    if (found?.town !== town) throw new TongbanError('TB_WHISTLE_SOURCE_NOT_FOUND', [source.kind, source.id, town])
    return found.division
  }

  /** 吹哨: numbers the whistle and summons its departments; opens at once for a leader (or when no approval is configured). */
  async function blow (input: BlowInput, principal: Principal): Promise<{ id: string, replayed: boolean }> {
    if (!can(principal, 'whistles:blow')) throw new TongbanError('TB_FORBIDDEN', ['whistles:blow'])
    if (principal.town === null) throw new TongbanError('TB_FORBIDDEN', ['whistles:blow'])
    const actor = actorOf(principal)
    if (input.requestId) {
      const made = await whistleOfBlowRequest(db, actor.id, input.requestId)
      if (made) return { id: made, replayed: true }
    }
    const config = deps.config()
    const town = principal.town
    const type = config.types.find((t) => t.id === input.type)
    if (!type) throw new TongbanError('TB_WHISTLE_TYPE_UNKNOWN', [input.type, config.types.map((t) => `${t.id} (${t.name})`).join(', ')])
    if (input.division && !input.division.startsWith(divisionPrefix(town))) throw new TongbanError('TB_WHISTLE_SOURCE_NOT_FOUND', ['division', input.division, town])
    const sourceDivision = await checkSource(input.source, town)
    const at = now()
    let routingVersion: number | null = null
    let named = input.departments
    if (!named) {
      if (!input.category) throw new TongbanError('TB_WHISTLE_NO_ROUTE', ['neither departments nor a category are given'])
      const routing = await routingOf(db, config, town, at)
      const routed = routing ? departmentsFor(routing.rules, input.category) : []
      if (routed.length === 0) throw new TongbanError('TB_WHISTLE_NO_ROUTE', [`the routing table of town ${town} has no category ${input.category}`])
      routingVersion = routing!.version
      named = routed
    }
    const targets = checkDepartments(town, named)
    const opens = can(principal, 'whistles:lead') || !config.windowNeedsApproval
    const day = beijingToday(Date.parse(at))
    try {
      return await db.transaction(async (tx) => {
        const seq = await nextWhistleSequence(tx, town, day)
        const w: WhistleRow = {
          id: `CS${town}${day.replace(/-/g, '')}${pad4(seq)}`, town, division: input.division ?? sourceDivision, type: type as WhistleType,
          source: { kind: input.source.kind, id: input.source.kind === 'direct' ? null : input.source.id }, category: input.category ?? null,
          title: input.title, description: input.description, state: opens ? 'open' : 'awaiting-approval', routingVersion, blownBy: actor,
          blownAt: at, openedAt: opens ? at : null, closedAt: null, rating: null, version: 1,
        }
        await insertWhistle(tx, w)
        await summonTargets(tx, w.id, targets)
        const codes = targets.map((t) => t.department)
        const deadlines = opens ? await startClocks(tx, w, codes, at) : undefined
        await appendWhistleEvent(tx, w.id, {
          department: null, action: 'blow', fromState: null, toState: w.state, actor, at,
          data: { type: type.id, source: w.source, category: w.category, departments: targets, routingVersion, ...(deadlines ? { deadlines } : {}) },
        }, input.requestId)
        if (deadlines) await addOutbox(tx, notify(w, 'blown', codes, deadlines), at)
        return { id: w.id, replayed: false }
      })
    } catch (err) {
      const made = input.requestId && await whistleOfBlowRequest(db, actor.id, input.requestId)
      if (made) return { id: made, replayed: true }
      throw err
    }
  }

  interface Step {
    w: WhistleRow
    targets: TargetRow[]
    events: WhistleEvent[]
    input: WhistleTransitionInput
    by: Authority
    at: string
    tx: Queryable
  }

  interface Effect {
    department: string | null
    from: string
    to: string
    whistle?: WhistleChange
    target?: TargetChange
    data: Record<string, unknown>
    outbox?: OutboxCall[]
  }

  /** A department's answer: its own target, as the department table allows. */
  async function departmentStep (s: Step, action: DepartmentAction): Promise<Effect> {
    const { w, input, by, tx, at } = s
    if (!by.answer) throw new TongbanError('TB_FORBIDDEN', ['whistles:answer'])
    const department = by.actor.department
    const target = s.targets.find((t) => t.department === department)
    if (department === undefined || !target) throw new TongbanError('TB_WHISTLE_NOT_YOUR_DEPARTMENT', [w.id, by.actor.name, department ?? '(no department)'])
    const pending = pendingExtensions(s.events).has(department)
    const decision = decideDepartment(w.state, target.state, action, { pendingExtension: pending })
    if (!decision.ok) throw refusal(w.id, action, decision.refusal, decision.refusal.reason === 'state' && w.state !== 'open' ? 'the whistle' : `the answer of ${department}`)
    const to = decision.to
    const subject = subjectOf(w.id)
    const base = { department, from: target.state, to }
    switch (input.action) {
      case 'respond':
        await stopRungs(tx, subject, department, ['respond'])
        return { ...base, target: { state: to, respondedAt: at }, data: input.note ? { note: input.note } : {} }
      case 'arrive':
        await stopRungs(tx, subject, department, ['respond', 'arrive'])
        return { ...base, target: { state: to, respondedAt: at, arrivedAt: input.at }, data: { who: input.who, arrivedAt: new Date(input.at).toISOString(), ...(input.note ? { note: input.note } : {}) } }
      case 'progress':
        return { ...base, data: { text: input.text, photos: input.photos } }
      case 'return':
        await stopRungs(tx, subject, department)
        return { ...base, target: { state: to, returnedAt: at }, data: { reason: input.reason } }
      case 'request-extension':
        return { ...base, data: { clock: input.clock, span: input.span, reason: input.reason } }
      case 'declare-done':
        await stopRungs(tx, subject, department, ['finish'])
        return { ...base, target: { state: to, doneAt: at }, data: { text: input.text, photos: input.photos } }
      default:
        throw new Error(`not a department action: ${input.action}`)
    }
  }

  /** A town decision: the whistle as the town table allows. */
  async function townStep (s: Step, action: TownAction): Promise<Effect> {
    const { w, input, by, tx, at } = s
    if (!by.lead) throw new TongbanError('TB_FORBIDDEN', ['whistles:lead'])
    const named = 'department' in input ? input.department : undefined
    const pending = pendingExtensions(s.events)
    const decision = decideTown(w.state, action, {
      targets: s.targets.map((t) => ({ department: t.department, state: t.state, pendingExtension: pending.has(t.department) })),
      ...(named !== undefined ? { department: named } : {}),
    })
    if (!decision.ok) throw refusal(w.id, action, decision.refusal, 'the whistle')
    const to = decision.to
    const subject = subjectOf(w.id)
    const active = s.targets.filter((t) => t.state !== 'returned').map((t) => t.department)
    const base = { department: null, from: w.state, to }
    switch (input.action) {
      case 'approve': {
        const deadlines = await startClocks(tx, w, active, at)
        return { ...base, whistle: { state: to, openedAt: at }, data: { deadlines }, outbox: notify(w, 'blown', active, deadlines) }
      }
      case 'withdraw':
        return { ...base, whistle: { state: to }, data: { reason: input.reason } }
      case 'reroute': {
        const wanted = checkDepartments(w.town, input.departments)
        const fresh = wanted.filter((d) => !active.includes(d.department))
        if (fresh.length === 0) throw new TongbanError('TB_WHISTLE_ACTION_REFUSED', [w.id, 'reroute', 'every department named is summoned already (a returned one can be summoned again)'])
        await summonTargets(tx, w.id, fresh)
        const codes = fresh.map((d) => d.department)
        const deadlines = await startClocks(tx, w, codes, at)
        return { ...base, whistle: { state: to }, data: { departments: fresh, reason: input.reason, deadlines }, outbox: notify(w, 'blown', codes, deadlines) }
      }
      case 'decide-extension': {
        const asked = pending.get(input.department)!
        const department = input.department
        const data: Record<string, unknown> = { department, grant: input.grant, clock: asked.data.clock, span: asked.data.span, ...(input.reason ? { reason: input.reason } : {}) }
        let target: TargetChange | undefined
        if (input.grant) {
          const clock = asked.data.clock as ClockName
          const span = asked.data.span as string
          const inForce = (await deadlinesInForce(tx, subject))[department] ?? {}
          // The extension runs on from the deadline it moves (from now, when that clock had none).
          const window = clockWindow(deps.calendar(), clock, inForce[clock] ?? at, span, deps.config().ladder)
          await armRungs(tx, rungRows(w, department, [window]))
          const t = s.targets.find((x) => x.department === department)!
          target = { state: t.state, extended: { ...t.extended, [clock]: t.extended[clock] ? `${t.extended[clock]}+${span}` : span } }
          data.deadlines = { [department]: { ...inForce, [clock]: window.ok ? window.deadline : null } }
        }
        const deadlines = data.deadlines as Deadlines | undefined
        return { ...base, department, whistle: { state: to }, ...(target ? { target } : {}), data, outbox: notify(w, 'extension-decided', [department], deadlines, { grant: input.grant }) }
      }
      case 'reject-done':
        await resumeRungs(tx, subject, input.department, 'finish')
        return { ...base, department: input.department, whistle: { state: to }, target: { state: 'arrived', doneAt: null }, data: { reason: input.reason } }
      case 'close': {
        if (input.version !== undefined && input.version !== w.version) throw new TongbanError('TB_WHISTLE_CHANGED', [w.id, w.version, input.version, 'close'])
        await stopRungs(tx, subject)
        await moveActiveTargets(tx, w.id, ['whistled', 'responded', 'arrived', 'done-declared'], 'finished')
        if (w.source.kind === 'order' && w.source.id) {
          await replyForClosedWhistle(tx, {
            orderNo: w.source.id,
            body: { result: input.replyResult ?? '1', text: input.check, handler: by.actor.name, time: at },
            actor: by.actor, at,
          })
        }
        return { ...base, whistle: { state: to, closedAt: at, rating: input.rating }, data: { rating: input.rating, check: input.check, ...(input.replyResult ? { replyResult: input.replyResult } : {}) }, outbox: notify(w, 'closed', active, undefined, { rating: input.rating }) }
      }
      case 'reopen': {
        await moveActiveTargets(tx, w.id, ['finished'], 'arrived')
        const started = await startClocks(tx, w, active, at, ['finish'])
        const inForce = await deadlinesInForce(tx, subject)
        const deadlines: Deadlines = Object.fromEntries(active.map((d) => [d, { ...inForce[d], finish: started[d]?.finish ?? null }]))
        return { ...base, whistle: { state: to, closedAt: null, rating: null }, data: { reason: input.reason, deadlines }, outbox: notify(w, 'reopened', active, deadlines, { reason: input.reason }) }
      }
      default:
        throw new Error(`not a town action: ${input.action}`)
    }
  }

  async function apply (id: string, input: WhistleTransitionInput, by: Authority): Promise<{ event: WhistleEvent, replayed: boolean }> {
    return await db.transaction(async (tx) => {
      const w = await lockWhistle(tx, id)
      const targets = w ? await whistleTargets(tx, id) : []
      if (!w || !inScope(w, targets, by.scope)) throw new TongbanError('TB_WHISTLE_NOT_FOUND', [id])
      if (input.requestId) {
        const earlier = await eventOfRequest(tx, id, input.requestId)
        if (earlier && earlier.action === input.action) return { event: earlier, replayed: true }
        if (earlier) throw new TongbanError('TB_WHISTLE_REQUEST_REUSED', [input.requestId, earlier.action, id])
      }
      const step: Step = { w, targets, events: await whistleEvents(tx, id), input, by, at: now(), tx }
      const effect = isDepartmentAction(input.action) ? await departmentStep(step, input.action) : await townStep(step, input.action)
      // Every step bumps the version, the department's too: a close that named the version it checked meets any answer since.
      if (!await updateWhistle(tx, id, w.version, effect.whistle ?? { state: w.state }, step.at)) throw new TongbanError('TB_WHISTLE_CHANGED', [id, w.version + 1, w.version, input.action])
      if (effect.target && effect.department) await updateTarget(tx, id, effect.department, effect.target)
      const event: NewWhistleEvent = { department: effect.department, action: input.action, fromState: effect.from, toState: effect.to, actor: by.actor, at: step.at, data: effect.data }
      const seq = await appendWhistleEvent(tx, id, event, input.requestId)
      await addOutbox(tx, effect.outbox ?? [], step.at)
      return { event: { ...event, seq }, replayed: false }
    })
  }

  /** One action on a whistle by a principal: the machine decides, and everything it changes is written together. */
  async function transition (id: string, input: WhistleTransitionInput, principal: Principal): Promise<{ event: WhistleEvent, replayed: boolean }> {
    return await apply(id, input, authorityOf(principal))
  }

  /** The whistle with its answers, events, ladders, order and deliveries; `principal` scopes it and says what it may do. */
  async function view (id: string, principal?: Principal): Promise<WhistleView> {
    const w = await getWhistle(db, id)
    const targets = w ? await whistleTargets(db, id) : []
    const by = principal && authorityOf(principal)
    if (!w || !inScope(w, targets, by?.scope)) throw new TongbanError('TB_WHISTLE_NOT_FOUND', [id])
    const [events, rungs, deliveries, order] = await Promise.all([
      whistleEvents(db, id), rungsOf(db, subjectOf(id)), whistleDeliveries(db, id),
      w.source.kind === 'order' && w.source.id ? orderForWhistle(db, w.source.id) : undefined,
    ])
    const pending = pendingExtensions(events)
    const allowed: string[] = []
    if (!by || by.lead) allowed.push(...townActions(w.state))
    const own = by?.answer && by.actor.department !== undefined ? targets.find((t) => t.department === by.actor.department) : undefined
    if (own) allowed.push(...departmentActions(w.state, own.state).filter((a) => a !== 'request-extension' || !pending.has(own.department)))
    return {
      whistle: { ...w, targets: targets.map((t) => ({ ...t, departmentName: departmentName(t.department) })) },
      events,
      rungs,
      order: w.source.kind === 'order' && w.source.id ? { orderNo: w.source.id, revisit: order?.revisit ?? null } : null,
      deliveries: deliveries.map((d) => ({ ...d, delivered: d.state === 'sent' })),
      allowed,
    }
  }

  async function list (filter: WhistleListFilter): Promise<WhistleListItem[]> {
    return await listWhistles(db, filter)
  }

  /** The hotline reopened the order (重办): its closed whistles reopen, as the platform. */
  async function reopenForOrder (orderNo: string, reason: string): Promise<void> {
    for (const w of await whistlesOfSource(db, 'order', orderNo)) {
      if (w.state !== 'closed') continue
      await apply(w.id, { action: 'reopen', reason }, { actor: SYSTEM, scope: undefined, lead: true, answer: false })
    }
  }

  return { blow, transition, view, list, reopenForOrder }
}

export type WhistleService = ReturnType<typeof createWhistleService>
