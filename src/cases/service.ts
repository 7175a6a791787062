// Opening cases and moving them: each change is one transaction holding the case's new state,
// its event, its recomputed clocks and the reports it owes the provincial platform (outbox rows),
// so a step is either fully taken or not at all. The state machine (machine.ts) decides what is
// allowed; the case row's lock makes concurrent transitions take turns, so one wins and the other
// meets the new state.
import type { Db, Queryable } from '../store/db.ts'
import { TongbanError } from '../errors.ts'
import type { Actor, Case, CaseDeadline, CaseEvent, OpenCase, TransitionInput } from '../model/case.ts'
import type { Matter } from '../model/matter.ts'
import type { WorkingCalendar } from '../calendar/calendar.ts'
import { beijingToday } from '../calendar/days.ts'
import { creditCode, residentId } from '../normalize/index.ts'
import { getRecord } from '../store/records.ts'
import {
  appendCaseEvent, caseDeadlines, caseEvents, caseOfOpenRequest, eventOfRequest, getCase, insertCase, lockCase, nextCaseSequence,
  recordOpenRequest, updateCase, writeCaseDeadlines, type CaseChange, type CaseRow,
} from '../store/cases.ts'
import { addOutbox, type OutboxCall } from '../store/outbox.ts'
import { allowedActions, decide, type ActorSide } from './machine.ts'
import { caseClocks } from './clocks.ts'
import { checkForm } from './form.ts'

export interface MatterLookup {
  /** The version of the matter the town's window offers on `day` (YYYY-MM-DD), if any. */
  inForce: (q: Queryable, town: string, taskHandleItem: string, day: string) => Promise<Matter | undefined>
  /** Exactly this version (a withdrawn matter stays readable for the cases opened under it); `q` is the transaction asking. */
  version: (q: Queryable, town: string, taskHandleItem: string, version: number) => Promise<Matter | undefined>
}

/** The calls a committed step owes the department systems; none for a step they need not hear of. */
export type ReportsOf = (c: CaseRow, event: CaseEvent, matter: Matter, deadlines: readonly CaseDeadline[]) => OutboxCall[]

export interface CaseServiceDeps {
  db: Db
  calendar: () => WorkingCalendar
  matters: MatterLookup
  reports: ReportsOf
  now?: () => Date
}

export interface CaseView {
  case: Case
  events: CaseEvent[]
  /** What the window may do next (the department's own actions come through its webhooks). */
  allowed: string[]
}

const pad4 = (n: number): string => String(n).padStart(4, '0')
const actorRef = (a: Actor): string => `${a.kind}:${a.id}`

/** The input's own data for the event: what the action carried, without its request id and reason. */
function eventData (input: TransitionInput): Record<string, unknown> {
  const { action: _action, requestId: _requestId, reason: _reason, ...data } = input
  return data
}

function applicantKey (kind: 'person' | 'enterprise', key: string): string {
  const n = kind === 'person' ? residentId(key) : creditCode(key)
  if (!n.ok) throw new TongbanError('TB_CASE_FORM_INVALID', ['(applicant)', 1, n.error.message], { details: { errors: [{ field: 'applicant.key', ...n.error }] } })
  return n.value
}

