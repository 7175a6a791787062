// The simulated 12345 hotline in the demo: its options under `simulators.hotline-12345` and how the
// demo starts it.
import { z } from 'zod'
import { defineSimulator } from '../../src/adapter-sdk/index.ts'

const Options = z.object({
  seed: z.number().int().default(1),
  port: z.coerce.number().int().min(0).max(65535).default(18095),
  host: z.string().default('127.0.0.1'),
  /** The town's client at the hotline (POST /api/token). */
  clientId: z.string().min(1).default('hotline-town-320412120'),
  clientSecret: z.string().min(1).default('hotline-demo-secret'),
  /** The instance whose webhook endpoint receives the work orders, and the whsec_ secret they are signed with (v1); no orders without them. */
  deliverTo: z.string().optional(),
  secret: z.string().startsWith('whsec_').optional(),
  /** A new order every so many milliseconds (0: only on demand). */
  orderEveryMs: z.number().int().min(0).default(8000),
  /** Share of orders dispatched twice (same orderNo, new eventId). */
  duplicateRate: z.number().min(0).max(1).default(0.05),
  /** Share of orders whose order.urged is sent before their order.dispatched. */
  urgeFirstRate: z.number().min(0).max(1).default(0.05),
  /** Share of closed orders reopened (重办) when the caller was dissatisfied (satisfied ≤ 2). */
  reopenRate: z.number().min(0).max(1).default(0.5),
  /** Pause after the town's reply before the revisit (回访), and again before the order closes. */
  revisitAfterMs: z.number().int().min(0).default(60_000),
})

export const demoSimulator = defineSimulator({
  options: Options,
  faults: { E_AUTH: 'auth', E_LIMIT: 'rate-limited' },
  instance: (options) => ({ credentials: { clientId: options.clientId, clientSecret: options.clientSecret } }),
  instanceKeys: ['deliverTo'],
  callsGateway: true,
  async start (options, demo) {
    // Loaded only when the demo starts it: gateways and workers load this file with the adapter.
    const { startSimulator } = await import('./simulator.ts')
    return await startSimulator({
      seed: options.seed,
      port: options.port,
      host: options.host,
      clients: [{ clientId: options.clientId, clientSecret: options.clientSecret }],
      ...(options.deliverTo && options.secret ? { webhook: { url: `${demo.gatewayUrl}/webhooks/${options.deliverTo}`, secret: options.secret } } : {}),
      orderEveryMs: options.orderEveryMs,
      duplicateRate: options.duplicateRate,
      urgeFirstRate: options.urgeFirstRate,
      reopenRate: options.reopenRate,
      revisitAfterMs: options.revisitAfterMs,
    })
  },
})
