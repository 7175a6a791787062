// The simulated social-assistance register in the demo: its options under
// `simulators.civil-affairs` and how the demo starts it.
import { z } from 'zod'
import { defineSimulator } from '../../src/adapter-sdk/index.ts'
import { householdBeneficiary } from '../demo-story.ts'

const Operator = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  county: z.string().regex(/^\d{6}$/, 'the 6-digit county code whose households the operator may look up'),
})

const Options = z.object({
  seed: z.number().int().default(1),
  cases: z.number().int().min(10).max(10_000_000).default(2000),
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().default('127.0.0.1'),
  appId: z.string(),
  appSecret: z.string(),
  /** Civil-affairs operator accounts the window staff look people up with (queryJzxxBySfzh). */
  operators: z.array(Operator).default([]),
  unavailableRate: z.number().min(0).max(1).default(0.01),
  /** HTTP 500 with fault E500, or with an empty body. */
  busyRate: z.number().min(0).max(1).default(0.02),
  bomRate: z.number().min(0).max(1).default(0.2),
  churnPerRequest: z.number().int().min(0).default(1),
  growPerMinute: z.number().int().min(0).default(5),
  /** Every n-th case concerns a resident of the household simulator (0: none), half of them in the demo's first town. */
  beneficiariesFromHousehold: z.number().int().min(0).default(0),
})

export const demoSimulator = defineSimulator({
  options: Options,
  // spec: E101 签名错误, E102 时间戳过期, E201 查询过于频繁, E500 系统繁忙; overloaded: HTTP 500 with an empty body
  faults: { E101: 'auth', E102: 'auth', E201: 'rate-limited', E500: 'unavailable', empty: 'unavailable' },
  // the conformance kit looks people up as the first operator
  staffAccount: (options) => options.operators[0],
  callsGateway: false,
  async start (options, demo) {
    // Loaded only when the demo starts it: gateways and workers load this file with the adapter.
    const { startSimulator } = await import('./simulator.ts')
    const people = householdBeneficiary(demo)
    return await startSimulator({
      seed: options.seed,
      cases: options.cases,
      port: options.port,
      host: options.host,
      apps: [{ appId: options.appId, appSecret: options.appSecret }],
      operators: options.operators,
      unavailableRate: options.unavailableRate,
      busyRate: options.busyRate,
      bomRate: options.bomRate,
      churnPerRequest: options.churnPerRequest,
      growPerMinute: options.growPerMinute,
      ...(people ? { people } : {}),
    })
  },
})