export function createCaseService (deps: CaseServiceDeps) {
  const { db } = deps
  const now = (): string => (deps.now?.() ?? new Date()).toISOString()

  async function matterOf (q: Queryable, c: CaseRow): Promise<Matter> {
    const matter = await deps.matters.version(q, c.town, c.taskHandleItem, c.taskVersion)
    // The store keeps every version it ever held; a case without its matter is a broken store.
    if (!matter) throw new Error(`case ${c.projectNo}: matter ${c.taskHandleItem} version ${c.taskVersion} is not in the store`)
    return matter
  }

  /** Recomputes the case's clocks from its events and writes them; returns them for the reports. */
  async function clock (tx: Queryable, c: CaseRow, matter: Matter): Promise<CaseDeadline[]> {
    const calendar = deps.calendar()
    const clocks = caseClocks(calendar, c, matter, await caseEvents(tx, c.projectNo))
    await writeCaseDeadlines(tx, c.projectNo, c.town, clocks, calendar.fingerprint)
    return clocks
  }

  async function applicantName (kind: 'person' | 'enterprise', key: string, formData: Record<string, string>): Promise<string> {
    const record = await getRecord(db, kind, key)
    const known = record?.name
    // A person applying for a business not yet registered (个体工商户设立) is named as its operator.
    const fromForm = kind === 'person' ? formData.name ?? formData.legalRepresentative : formData.enterpriseName
    const named = typeof known === 'string' ? known : fromForm
    if (!named) throw new TongbanError('TB_CASE_APPLICANT_UNNAMED', [key])
    return named
  }

  /** 接件: checks the form, numbers the case and records its receipt; a repeated requestId answers the case it opened. */
  async function open (input: OpenCase, actor: Actor, town: string): Promise<{ projectNo: string, replayed: boolean }> {
    if (input.requestId) {
      const opened = await caseOfOpenRequest(db, actorRef(actor), input.requestId)
      if (opened) return { projectNo: opened, replayed: true }
    }
    const at = now()
    const day = beijingToday(Date.parse(at))
    const matter = await deps.matters.inForce(db, town, input.taskHandleItem, day)
    if (!matter) throw new TongbanError('TB_CASE_MATTER_NOT_OFFERED', [input.taskHandleItem, town, day, town])
    const form = checkForm(matter, input.formData)
    if (!form.ok) {
      throw new TongbanError('TB_CASE_FORM_INVALID', [matter.taskHandleItem, form.errors.length, form.errors.map((e) => `${e.field}: ${e.message}`).join('; ')], { details: { errors: form.errors } })
    }
    const key = applicantKey(input.applicant.kind, input.applicant.key)
    const name = await applicantName(input.applicant.kind, key, form.data)
    try {
      return await db.transaction(async (tx) => {
        const seq = await nextCaseSequence(tx, matter.taskCode, day)
        const projectNo = `${matter.taskCode}${day.replace(/-/g, '')}${pad4(seq)}`
        const c: CaseRow = {
          projectNo, town, taskHandleItem: matter.taskHandleItem, taskVersion: matter.version, matterName: matter.name, state: 'received',
          applicant: { kind: input.applicant.kind, key, name }, contact: input.contact, formData: form.data, corrections: input.corrections,
          materials: input.materials, result: null, receivedBy: actor, receivedAt: at, acceptedAt: null, concludedAt: null, version: 1,
        }
        await insertCase(tx, c)
        await appendCaseEvent(tx, projectNo, { action: 'receive', from: null, to: 'received', actor, at, reason: null, data: { taskVersion: matter.version, corrections: input.corrections.length } }, undefined)
        if (input.requestId) await recordOpenRequest(tx, actorRef(actor), input.requestId, projectNo)
        await clock(tx, c, matter)
        return { projectNo, replayed: false }
      })
    } catch (err) {
      // The same request raced itself: the first one's case is the answer.
      const opened = input.requestId && await caseOfOpenRequest(db, actorRef(actor), input.requestId)
      if (opened) return { projectNo: opened, replayed: true }
      throw err
    }
  }

  function changeOf (c: CaseRow, input: TransitionInput, to: CaseRow['state'], at: string): CaseChange {
    switch (input.action) {
      case 'accept': return { state: to, acceptedAt: at }
      case 'conclude': return { state: to, result: input.result, concludedAt: at }
      case 'supplement-done': return input.materials.length ? { state: to, materials: mergeMaterials(c.materials, input.materials) } : { state: to }
      default: return { state: to }
    }
  }

  /** Applies one action: the state machine decides, and the case, its event, clocks and reports are written together. */
  async function transition (projectNo: string, input: TransitionInput, actor: Actor, side: ActorSide, townPrefix: string): Promise<{ event: CaseEvent, replayed: boolean }> {
    return await db.transaction(async (tx) => {
      const c = await lockCase(tx, projectNo)
      if (!c || !c.town.startsWith(townPrefix)) throw new TongbanError('TB_CASE_NOT_FOUND', [projectNo])
      if (input.requestId) {
        const earlier = await eventOfRequest(tx, projectNo, input.requestId)
        if (earlier && earlier.action === input.action) return { event: earlier, replayed: true }
        if (earlier) throw new TongbanError('TB_CASE_REQUEST_REUSED', [input.requestId, earlier.action, projectNo])
      }
      const history = await caseEvents(tx, projectNo)
      const decision = decide(c.state, input.action, side, history)
      if (!decision.ok) {
        const r = decision.refusal
        if (r.reason === 'state') throw new TongbanError('TB_CASE_TRANSITION_NOT_ALLOWED', [projectNo, c.state, input.action, r.allowed.join(', ') || 'nothing (the case is closed)'], { details: { state: c.state, allowed: r.allowed } })
        if (r.reason === 'side') throw new TongbanError('TB_CASE_ACTION_NOT_YOURS', [input.action, r.by.join(' or '), side])
        throw new TongbanError('TB_CASE_ACTION_REFUSED', [projectNo, input.action, r.why])
      }
      const at = now()
      const change = changeOf(c, input, decision.to, at)
      if (!await updateCase(tx, projectNo, c.version, change, at)) throw new TongbanError('TB_CASE_CHANGED', [projectNo, input.action])
      const event: Omit<CaseEvent, 'seq'> = { action: input.action, from: c.state, to: decision.to, actor, at, reason: input.reason ?? null, data: eventData(input) }
      const seq = await appendCaseEvent(tx, projectNo, event, input.requestId)
      const moved: CaseRow = { ...c, ...change, version: c.version + 1 }
      const matter = await matterOf(tx, moved)
      const clocks = await clock(tx, moved, matter)
      await addOutbox(tx, deps.reports(moved, { ...event, seq }, matter, clocks), at)
      return { event: { ...event, seq }, replayed: false }
    })
  }

  /** The case as the window sees it, or TB_CASE_NOT_FOUND outside `townPrefix`. */
  async function view (projectNo: string, townPrefix: string): Promise<CaseView> {
    const c = await getCase(db, projectNo)
    if (!c || !c.town.startsWith(townPrefix)) throw new TongbanError('TB_CASE_NOT_FOUND', [projectNo])
    const [events, deadlines] = await Promise.all([caseEvents(db, projectNo), caseDeadlines(db, projectNo)])
    return { case: { ...c, deadlines }, events, allowed: allowedActions(c.state, 'window', events) }
  }

  /** Computes the case's clocks again (the calendar changed); true when any changed. */
  async function recompute (projectNo: string): Promise<void> {
    await db.transaction(async (tx) => {
      const c = await lockCase(tx, projectNo)
      if (c) await clock(tx, c, await matterOf(tx, c))
    })
  }

  return { open, transition, view, recompute }
}

export type CaseService = ReturnType<typeof createCaseService>

/** Supplied materials replace the entries of the same name. */
function mergeMaterials (had: CaseRow['materials'], supplied: CaseRow['materials']): CaseRow['materials'] {
  const byName = new Map(had.map((m) => [m.name, m]))
  for (const m of supplied) byName.set(m.name, m)
  return [...byName.values()]
}
