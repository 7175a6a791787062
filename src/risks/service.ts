// Risk reports (风险源/隐患): grid staff report, the reporter (or a leader) corrects, the town turns a
// report into a whistle, a town leader verifies and closes. Every step is an appended event and the
// report row kept in step in one transaction; the row's lock makes concurrent steps take turns.
// Nothing here deletes or hides a report: the store has no such statement and its triggers refuse
// one. Who may take each step (its permission) is the route's; this checks the rest.
import type { Db, Queryable } from '../store/db.ts'
import { TongbanError } from '../errors.ts'
import type { Principal } from '../auth/principal.ts'
import { can } from '../auth/access.ts'
import type { BlowInput } from '../model/whistle.ts'
import type { ReportRisk, RiskActor, RiskEvent, RiskEventInput, RiskFields, RiskState } from '../model/risk.ts'
import { beijingToday } from '../calendar/days.ts'
import {
  appendRiskEvent, getRisk, insertRisk, lockRisk, nextRiskSequence, riskEventOfRequest, riskEvents, riskOfRequest, updateRisk,
  type RiskChange, type RiskRow,
} from '../store/risks.ts'
import { unknownPhotos } from '../store/photos.ts'
import { allowedRiskActions, decideRisk } from './machine.ts'
import { currentOf, type RiskCurrent } from './current.ts'

/** Blows a whistle for the principal and answers its id (the whistle service, platform.whistles). */
export type BlowWhistle = (input: BlowInput, principal: Principal) => Promise<string>

export interface RiskServiceDeps {
  db: Db
  /** The configured towns with their villages: a report's village is one of its town's. */
  towns: () => ReadonlyArray<{ code: string, name: string, villages: ReadonlyArray<{ code: string, name: string }> }>
  categories: () => readonly string[]
  blow: BlowWhistle
  now?: () => Date
}

export interface RiskView {
  risk: RiskRow
  current: RiskCurrent
  events: RiskEvent[]
  /** What the report's state allows next (each still needs its permission). */
  allowed: Array<RiskEventInput['action']>
  /** The whistle the report was turned into, if any. */
  whistleId: string | null
}

/** How the whistle's description names a severity (the departments read Chinese). */
const SEVERITY_ZH: Record<RiskFields['severity'], string> = { low: '低', medium: '中', high: '高', critical: '重大' }

const pad4 = (n: number): string => String(n).padStart(4, '0')

export function actorOfPrincipal (p: Principal): RiskActor {
  return { kind: p.kind === 'staff' ? 'staff' : p.kind === 'token' ? 'token' : 'system', id: p.id, name: p.name }
}

/** The input's own data for the event: what the action carried, without its name and request id. */
function eventData (input: RiskEventInput): Record<string, unknown> {
  const { action: _action, requestId: _requestId, ...data } = input
  return data
}

