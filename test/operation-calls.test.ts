// Kept operation calls: a call's stored output answers repeats within the replay window and is
// gone after it (outputs may hold personal data), whether or not the same key is called again.
import t from 'tap'
import { claimCall, finishCall, pruneCalls } from '../src/store/operation-calls.ts'
import { freshPglite } from './helpers.ts'

t.test('a kept call answers repeats in its window and is pruned after it', async (t) => {
  const db = await freshPglite(t)
  const key = { instance: 'civil-affairs', operation: 'queryJzxxBySfzh', key: '320412199501178919', caller: 'staff:1' }
  const first = await claimCall(db, key, { replayMs: 60_000, leaseMs: 5_000 })
  t.equal(first.state, 'claimed')
  if (first.state !== 'claimed') return
  await finishCall(db, key, first.token, [{ XM: '邓建军' }])
  t.same(await claimCall(db, key, { replayMs: 60_000, leaseMs: 5_000 }), { state: 'done', output: [{ XM: '邓建军' }] }, 'a repeat is answered from the kept output')
  t.equal(await pruneCalls(db, 60_000), 0, 'nothing is pruned inside the window')
  await db.query("UPDATE operation_calls SET done_at = now() - interval '2 minutes'")
  t.equal(await pruneCalls(db, 60_000), 1, 'the call is pruned once its window has passed')
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM operation_calls')
  t.equal(rows[0]!.n, 0, 'and its output with it')
})
