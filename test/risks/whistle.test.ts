// A risk report turned into a whistle through the whistle service: the leader blows it from the
// report (the report is the whistle's source), the report records the whistle as an event and
// is not whistled twice; grid staff, who may not blow, are refused. Concurrent actions on one
// report take turns on its row lock: one wins, the other meets the new state (409).
import t from 'tap'
import { DEPARTMENT, call, report, startRisksGateway } from './kit.ts'

t.test('a risk report becomes a whistle', async (t) => {
  const { base, db, auth } = await startRisksGateway(t, { store: 'postgres', redisIndex: 24 })
  const grid = await auth(['grid-staff'])
  const leader = await auth(['town-leader'])
  const id = (await call(base, 'POST', '/api/v1/risks', grid, report())).body.id as string
  const whistle = { action: 'whistle', type: 'key', departments: [{ code: DEPARTMENT, role: 'lead' }] }

  t.equal((await call(base, 'POST', `/api/v1/risks/${id}/events`, grid, whistle)).status, 403, 'grid staff do not blow')
  const blown = await call(base, 'POST', `/api/v1/risks/${id}/events`, leader, whistle)
  t.equal(blown.status, 200, JSON.stringify(blown.body))
  t.equal(blown.body.risk.state, 'whistled')
  const whistleId = blown.body.risk.whistleId as string
  t.ok(whistleId)
  t.equal(blown.body.event.data.whistleId, whistleId)
  const w = (await db.query<{ source_kind: string, source_id: string, title: string, division: string }>('SELECT source_kind, source_id, title, division FROM whistles WHERE id = $1', [whistleId])).rows[0]!
  t.same({ kind: w.source_kind, id: w.source_id }, { kind: 'risk', id }, 'the report is the whistle\'s source')
  t.equal(w.title, '危房：湟里村东街 12 号')
  t.equal(w.division, '320412120201', 'placed in the report\'s village')
  const again = await call(base, 'POST', `/api/v1/risks/${id}/events`, leader, whistle)
  t.equal(again.status, 409)
  t.equal(again.body.code, 'TB_RISK_TRANSITION_NOT_ALLOWED')
  t.same(again.body.message.match(/allowed now: (.*)$/)[1], 'correct, verify, close')
  t.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM whistles')).rows[0]!.n, 1, 'one whistle')

  const both = await Promise.all([1, 2].map(async () => await call(base, 'POST', `/api/v1/risks/${id}/events`, leader, { action: 'verify', note: '现场核查' })))
  t.same(both.map((r) => r.status).sort(), [200, 409], 'two verifications at once: one applied')
  t.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM risk_events WHERE risk_id = $1 AND action = \'verify\'', [id])).rows[0]!.n, 1)
})