export function createRiskService (deps: RiskServiceDeps) {
  const { db } = deps
  const now = (): string => (deps.now?.() ?? new Date()).toISOString()

  /** The village, category and photos a report or correction names must be the town's, configured and uploaded. */
  async function check (q: Queryable, town: string, fields: Partial<RiskFields>): Promise<void> {
    const problems: Array<{ field: string, code: string, message: string }> = []
    if (fields.village !== undefined) {
      const villages = deps.towns().find((t) => t.code === town)?.villages ?? []
      if (!villages.some((v) => v.code === fields.village)) {
        problems.push({ field: 'village', code: 'TB_RISK_INVALID', message: `${fields.village} is not a village of town ${town} (${villages.map((v) => `${v.code} ${v.name}`).join(', ') || 'none configured'})` })
      }
    }
    if (fields.category !== undefined && !deps.categories().includes(fields.category)) {
      problems.push({ field: 'category', code: 'TB_RISK_INVALID', message: `${fields.category} is not a risk category (${deps.categories().join(', ')})` })
    }
    const missing = await unknownPhotos(q, fields.photos ?? [])
    if (missing.length > 0) problems.push({ field: 'photos', code: 'TB_RISK_INVALID', message: `not uploaded (POST /api/v1/photos first): ${missing.join(', ')}` })
    if (problems.length > 0) throw new TongbanError('TB_RISK_INVALID', [problems.map((p) => `${p.field}: ${p.message}`).join('; ')], { details: { errors: problems } })
  }

  /** 上报: numbers the report (FX + town + YYYYMMDD + 4 digits) and records it; a repeated requestId answers the report it made. */
  async function report (input: ReportRisk, principal: Principal): Promise<{ id: string, replayed: boolean }> {
    const town = principal.town
    if (town === null || !deps.towns().some((t) => t.code === town)) throw new TongbanError('TB_TOWN_NOT_CONFIGURED', [town ?? '(none)', deps.towns().map((t) => t.code).join(', ')])
    const actor = actorOfPrincipal(principal)
    if (input.requestId) {
      const made = await riskOfRequest(db, actor, input.requestId)
      if (made) return { id: made, replayed: true }
    }
    const { requestId, ...fields } = input
    await check(db, town, fields)
    const at = now()
    const day = beijingToday(Date.parse(at))
    try {
      return await db.transaction(async (tx) => {
        const id = `FX${town}${day.replace(/-/g, '')}${pad4(await nextRiskSequence(tx, town, day))}`
        await insertRisk(tx, { id, town, village: fields.village, category: fields.category, severity: fields.severity, state: 'reported', reportedBy: actor, reportedAt: at }, requestId)
        await appendRiskEvent(tx, id, { action: 'report', actor, at, data: fields }, requestId)
        return { id, replayed: false }
      })
    } catch (err) {
      // The same request raced itself: the first one's report is the answer.
      const made = requestId && await riskOfRequest(db, actor, requestId)
      if (made) return { id: made, replayed: true }
      throw err
    }
  }

  function refuse (r: RiskRow, action: RiskEventInput['action'], allowed: string[]): never {
    if (action === 'close' && allowedRiskActions(r.state).includes('close')) throw new TongbanError('TB_RISK_NOT_VERIFIED', [r.id, r.state])
    throw new TongbanError('TB_RISK_TRANSITION_NOT_ALLOWED', [r.id, r.state, action, allowed.join(', ') || 'nothing (the report is closed)'], { details: { state: r.state, allowed } })
  }

  /** The report in `townPrefix`, or TB_RISK_NOT_FOUND (a report outside one's scope does not exist for one). */
  async function inScope (q: Queryable, id: string, townPrefix: string, lock: boolean): Promise<RiskRow> {
    const r = lock ? await lockRisk(q, id) : await getRisk(q, id)
    if (!r || !r.town.startsWith(townPrefix)) throw new TongbanError('TB_RISK_NOT_FOUND', [id])
    return r
  }

  function changeOf (input: RiskEventInput, to: RiskState, at: string): RiskChange {
    if (input.action === 'correct') {
      const { village, category, severity } = input.changes
      return { state: to, ...(village && { village }), ...(category && { category }), ...(severity && { severity }) }
    }
    return input.action === 'close' ? { state: to, closedAt: at } : { state: to }
  }

  /** Turns the report into a whistle: blown first (its request id makes a retry blow once), then recorded as the report's event. */
  async function whistleOf (r: RiskRow, input: Extract<RiskEventInput, { action: 'whistle' }>, principal: Principal): Promise<string> {
    const current = currentOf(await riskEvents(db, r.id))
    return await deps.blow({
      type: input.type,
      source: { kind: 'risk', id: r.id },
      title: input.title ?? `${current.category}：${current.address}`.slice(0, 200),
      description: `${current.description}\n\n严重程度：${SEVERITY_ZH[current.severity]}；地址：${current.address}`.slice(0, 4000),
      division: current.village,
      ...(input.category && { category: input.category }),
      ...(input.departments && { departments: input.departments }),
      requestId: `risk-${r.id}-v${r.version}`,
    }, principal)
  }

  /** One action on a report: the state table decides; the event and the row are written together. */
  async function act (id: string, input: RiskEventInput, principal: Principal, townPrefix: string): Promise<{ event: RiskEvent, replayed: boolean }> {
    const actor = actorOfPrincipal(principal)
    const seen = await inScope(db, id, townPrefix, false)
    if (input.requestId) {
      const earlier = await riskEventOfRequest(db, id, input.requestId)
      if (earlier && earlier.action === input.action) return { event: earlier, replayed: true }
      if (earlier) throw new TongbanError('TB_RISK_REQUEST_REUSED', [input.requestId, earlier.action, id])
    }
    const verification = input.action === 'close' && input.verification !== undefined
    const first = decideRisk(seen.state, input.action, { verification })
    if (!first.ok) refuse(seen, input.action, first.allowed)
    if (input.action === 'correct') {
      if (seen.reportedBy.kind !== actor.kind || seen.reportedBy.id !== actor.id) {
        // A leader corrects any report of the town; grid staff their own.
        if (!can(principal, 'risks:close')) throw new TongbanError('TB_RISK_NOT_YOURS', [id])
      }
      await check(db, seen.town, input.changes)
    }
    const whistleId = input.action === 'whistle' ? await whistleOf(seen, input, principal) : undefined
    try {
      return await db.transaction(async (tx) => {
        const r = await inScope(tx, id, townPrefix, true)
        const decision = decideRisk(r.state, input.action, { verification })
        if (!decision.ok) refuse(r, input.action, decision.allowed)
        const at = now()
        if (!await updateRisk(tx, id, r.version, changeOf(input, decision.to, at), at)) throw new TongbanError('TB_RISK_CHANGED', [id, input.action])
        const data = { ...eventData(input), from: r.state, to: decision.to, ...(whistleId !== undefined && { whistleId }) }
        const event: Omit<RiskEvent, 'seq'> = { action: input.action, actor, at, data }
        const seq = await appendRiskEvent(tx, id, event, input.requestId)
        return { event: { ...event, seq }, replayed: false }
      })
    } catch (err) {
      // The same request raced itself: the first one's event is the answer.
      const earlier = input.requestId && await riskEventOfRequest(db, id, input.requestId)
      if (earlier && earlier.action === input.action) return { event: earlier, replayed: true }
      throw err
    }
  }

  /** The report with its current values (computed from the events), its history and what it allows. */
  async function view (id: string, townPrefix: string): Promise<RiskView> {
    const risk = await inScope(db, id, townPrefix, false)
    const events = await riskEvents(db, id)
    const whistled = [...events].reverse().find((e) => e.action === 'whistle')
    return { risk, current: currentOf(events), events, allowed: allowedRiskActions(risk.state), whistleId: (whistled?.data.whistleId as string | undefined) ?? null }
  }

  return { report, act, view }
}

export type RiskService = ReturnType<typeof createRiskService>
