// /healthz (the process is up), /readyz (Redis and the database answer), /metrics (Prometheus).
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../platform.ts'
import { syncStatus } from '../sync/status.ts'
import { queuesOf } from '../queues/queues.ts'
import { setAsideCounts } from '../store/file-inbox.ts'

async function probe (fn: () => Promise<unknown>, timeoutMs = 2000): Promise<'ok' | string> {
  try {
    await Promise.race([fn(), new Promise((_resolve, reject) => setTimeout(() => { reject(new Error(`no answer within ${timeoutMs} ms`)) }, timeoutMs).unref())])
    return 'ok'
  } catch (err) {
    return (err as Error).message
  }
}

export async function healthRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const api = app.withTypeProvider<ZodTypeProvider>()
  const Checks = z.object({ status: z.enum(['ok', 'unavailable']), redis: z.string(), database: z.string() })

  api.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }))

  api.get('/readyz', { schema: { tags: ['health'], summary: 'Readiness: Redis and the database reachable', response: { 200: Checks, 503: Checks } } }, async (_req, reply) => {
    const [redis, database] = await Promise.all([probe(async () => await platform.redis.ping()), probe(async () => await platform.db.query('SELECT 1'))])
    const ready = redis === 'ok' && database === 'ok'
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', redis, database })
  })

  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics', hide: false } }, async (_req, reply) => {
    const { metrics } = platform
    try {
      // Shared state is read at scrape time, from wherever the workers run.
      for (const [id, instance] of platform.instances) {
        for (const [name, queue] of queuesOf(instance.queues)) {
          const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'failed', 'prioritized')
          for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ adapter: id, queue: name, state }, n)
        }
      }
      for (const s of await syncStatus(platform)) {
        if (s.lagSeconds !== null) metrics.syncLag.set({ adapter: s.adapter }, s.lagSeconds)
        metrics.breakerOpen.set({ adapter: s.adapter }, s.breaker.state === 'closed' ? 0 : 1)
      }
      const setAside = await setAsideCounts(platform.db)
      for (const [id, instance] of platform.instances) {
        if (instance.adapter.files) metrics.filesSetAside.set({ adapter: id }, setAside.get(id) ?? 0)
      }
    } catch (err) {
      reply.log.warn({ err: (err as Error).message }, 'metrics: shared state unavailable; serving process counters only')
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
}
