// The case state machine, written once: which action each state allows, where it leads, who may
// take it and what must hold. Pure; the transition service applies it inside the case's
// transaction, and the portal and API ask it which actions to offer.
import { CASE_ACTIONS, type CaseAction, type CaseEvent, type CaseState } from '../model/case.ts'

/** Who may take an action: window staff (and API clients acting for the town), the department's webhooks, or both. */
export type ActorSide = 'window' | 'department'

interface Rule {
  to: CaseState
  by: readonly ActorSide[]
}

const WINDOW = ['window'] as const
const DEPARTMENT = ['department'] as const
const BOTH = ['window', 'department'] as const

/** States × actions → next state. An action absent from a state's row is not allowed there. */
export const TRANSITIONS: Readonly<Record<CaseState, Partial<Record<CaseAction, Rule>>>> = {
  received: {
    accept: { to: 'processing', by: WINDOW },
    'not-accept': { to: 'rejected', by: WINDOW },
    'request-supplement': { to: 'supplement-pending', by: WINDOW },
  },
  'supplement-pending': {
    'supplement-done': { to: 'received', by: WINDOW },
    // the applicant did not bring what the notice listed
    'not-accept': { to: 'rejected', by: WINDOW },
  },
  rejected: {},
  processing: {
    step: { to: 'processing', by: BOTH },
    'start-special': { to: 'special-procedure', by: BOTH },
    extend: { to: 'processing', by: WINDOW },
    'request-supplement': { to: 'processing-supplement', by: BOTH },
    return: { to: 'returned', by: DEPARTMENT },
    conclude: { to: 'concluded', by: BOTH },
  },
  'processing-supplement': {
    'supplement-done': { to: 'processing', by: WINDOW },
    // the applicant withdraws or the time to supplement ran out
    conclude: { to: 'concluded', by: BOTH },
  },
  'special-procedure': {
    step: { to: 'special-procedure', by: BOTH },
    'end-special': { to: 'processing', by: BOTH },
  },
  returned: {
    resubmit: { to: 'processing', by: WINDOW },
    conclude: { to: 'concluded', by: WINDOW },
  },
  concluded: {
    deliver: { to: 'delivered', by: WINDOW },
    // a department's step that arrives after its result (out of order): kept in the history, the state stays
    step: { to: 'concluded', by: DEPARTMENT },
  },
  delivered: {
    step: { to: 'delivered', by: DEPARTMENT },
  },
}

/** States from which no action leads anywhere else (a late step of the department only adds to the history). */
export const FINAL_STATES: readonly CaseState[] = (Object.keys(TRANSITIONS) as CaseState[])
  .filter((s) => Object.values(TRANSITIONS[s]).every((rule) => rule.to === s))

/** States in which the legal clock stands still. */
export const CLOCK_STOPPED: ReadonlySet<CaseState> = new Set(['processing-supplement', 'special-procedure'])

export type Refusal =
  | { reason: 'state', allowed: CaseAction[] }
  | { reason: 'side', by: readonly ActorSide[] }
  | { reason: 'guard', why: string }

export type Decision = { ok: true, to: CaseState } | { ok: false, refusal: Refusal }

/** The actions `side` may take in `state`, in the catalogue's order. */
export function allowedActions (state: CaseState, side: ActorSide, history: readonly Pick<CaseEvent, 'action'>[] = []): CaseAction[] {
  return CASE_ACTIONS.filter((action) => decide(state, action, side, history).ok)
}

/** Whether `side` may take `action` in `state`, given the case's events so far; and where it leads. */
export function decide (state: CaseState, action: CaseAction, side: ActorSide, history: readonly Pick<CaseEvent, 'action'>[]): Decision {
  const rule = TRANSITIONS[state][action]
  if (!rule) return { ok: false, refusal: { reason: 'state', allowed: CASE_ACTIONS.filter((a) => TRANSITIONS[state][a]?.by.includes(side)) } }
  if (!rule.by.includes(side)) return { ok: false, refusal: { reason: 'side', by: rule.by } }
  const why = guard(action, history)
  if (why) return { ok: false, refusal: { reason: 'guard', why } }
  return { ok: true, to: rule.to }
}

function guard (action: CaseAction, history: readonly Pick<CaseEvent, 'action'>[]): string | undefined {
  // 行政许可法 §42: the time limit may be extended once, with the approval of the head of the body.
  if (action === 'extend' && history.some((e) => e.action === 'extend')) return 'the time limit was extended once already (行政许可法 §42 allows one extension)'
  // §32: one notice lists every missing item; a second notice before acceptance is not allowed.
  if (action === 'request-supplement' && history.some((e) => e.action === 'request-supplement') && !history.some((e) => e.action === 'accept')) return 'a supplement notice was sent already; 行政许可法 §32 wants every missing item in one notice'
  return undefined
}
