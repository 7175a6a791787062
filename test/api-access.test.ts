// Who may call /api/v1 and how often: the per-caller rate limit, what each role and the bootstrap
// token may do, and the refusals of input a schema alone cannot judge. A whole gateway on PGlite.
import t from 'tap'
import { API_RATE } from '../src/server/auth.ts'
import { BOOTSTRAP_TOKEN, callApi, operatorAuth, startTestGateway } from './helpers.ts'

t.test('/api/v1 access', async (t) => {
  const { gateway } = await startTestGateway(t, { store: 'pglite', redisIndex: 15 })
  const base = gateway.url
  const bootstrap = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }

  t.test(`the rate limit: ${API_RATE.max} requests a minute per caller, then 429 TB_RATE_LIMITED with Retry-After`, async (t) => {
    const runaway = await operatorAuth(base)
    const other = await operatorAuth(base)
    let answered = 0
    const statuses = new Map<number, number>()
    // Several routes, several at a time: the limit counts the caller, not the route.
    const paths = ['/api/v1/sync/status', '/api/v1/conflicts?limit=1', '/api/v1/persons?limit=1', '/api/v1/conflicts/999999']
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (answered < API_RATE.max) {
        const res = await fetch(`${base}${paths[answered++ % paths.length]!}`, { headers: runaway })
        await res.arrayBuffer()
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      }
    }))
    t.notOk(statuses.has(429), `the first ${API_RATE.max} requests pass (${JSON.stringify([...statuses])})`)
    const over = await fetch(`${base}/api/v1/sync/status`, { headers: runaway })
    t.equal(over.status, 429, 'one more is refused')
    const body = await over.json() as Record<string, unknown>
    t.same(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'])
    t.match(body, { statusCode: 429, code: 'TB_RATE_LIMITED', error: 'Too Many Requests', message: /try again in \d+ seconds/ })
    const retryAfter = Number(over.headers.get('retry-after'))
    t.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After: ${retryAfter} seconds`)
    t.equal((await callApi(base, 'GET', '/api/v1/sync/status', { headers: other })).status, 200, 'another caller is not slowed')
  })
})
