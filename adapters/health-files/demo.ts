// The simulated health-commission file exchange in the demo: its options under
// `simulators.health-files` and how the demo starts it. Its SFTP server uses the DEMO keys of
// demo-keys.ts, so the instance that reads it is known before it starts (`instance`).
import { z } from 'zod'
import { defineSimulator, Duration } from '../../src/adapter-sdk/index.ts'
import { householdContracted } from '../demo-story.ts'
import { DEMO_HOST_KEY, DEMO_HOST_KEY_FINGERPRINT, DEMO_USER_KEY } from './demo-keys.ts'

const Options = z.object({
  seed: z.number().int().default(1),
  /** The department's population the rows cycle through. */
  residents: z.number().int().min(10).max(10_000_000).default(5000),
  rowsPerFile: z.number().int().min(1).max(1_000_000).default(400),
  maxFilesPerDay: z.number().int().min(1).max(20).default(2),
  /** Day 0's date; the demo's days then follow one a `dayEvery`. */
  startDay: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD').default('2026-10-01'),
  /** 9-digit code of the town whose outbox (`/outbox/{town}`) it writes: the configured town's. */
  town: z.string().regex(/^\d{9}$/, 'a 9-digit town code').default('320412120'),
  /** The town's SFTP user; it signs in with the DEMO key (demo-keys.ts). */
  username: z.string().min(1).default('hlz320412120'),
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().default('127.0.0.1'),
  /** A "day" of files every this long (the first at start); 0: only when asked (`emit`). */
  dayEvery: Duration.default(0),
  truncatedRate: z.number().min(0).max(1).default(0),
  keepDays: z.number().int().min(1).default(30),
  /** Every n-th slot is a resident of the household simulator (0: none), half of them in the demo's first town. */
  residentsFromHousehold: z.number().int().min(0).default(0),
})
type Options = z.infer<typeof Options>

// The conformance kit starts the simulator on a free port and then asks for the instance that
// reaches it: the port it bound, by the options it was started with.
const bound = new WeakMap<Options, number>()

export const demoSimulator = defineSimulator({
  options: Options,
  // spec: a file whose SM3 in the `.ok` does not match (a truncated upload) is set aside
  faults: { truncated: 'integrity' },
  instance: (options) => ({
    files: { sftp: { host: options.host, port: bound.get(options) ?? options.port, path: `/outbox/${options.town}`, hostKey: DEMO_HOST_KEY_FINGERPRINT, sessions: 2 } },
    credentials: { username: options.username, privateKey: DEMO_USER_KEY.privateKey },
  }),
  callsGateway: false,
  async start (options, demo) {
    // Loaded only when the demo starts it: gateways and workers load this file with the adapter.
    const { startSimulator } = await import('./simulator.ts')
    const people = householdContracted(demo)
    const sim = await startSimulator({
      seed: options.seed,
      residents: options.residents,
      rowsPerFile: options.rowsPerFile,
      maxFilesPerDay: options.maxFilesPerDay,
      startDay: options.startDay,
      people,
      town: options.town,
      users: [{ username: options.username, publicKey: DEMO_USER_KEY.publicKey }],
      maxSessionsPerUser: 2,
      hostKey: DEMO_HOST_KEY,
      host: options.host,
      port: options.port,
      dayEveryMs: options.dayEvery,
      truncatedRate: options.truncatedRate,
      keepDays: options.keepDays,
    })
    bound.set(options, sim.port)
    return sim
  },
})
