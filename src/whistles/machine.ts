// The whistle state machine, written once. Two tables: what the town may do with the whistle in
// each of its states, and what a summoned department may answer in each state of its own answer.
// Pure; the whistle service applies it inside the whistle's transaction, and the portal and API
// ask it which actions to offer. No department action leads to `closed` or anywhere the town did
// not send it: only the town closes, reopens or withdraws.
import {
  DEPARTMENT_ACTIONS, TOWN_ACTIONS,
  type DepartmentAction, type TargetState, type TownAction, type WhistleState,
} from '../model/whistle.ts'

/** The town's table: whistle state × town action → the whistle's next state. */
export const TOWN_TRANSITIONS: Readonly<Record<WhistleState, Partial<Record<TownAction, WhistleState>>>> = {
  'awaiting-approval': { approve: 'open', withdraw: 'withdrawn' },
  open: { reroute: 'open', 'decide-extension': 'open', 'reject-done': 'open', close: 'closed' },
  closed: { reopen: 'open' },
  withdrawn: {},
}

/** A department's table: its answer's state × its action → the answer's next state (only while the whistle is open). */
export const DEPARTMENT_TRANSITIONS: Readonly<Record<TargetState, Partial<Record<DepartmentAction, TargetState>>>> = {
  whistled: { respond: 'responded', arrive: 'arrived', return: 'returned', 'request-extension': 'whistled' },
  responded: { arrive: 'arrived', progress: 'responded', return: 'returned', 'request-extension': 'responded' },
  arrived: { progress: 'arrived', 'request-extension': 'arrived', 'declare-done': 'done-declared' },
  'done-declared': { progress: 'done-declared' },
  returned: {},
  finished: {},
}

/** What closing needs: every department still summoned has declared its work done. */
export const CLOSABLE_TARGETS: ReadonlySet<TargetState> = new Set(['done-declared', 'returned'])

export type Refusal =
  | { reason: 'state', state: string, allowed: string[] }
  | { reason: 'guard', why: string }

export type Decision<S> = { ok: true, to: S } | { ok: false, refusal: Refusal }

export interface TownContext {
  targets: ReadonlyArray<{ department: string, state: TargetState, pendingExtension?: boolean }>
  /** The department a target-level decision names (decide-extension, reject-done). */
  department?: string
}

export function townActions (state: WhistleState): TownAction[] {
  return TOWN_ACTIONS.filter((a) => TOWN_TRANSITIONS[state][a] !== undefined)
}

export function departmentActions (whistle: WhistleState, target: TargetState): DepartmentAction[] {
  if (whistle !== 'open') return []
  return DEPARTMENT_ACTIONS.filter((a) => DEPARTMENT_TRANSITIONS[target][a] !== undefined)
}

/** Whether the town may take `action` on a whistle in `state`, and where it leads. */
export function decideTown (state: WhistleState, action: TownAction, ctx: TownContext): Decision<WhistleState> {
  const to = TOWN_TRANSITIONS[state][action]
  if (!to) return { ok: false, refusal: { reason: 'state', state, allowed: townActions(state) } }
  const why = townGuard(action, ctx)
  if (why) return { ok: false, refusal: { reason: 'guard', why } }
  return { ok: true, to }
}

function townGuard (action: TownAction, ctx: TownContext): string | undefined {
  const named = ctx.targets.find((t) => t.department === ctx.department)
  switch (action) {
    case 'close': {
      const waiting = ctx.targets.filter((t) => !CLOSABLE_TARGETS.has(t.state)).map((t) => t.department)
      if (ctx.targets.every((t) => t.state === 'returned')) return 'every department returned the whistle: re-route it to a department that takes it, or withdraw the matter'
      if (waiting.length > 0) return `the town closes after checking the work, and these departments have not declared theirs done (办结申报): ${waiting.join(', ')}`
      return undefined
    }
    case 'reject-done':
      if (!named) return `department ${ctx.department ?? ''} is not summoned by this whistle`
      if (named.state !== 'done-declared') return `department ${named.department} has not declared its work done; there is nothing to send back`
      return undefined
    case 'decide-extension':
      if (!named) return `department ${ctx.department ?? ''} is not summoned by this whistle`
      if (!named.pendingExtension) return `department ${named.department} has no extension request waiting for a decision`
      return undefined
    default:
      return undefined
  }
}

/** Whether a department whose answer is in `target` may take `action` while the whistle is in `whistle`. */
export function decideDepartment (whistle: WhistleState, target: TargetState, action: DepartmentAction, ctx: { pendingExtension?: boolean } = {}): Decision<TargetState> {
  if (whistle !== 'open') return { ok: false, refusal: { reason: 'state', state: whistle, allowed: [] } }
  const to = DEPARTMENT_TRANSITIONS[target][action]
  if (!to) return { ok: false, refusal: { reason: 'state', state: target, allowed: departmentActions(whistle, target) } }
  if (action === 'request-extension' && ctx.pendingExtension) return { ok: false, refusal: { reason: 'guard', why: 'an extension request of this department waits for the town\'s decision already' } }
  return { ok: true, to }
}
