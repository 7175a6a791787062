// The case state machine, exhaustively: every state × action × side against the table, every
// state reachable from 接件, the final states, and the legal guards.
import t from 'tap'
import { CASE_ACTIONS, CASE_STATES, type CaseAction, type CaseState } from '../../src/model/case.ts'
import { CLOCK_STOPPED, FINAL_STATES, TRANSITIONS, allowedActions, decide, type ActorSide } from '../../src/cases/machine.ts'

const SIDES: ActorSide[] = ['window', 'department']

t.test('every state × action × side decides as the table says', async (t) => {
  let checked = 0
  for (const state of CASE_STATES) {
    for (const action of CASE_ACTIONS) {
      for (const side of SIDES) {
        const rule = TRANSITIONS[state][action]
        const d = decide(state, action, side, [])
        if (!rule) {
          t.notOk(d.ok, `${state} --${action}/${side}--> refused`)
          if (!d.ok) t.equal(d.refusal.reason, 'state')
        } else if (!rule.by.includes(side)) {
          t.strictSame(d, { ok: false, refusal: { reason: 'side', by: rule.by } }, `${state} --${action}/${side}--> not this side's`)
        } else {
          t.strictSame(d, { ok: true, to: rule.to }, `${state} --${action}/${side}--> ${rule.to}`)
        }
        checked++
      }
    }
  }
  t.equal(checked, CASE_STATES.length * CASE_ACTIONS.length * SIDES.length)
})

t.test('a refusal for the state lists what the side may do there', async (t) => {
  const d = decide('received', 'conclude', 'window', [])
  t.strictSame(d, { ok: false, refusal: { reason: 'state', allowed: ['accept', 'not-accept', 'request-supplement'] } })
  t.strictSame(allowedActions('processing', 'window'), ['request-supplement', 'step', 'start-special', 'extend', 'conclude'])
  t.strictSame(allowedActions('processing', 'department'), ['request-supplement', 'step', 'start-special', 'return', 'conclude'])
})

t.test('every state is reachable from received, and only rejected and delivered are final', async (t) => {
  const seen = new Set<CaseState>(['received'])
  const queue: CaseState[] = ['received']
  while (queue.length) {
    const s = queue.shift()!
    for (const rule of Object.values(TRANSITIONS[s])) {
      if (rule && !seen.has(rule.to)) { seen.add(rule.to); queue.push(rule.to) }
    }
  }
  t.strictSame([...seen].sort(), [...CASE_STATES].sort())
  t.strictSame([...FINAL_STATES].sort(), ['delivered', 'rejected'])
  for (const s of CASE_STATES) {
    if (FINAL_STATES.includes(s)) continue
    t.ok(Object.values(TRANSITIONS[s]).some((r) => r && r.to !== s), `${s} has a way out`)
  }
  t.strictSame([...CLOCK_STOPPED].sort(), ['processing-supplement', 'special-procedure'])
})

t.test('§42: one extension only', async (t) => {
  t.strictSame(decide('processing', 'extend', 'window', []), { ok: true, to: 'processing' })
  const again = decide('processing', 'extend', 'window', [{ action: 'accept' }, { action: 'extend' }])
  t.equal(again.ok, false)
  if (!again.ok) t.match(again.refusal, { reason: 'guard', why: /§42/ })
  t.notOk(allowedActions('processing', 'window', [{ action: 'extend' }]).includes('extend'))
})

t.test('§32: one supplement notice before acceptance; after acceptance supplements may repeat', async (t) => {
  const before = decide('received', 'request-supplement', 'window', [{ action: 'receive' as CaseAction }, { action: 'request-supplement' }, { action: 'supplement-done' }])
  t.equal(before.ok, false)
  if (!before.ok) t.match(before.refusal, { reason: 'guard', why: /§32/ })
  const after = decide('processing', 'request-supplement', 'window', [{ action: 'request-supplement' }, { action: 'supplement-done' }, { action: 'accept' }, { action: 'request-supplement' }, { action: 'supplement-done' }])
  t.strictSame(after, { ok: true, to: 'processing-supplement' })
})

t.test('only the department returns a case; only the window accepts, extends and delivers', async (t) => {
  t.match(decide('processing', 'return', 'window', []), { ok: false, refusal: { reason: 'side' } })
  for (const [state, action] of [['received', 'accept'], ['processing', 'extend'], ['concluded', 'deliver']] as const) {
    t.match(decide(state, action, 'department', []), { ok: false, refusal: { reason: 'side' } })
  }
})
