// The risk report's state table, every state × action, and the current values computed from events.
import t from 'tap'
import { decideRisk, allowedRiskActions } from '../../src/risks/machine.ts'
import { currentOf } from '../../src/risks/current.ts'
import { RISK_STATES, type RiskEvent } from '../../src/model/risk.ts'

const STEPS = ['correct', 'whistle', 'verify', 'close'] as const
const expected: Record<string, Record<string, string | null>> = {
  reported: { correct: 'reported', whistle: 'whistled', verify: 'verified', close: 'closed' },
  whistled: { correct: 'whistled', whistle: null, verify: 'verified', close: 'closed' },
  verified: { correct: 'verified', whistle: 'whistled', verify: null, close: 'closed' },
  closed: { correct: null, whistle: null, verify: null, close: null },
}

t.test('every state × action, a close with a verification note', async (t) => {
  for (const state of RISK_STATES) {
    for (const action of STEPS) {
      const d = decideRisk(state, action, { verification: true })
      t.same(d.ok ? d.to : null, expected[state]![action], `${state} × ${action}`)
      if (!d.ok) t.same(d.allowed, allowedRiskActions(state))
    }
  }
})

t.test('a close without verification only from verified', async (t) => {
  t.same(decideRisk('verified', 'close'), { ok: true, to: 'closed' })
  for (const state of ['reported', 'whistled'] as const) {
    const d = decideRisk(state, 'close')
    t.equal(d.ok, false)
    if (!d.ok) t.notOk(d.allowed.includes('close'), `${state}: close is not offered without a verification`)
  }
  t.same(allowedRiskActions('closed'), [])
})

t.test('current values: the report with each correction laid over it, in order', async (t) => {
  const actor = { kind: 'staff' as const, id: '1', name: '李伟' }
  const events: RiskEvent[] = [
    { seq: 1, action: 'report', actor, at: '2026-12-01T00:00:00Z', data: { category: '危房', village: '320412120201', address: 'A', location: null, description: 'd', photos: ['a'.repeat(64)], severity: 'high' } },
    { seq: 2, action: 'correct', actor, at: '2026-12-01T01:00:00Z', data: { changes: { severity: 'low', address: 'B' }, reason: 'r' } },
    { seq: 3, action: 'verify', actor, at: '2026-12-01T02:00:00Z', data: { note: 'n' } },
    { seq: 4, action: 'correct', actor, at: '2026-12-01T03:00:00Z', data: { changes: { severity: 'critical' }, reason: 'r' } },
  ]
  t.same(currentOf(events), { category: '危房', village: '320412120201', address: 'B', location: null, description: 'd', photos: ['a'.repeat(64)], severity: 'critical', corrected: ['severity', 'address'] })
  t.throws(() => currentOf([]), /without its report event/)
})
