// The whistle state machine, every state × action of both tables: the town's decisions and the
// departments' answers; no department action ever leads anywhere but a department answer state.
import t from 'tap'
import { DEPARTMENT_ACTIONS, TARGET_STATES, TOWN_ACTIONS, WHISTLE_STATES } from '../../src/model/whistle.ts'
import { DEPARTMENT_TRANSITIONS, TOWN_TRANSITIONS, decideDepartment, decideTown, departmentActions, townActions } from '../../src/whistles/machine.ts'

const TOWN_EXPECTED: Record<string, Record<string, string>> = {
  'awaiting-approval': { approve: 'open', withdraw: 'withdrawn' },
  open: { reroute: 'open', 'decide-extension': 'open', 'reject-done': 'open', close: 'closed' },
  closed: { reopen: 'open' },
  withdrawn: {},
}

const DEPARTMENT_EXPECTED: Record<string, Record<string, string>> = {
  whistled: { respond: 'responded', arrive: 'arrived', return: 'returned', 'request-extension': 'whistled' },
  responded: { arrive: 'arrived', progress: 'responded', return: 'returned', 'request-extension': 'responded' },
  arrived: { progress: 'arrived', 'request-extension': 'arrived', 'declare-done': 'done-declared' },
  'done-declared': { progress: 'done-declared' },
  returned: {},
  finished: {},
}

t.test('the town: every whistle state × every town action', async (t) => {
  // targets that satisfy every guard, so only the state decides
  const ctx = { targets: [{ department: 'a', state: 'done-declared' as const, pendingExtension: true }], department: 'a' }
  for (const state of WHISTLE_STATES) {
    for (const action of TOWN_ACTIONS) {
      const d = decideTown(state, action, ctx)
      const want = TOWN_EXPECTED[state]![action]
      if (want) t.strictSame(d, { ok: true, to: want }, `${state} × ${action}`)
      else t.strictSame(d, { ok: false, refusal: { reason: 'state', state, allowed: townActions(state) } }, `${state} × ${action} refused, naming what is allowed`)
    }
    t.strictSame(townActions(state), Object.keys(TOWN_EXPECTED[state]!).sort((a, b) => TOWN_ACTIONS.indexOf(a as never) - TOWN_ACTIONS.indexOf(b as never)))
  }
  t.strictSame(TOWN_TRANSITIONS, TOWN_EXPECTED)
})

t.test('a department: every whistle state × answer state × department action', async (t) => {
  for (const whistle of WHISTLE_STATES) {
    for (const target of TARGET_STATES) {
      for (const action of DEPARTMENT_ACTIONS) {
        const d = decideDepartment(whistle, target, action)
        const want = whistle === 'open' ? DEPARTMENT_EXPECTED[target]![action] : undefined
        if (want) {
          t.strictSame(d, { ok: true, to: want }, `${whistle}/${target} × ${action}`)
          t.ok((TARGET_STATES as readonly string[]).includes(want))
        } else {
          t.equal(d.ok, false, `${whistle}/${target} × ${action} refused`)
        }
      }
      if (whistle !== 'open') t.strictSame(departmentActions(whistle, target), [])
    }
  }
  t.strictSame(DEPARTMENT_TRANSITIONS, DEPARTMENT_EXPECTED)
})

t.test('the guards: close waits for every department, an extension is decided once asked, done sent back only when declared', async (t) => {
  const close = (states: string[]) => decideTown('open', 'close', { targets: states.map((s, i) => ({ department: `d${i}`, state: s as never })) })
  t.equal(close(['done-declared', 'returned']).ok, true)
  t.match(close(['done-declared', 'arrived']), { ok: false, refusal: { reason: 'guard', why: /d1/ } })
  t.match(close(['returned', 'returned']), { ok: false, refusal: { reason: 'guard', why: /every department returned/ } })
  t.match(decideTown('open', 'decide-extension', { targets: [{ department: 'a', state: 'arrived' }], department: 'a' }), { ok: false, refusal: { reason: 'guard' } })
  t.match(decideTown('open', 'reject-done', { targets: [{ department: 'a', state: 'arrived' }], department: 'a' }), { ok: false, refusal: { reason: 'guard' } })
  t.match(decideTown('open', 'reject-done', { targets: [], department: 'x' }), { ok: false, refusal: { reason: 'guard', why: /not summoned/ } })
  t.match(decideDepartment('open', 'arrived', 'request-extension', { pendingExtension: true }), { ok: false, refusal: { reason: 'guard' } })
})
