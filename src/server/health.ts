// /livez and /healthz (the process's event loop turns), /readyz (Redis and the database answer),
// /metrics (Prometheus). Every role serves them: the gateway on its port, a worker or scheduler on
// a small health port of its own (health-server.ts).
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../platform.ts'
import { syncStatus } from '../sync/status.ts'
import { queuesOf } from '../queues/queues.ts'
import { setAsideCounts } from '../store/file-inbox.ts'

/** fn's answer, or a rejection once timeoutMs passed: Redis commands wait through reconnects, so a probe must not. */
async function within<T> (fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([fn(), new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`no answer within ${timeoutMs} ms`)) }, timeoutMs) })])
  } finally {
    clearTimeout(timer)
  }
}

async function probe (fn: () => Promise<unknown>, timeoutMs = 2000): Promise<'ok' | string> {
  try {
    await within(fn, timeoutMs)
    return 'ok'
  } catch (err) {
    return (err as Error).message
  }
}

/** Reads the queues' shared state into the gauges: counts by state, and the oldest waiting job (one LRANGE and one HGETALL). */
async function readQueues (platform: Platform): Promise<void> {
  const { metrics } = platform
  for (const [id, instance] of platform.instances) {
    for (const [name, queue] of queuesOf(instance.queues)) {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'failed', 'prioritized')
      for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ adapter: id, queue: name, state }, n)
      metrics.queueWaiting.set({ adapter: id, queue: name }, counts.waiting ?? 0)
      // Workers take from the far end of the waiting list: ascending order starts with the next one due.
      const [oldest] = await queue.getJobs(['waiting'], 0, 0, true)
      metrics.queueOldestWaiting.set({ adapter: id, queue: name }, oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0)
    }
  }
}

async function readSharedState (platform: Platform): Promise<void> {
  const { metrics } = platform
  await readQueues(platform)
  for (const s of await syncStatus(platform)) {
    if (s.lagSeconds !== null) metrics.syncLag.set({ adapter: s.adapter }, s.lagSeconds)
    metrics.breakerOpen.set({ adapter: s.adapter }, s.breaker.state === 'closed' ? 0 : 1)
  }
  const setAside = await setAsideCounts(platform.db)
  for (const [id, instance] of platform.instances) {
    if (instance.adapter.files) metrics.filesSetAside.set({ adapter: id }, setAside.get(id) ?? 0)
  }
}

/** How long a scrape waits for the queues' state before it serves the process's own counters. */
const SHARED_STATE_TIMEOUT_MS = 3000

export async function healthRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const api = app.withTypeProvider<ZodTypeProvider>()
  const Checks = z.object({ status: z.enum(['ok', 'unavailable']), redis: z.string(), database: z.string() })

  // Liveness asks nothing of Redis or the database: answering at all shows the event loop turns. A
  // process whose Redis is gone is not ready (/readyz), but restarting it would not help.
  const Alive = { 200: z.object({ status: z.literal('ok') }) }
  api.get('/livez', { schema: { tags: ['health'], summary: 'Liveness: the event loop answers (no Redis or database call)', response: Alive } }, async () => ({ status: 'ok' as const }))
  api.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness (as /livez)', response: Alive } }, async () => ({ status: 'ok' as const }))

  api.get('/readyz', { schema: { tags: ['health'], summary: 'Readiness: Redis and the database reachable', response: { 200: Checks, 503: Checks } } }, async (_req, reply) => {
    const [redis, database] = await Promise.all([probe(async () => await platform.redis.ping()), probe(async () => await platform.db.query('SELECT 1'))])
    const ready = redis === 'ok' && database === 'ok'
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', redis, database })
  })

  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics', hide: false } }, async (_req, reply) => {
    const { metrics } = platform
    try {
      // Shared state is read at scrape time, from wherever the workers run; bounded, because
      // Redis commands wait through reconnects and a scrape must answer.
      await within(async () => { await readSharedState(platform) }, SHARED_STATE_TIMEOUT_MS)
    } catch (err) {
      reply.log.warn({ err: (err as Error).message }, 'metrics: shared state unavailable; serving process counters only')
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
}
