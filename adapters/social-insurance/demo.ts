// The simulated social-insurance push in the demo: its options under `simulators.social-insurance`
// and how the demo starts it.
import { z } from 'zod'
import { defineSimulator, Duration } from '../../src/adapter-sdk/index.ts'
import { householdInsured, marketEmployer } from '../demo-story.ts'

const Options = z.object({
  seed: z.number().int().default(1),
  persons: z.number().int().min(10).max(1_000_000).default(3000),
  employers: z.number().int().min(1).max(100_000).default(200),
  /** Instance whose webhook endpoint the simulator delivers to. */
  deliverTo: z.string().default('social-insurance'),
  /** The subscriber secret: the simulator signs `v1sm3` with it. */
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{22,}$/, 'a Standard Webhooks secret: whsec_ followed by base64')
    .default('whsec_dG9uZ2Jhbi1kZW1vLXNvY2lhbC1pbnN1cmFuY2U='),
  /** The SM4 data key agreed with the subscriber, 32 hex characters. */
  dataKey: z.string().regex(/^[0-9a-fA-F]{32}$/, 'an SM4 data key: 32 hex characters').default('0123456789abcdeffedcba9876543210'),
  port: z.coerce.number().int().min(0).max(65535).default(0),
  host: z.string().default('127.0.0.1'),
  everyMs: Duration.default(5000),
  itemsPerBatch: z.number().int().min(1).max(1000).default(100),
  /** Share of batches delivered twice (the gateway answers the repeat 409). */
  duplicateRate: z.number().min(0).max(1).default(0.05),
  /** Every n-th insured person is a resident of the household simulator (0: none). */
  insuredFromHousehold: z.number().int().min(0).default(0),
  /** Employers are the market simulator's enterprises, so enrolments link to them. */
  employersFromMarket: z.boolean().default(false),
  /** Every n-th such employer carries a variant of the market register's name: a conflict (0: none). */
  employerNameVariantEvery: z.number().int().min(0).default(10),
})

export const demoSimulator = defineSimulator({
  options: Options,
  instanceKeys: ['deliverTo'],
  callsGateway: true,
  instance: (options) => ({
    webhook: { secrets: [options.secret], schemes: ['v1sm3'] },
    credentials: { dataKey: options.dataKey },
  }),
  async start (options, demo) {
    // Loaded only when the demo starts it: gateways and workers load this file with the adapter.
    const { startSimulator } = await import('./simulator.ts')
    const people = householdInsured(demo)
    const employerAt = marketEmployer(demo)
    return await startSimulator({
      seed: options.seed,
      persons: options.persons,
      employers: options.employers,
      dataKey: options.dataKey,
      port: options.port,
      host: options.host,
      subscriber: { url: `${demo.gatewayUrl}/webhooks/${options.deliverTo}`, secret: options.secret },
      autoEmitEveryMs: options.everyMs,
      itemsPerBatch: options.itemsPerBatch,
      duplicateRate: options.duplicateRate,
      ...(people ? { people } : {}),
      ...(employerAt ? { employerAt } : {}),
    })
  },
})
