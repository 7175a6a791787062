// What an adapter declares about its simulator: the options the demo configuration gives it under
// `simulators.<adapter id>` and how to start it. The platform validates the options against the
// declared schema and starts the simulator; it knows no department by name.
import type { z } from 'zod'

/** A running department simulator: a real HTTP server following the department's spec. */
export interface RunningSimulator {
  readonly url: string
  close: () => Promise<void>
  // What `tongban adapter check --against-simulator` drives when a simulator offers it; the checks
  // that need a missing one say they were skipped.
  /** Queue one-shot faults for the next API calls: the kit's (`503`, `html502`…) or the department's own kinds (see `faults`). */
  failNext? (...kinds: string[]): void // a method: a simulator may accept only its own kinds
  /** Pull departments: the key field's value of every row the department holds now, as it serves them. */
  rowKeys?: () => readonly string[]
  /** Push departments: send a message to the subscriber now. */
  emit?: () => unknown
}

/**
 * What a department's spec says one of its answers means, as the platform's errors name it.
 * `integrity`, for a file drop: the next file written does not match its manifest (a truncated
 * upload); the platform must set it aside whole (TB_FILE_INTEGRITY), and the next emit corrects it.
 */
export type FaultMeaning = 'auth' | 'rate-limited' | 'unavailable' | 'business' | 'integrity'

/** What a simulator may know of the demo around it. */
export interface DemoContext {
  /** The configured towns' division codes, in order. */
  towns: readonly string[]
  /** Every configured simulator's validated options, by adapter id: for stories that span departments. */
  simulators: Readonly<Record<string, unknown>>
}

interface SimulatorOptions<O> {
  options: z.ZodType<O, any>
  /** Option keys that name an adapter instance (e.g. the one it delivers webhooks to); the platform checks each exists. */
  instanceKeys?: ReadonlyArray<keyof O & string>
  /**
   * The department's own one-shot faults (`failNext` kinds such as business codes) and what its
   * spec says each means: the conformance kit asks for each and expects the adapter to throw that.
   */
  faults?: Readonly<Record<string, FaultMeaning>>
  /**
   * The instance configuration that talks to this simulator (credentials it accepts, webhook
   * secrets it signs with), from its options: the conformance kit uses it when the configuration
   * it reads has no instance of the adapter.
   */
  instance?: (options: O) => Record<string, unknown>
  /** A department account of a staff member the simulator accepts (from its options): the conformance kit calls staff operations with it. */
  staffAccount?: (options: O) => { username: string, password: string } | undefined
}

/**
 * A simulator the gateway calls starts before it (its pull workers need the department up); one
 * that calls the gateway (webhooks, sign-in) starts once the gateway listens, and is told where.
 */
export type SimulatorDeclaration<O = any> = SimulatorOptions<O> & (
  | { callsGateway: false, start: (options: O, demo: DemoContext) => Promise<RunningSimulator> }
  | { callsGateway: true, start: (options: O, demo: DemoContext & { gatewayUrl: string }) => Promise<RunningSimulator> }
)

/** Identity function that infers the simulator's option type from its schema. */
export function defineSimulator<O> (simulator: SimulatorDeclaration<O>): SimulatorDeclaration<O> {
  return simulator
}
