// The simulated household register in the demo: its options under
// `simulators.household-registration` and how the demo starts it.
import { z } from 'zod'
import { defineSimulator, Duration } from '../../src/adapter-sdk/index.ts'
import { seededConflict } from '../demo-story.ts'

const Options = z.object({
  seed: z.number().int().default(1),
  residents: z.number().int().min(10).max(10_000_000).default(5000),
  /** Instance whose webhook endpoint the simulator delivers to. */
  deliverTo: z.string(),
  secret: z.string().startsWith('whsec_'),
  everyMs: Duration.default(3000),
  recordsPerMessage: z.number().int().min(1).max(500).default(5),
})

export const demoSimulator = defineSimulator({
  options: Options,
  instanceKeys: ['deliverTo'],
  callsGateway: true,
  async start (options, demo) {
    // Loaded only when the demo starts it: gateways and workers load this file with the adapter.
    const { startSimulator } = await import('./simulator.ts')
    const sim = await startSimulator({
      seed: options.seed,
      residents: options.residents,
      subscriber: { url: `${demo.gatewayUrl}/webhooks/${options.deliverTo}`, secret: options.secret },
      autoEmitEveryMs: options.everyMs,
      recordsPerMessage: options.recordsPerMessage,
    })
    const seeded = seededConflict(demo)
    // Before the simulator's own timer fires, so this is its message number 1 (see seededConflict).
    if (seeded) sim.emit({ residentFrom: seeded.resident, recordsPerMessage: 1, eventType: 'QR' })
    return sim
  },
})
