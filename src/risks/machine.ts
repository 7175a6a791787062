// What a risk report may do next, as a table: state × action → next state. A correction keeps the
// state; closing needs the report verified first, or a verification note given with the close.
// Who may take an action (its permission) is the route's concern; this says only when.
import type { RiskAction, RiskState } from '../model/risk.ts'

type Step = Exclude<RiskAction, 'report'>

const TABLE: Record<RiskState, Partial<Record<Step, RiskState>>> = {
  reported: { correct: 'reported', whistle: 'whistled', verify: 'verified', close: 'closed' },
  whistled: { correct: 'whistled', verify: 'verified', close: 'closed' },
  verified: { correct: 'verified', whistle: 'whistled', close: 'closed' },
  closed: {},
}

export type RiskDecision = { ok: true, to: RiskState } | { ok: false, allowed: Step[] }

/** `verified`: a close carries a verification note (a report not verified before may be closed with one). */
export function decideRisk (state: RiskState, action: Step, opts: { verification?: boolean } = {}): RiskDecision {
  const to = TABLE[state][action]
  const allowed = allowedRiskActions(state)
  if (to === undefined) return { ok: false, allowed }
  if (action === 'close' && state !== 'verified' && !opts.verification) return { ok: false, allowed: allowed.filter((a) => a !== 'close') }
  return { ok: true, to }
}

/** What the state allows (a close from an unverified state only with a verification note). */
export function allowedRiskActions (state: RiskState): Step[] {
  return Object.keys(TABLE[state]) as Step[]
}
