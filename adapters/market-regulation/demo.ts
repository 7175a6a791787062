// The simulated market registry in the demo: its options under `simulators.market-regulation`
// and how the demo starts it.
import { z } from 'zod'
import { defineSimulator } from '../../src/adapter-sdk/index.ts'
import { householdRepresentative } from '../demo-story.ts'

const Options = z.object({
  seed: z.number().int().default(1),
  enterprises: z.number().int().min(10).max(10_000_000).default(2000),
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().default('127.0.0.1'),
  clientId: z.string(),
  clientSecret: z.string(),
  unavailableRate: z.number().min(0).max(1).default(0.02),
  churnPerRequest: z.number().int().min(0).default(1),
  growPerMinute: z.number().int().min(0).default(20),
  /** Every n-th enterprise's legal representative is a resident of the household simulator (0: none); one in ten of those under a variant of the name. */
  representativesFromHousehold: z.number().int().min(0).default(0),
})

export const demoSimulator = defineSimulator({
  options: Options,
  // spec: 4001 token invalid or expired, 4290 too many requests, 5000 internal error
  faults: { 4001: 'auth', 4290: 'rate-limited', 5000: 'unavailable' },
  callsGateway: false,
  async start (options, demo) {
    // Loaded only when the demo starts it: gateways and workers load this file with the adapter.
    const { startSimulator } = await import('./simulator.ts')
    const representative = householdRepresentative(demo)
    return await startSimulator({
      seed: options.seed,
      enterprises: options.enterprises,
      port: options.port,
      host: options.host,
      clients: [{ clientId: options.clientId, clientSecret: options.clientSecret }],
      unavailableRate: options.unavailableRate,
      churnPerRequest: options.churnPerRequest,
      growPerMinute: options.growPerMinute,
      ...(representative ? { representative } : {}),
    })
  },
})
