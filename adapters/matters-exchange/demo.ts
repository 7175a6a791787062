// The simulated provincial government-services platform in the demo: its options under
// `simulators.matters-exchange` and how the demo starts it.
import { z } from 'zod'
import { defineSimulator } from '../../src/adapter-sdk/index.ts'

const Options = z.object({
  seed: z.number().int().default(1),
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().default('127.0.0.1'),
  /** The town's app id and secret the platform registered. */
  appId: z.string().default('T320412120'),
  appSecret: z.string().min(1).default('matters-demo-secret'),
  /** The instance whose webhook endpoint receives the department's case events (联办), and the whsec_ secret they are signed with (v1sm3); no events without them. */
  deliverTo: z.string().optional(),
  secret: z.string().startsWith('whsec_').optional(),
  /** Pause between a case's events, in milliseconds. */
  eventStepMs: z.number().int().min(0).default(5000),
  /** Share of results sent before the case's last step (production: about 1 in 200). */
  resultFirstRate: z.number().min(0).max(1).default(0.005),
  /** Share of 联办 cases the department sends back to the window instead of deciding. */
  returnedRate: z.number().min(0).max(1).default(0.05),
  /** The nightly maintenance window at 02:00 Beijing time, in seconds (0: none). */
  maintenanceSeconds: z.number().int().min(0).max(3600).default(30),
  /** Requests per second per app before 4290 (spec: 20). */
  rateLimitPerSecond: z.number().int().min(0).default(20),
})

export const demoSimulator = defineSimulator({
  options: Options,
  // spec: 1001 bad signature, 1002 stale timestamp or reused nonce, 4290 too many requests, 5000 busy
  faults: { 1001: 'auth', 1002: 'auth', 4290: 'rate-limited', 5000: 'unavailable' },
  instance: (options) => ({ credentials: { appId: options.appId, appSecret: options.appSecret } }),
  instanceKeys: ['deliverTo'],
  callsGateway: true,
  async start (options, demo) {
    // Loaded only when the demo starts it: gateways and workers load this file with the adapter.
    const { startSimulator } = await import('./simulator.ts')
    return await startSimulator({
      seed: options.seed,
      port: options.port,
      host: options.host,
      apps: [{ appId: options.appId, appSecret: options.appSecret }],
      ...(options.deliverTo && options.secret ? { webhook: { url: `${demo.gatewayUrl}/webhooks/${options.deliverTo}`, secret: options.secret } } : {}),
      eventStepMs: options.eventStepMs,
      resultFirstRate: options.resultFirstRate,
      returnedRate: options.returnedRate,
      maintenanceSeconds: options.maintenanceSeconds,
      rateLimitPerSecond: options.rateLimitPerSecond,
    })
  },
})
