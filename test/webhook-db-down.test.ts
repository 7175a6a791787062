// A webhook that cannot be committed is not accepted: 503 with a code the sender can act on
// (retry), never a 202 for data that was not stored.
import t from 'tap'
import pg from 'pg'
import { sign } from '../src/crypto/webhook-signature.ts'
import { DEMO_SECRET, POSTGRES_URL, startTestGateway } from './helpers.ts'

t.test('database down: webhooks are answered 503 TB_INBOX_UNAVAILABLE', async (t) => {
  const { gateway } = await startTestGateway(t, { store: 'postgres', redisIndex: 14 })
  const post = async (id: string) => {
    const body = JSON.stringify({ msgId: id, eventType: 'QR', occurTime: '2026-11-20 09:31:05', records: [] })
    const ts = Math.floor(Date.now() / 1000)
    const res = await fetch(`${gateway.url}/webhooks/household-registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(DEMO_SECRET, id, ts, body) },
      body,
    })
    return { status: res.status, body: await res.json() as Record<string, unknown> }
  }
  t.equal((await post('before')).status, 202)

  // Take the gateway's database away under it.
  const { rows } = await gateway.platform.db.query<{ db: string }>('SELECT current_database() AS db')
  const db = rows[0]!.db
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  await admin.query(`DROP DATABASE ${db} WITH (FORCE)`)
  await admin.end()

  const down = await post('during')
  t.equal(down.status, 503)
  t.match(down.body, { code: 'TB_INBOX_UNAVAILABLE', message: /nothing was accepted, send it again later/ })
  const ready = await fetch(`${gateway.url}/readyz`)
  t.equal(ready.status, 503, '/readyz says so too')
})
