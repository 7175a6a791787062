// What can go wrong between a town and a department, on demand: the gateway in front of the
// department answering 503 or an nginx HTML error page, a call hanging until the client gives up,
// an answer arriving slowly, the department down or frozen, tokens revoked. Random faults are drawn
// from a seeded stream in a fixed order per call, so a run's faults depend only on the seed and the
// calls made; one-shot faults are served to the next calls in order, for tests that name the
// fault they want. A department's own one-shots (business error codes) queue alongside and are
// handed to its route, which knows how to answer them.
import { seeded } from './random.ts'

/** Faults the kit answers itself, before the route runs. */
export const KIT_FAULTS = ['503', 'html502', 'html503', 'html504', 'timeout', 'hang', 'slow', 'revoke'] as const
export type KitFault = (typeof KIT_FAULTS)[number]

export interface FaultSettings {
  /** Share of calls the gateway answers with 503 (plain or an HTML page), or an HTML 502/504. */
  unavailableRate: number
  /** Share of calls that hang `timeoutMs`, then get a gateway 504 page. */
  timeoutRate: number
  timeoutMs: number
  /** Share of calls answered normally but only after `slowMs`. */
  slowRate: number
  slowMs: number
  /** Every faulty call (department API and token endpoint) is answered 503 until turned off. */
  down: boolean
  /** Every faulty call hangs until turned off, then is answered. */
  hang: boolean
}

export interface FaultUpdate extends Partial<FaultSettings> {
  /** One-shot faults for the next calls: a kit fault or one of the department's `kinds`. */
  failNext?: readonly (string | { kind: string })[]
}

export interface FaultOptions extends Partial<Omit<FaultSettings, 'down' | 'hang'>> {
  /** Seeds the random faults. Default 1. */
  seed?: number
  /** The department's own one-shot kinds (e.g. business codes), handed to its route as `req.fault`. */
  kinds?: readonly string[]
}

/** What the injector decided for one call. */
export type FaultDecision =
  | { kind: 'answer', fault: '503' | 'html502' | 'html503' | 'html504' | 'timeout' | 'hang' }
  | { kind: 'proceed', slowMs: number, revoke: boolean, fault: string | undefined }

const NUMBERS = ['unavailableRate', 'timeoutRate', 'timeoutMs', 'slowRate', 'slowMs'] as const
const SWITCHES = ['down', 'hang'] as const
const FAULT_STREAM = 0x6661756c

export class FaultInjector {
  private readonly now: FaultSettings
  private readonly queue: string[] = []
  private readonly kinds: readonly string[]
  private readonly rng: () => number
  private readonly released = new Set<() => void>()

  constructor (opts: FaultOptions = {}) {
    this.now = {
      unavailableRate: opts.unavailableRate ?? 0,
      timeoutRate: opts.timeoutRate ?? 0,
      timeoutMs: opts.timeoutMs ?? 5000,
      slowRate: opts.slowRate ?? 0,
      slowMs: opts.slowMs ?? 2000,
      down: false,
      hang: false,
    }
    this.kinds = [...KIT_FAULTS, ...(opts.kinds ?? [])]
    this.rng = seeded(opts.seed ?? 1, 0, 101, FAULT_STREAM)
  }

  /** The settings in force and the one-shots still queued. */
  settings (): FaultSettings & { failNext: string[] } {
    return { ...this.now, failNext: [...this.queue] }
  }

  /** Change settings and queue one-shots; throws RangeError on a bad value (nothing is changed then). */
  set (update: FaultUpdate): FaultSettings & { failNext: string[] } {
    const next = { ...this.now }
    for (const k of NUMBERS) {
      const v = update[k]
      if (v === undefined) continue
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${k} must be a non-negative number`)
      next[k] = v
    }
    for (const k of SWITCHES) {
      const v = update[k]
      if (v === undefined) continue
      if (typeof v !== 'boolean') throw new RangeError(`${k} must be a boolean`)
      next[k] = v
    }
    const shots = (update.failNext ?? []).map((f) => (typeof f === 'string' ? f : f?.kind))
    for (const kind of shots) {
      if (!this.kinds.includes(kind)) throw new RangeError(`failNext kind must be one of ${this.kinds.join(', ')}`)
    }
    Object.assign(this.now, next)
    this.queue.push(...shots)
    if (!this.now.hang) this.release()
    return this.settings()
  }

  failNext (...kinds: string[]): void {
    this.set({ failNext: kinds })
  }

  /** Waits while the hang switch is on: until it is turned off, or `stop()` holds once `release` wakes it (closing). */
  async whileHanging (stop: () => boolean): Promise<void> {
    while (this.now.hang && !stop()) await new Promise<void>((resolve) => this.released.add(resolve))
  }

  /** Wakes every call held by the hang switch. */
  release (): void {
    for (const wake of this.released) wake()
    this.released.clear()
  }

  /**
   * The fault for one call of a department API route. Draws happen on every call in a fixed order
   * (two from the seeded stream, one one-shot), so which call gets which random fault does not
   * depend on the one-shots queued.
   */
  decide (): FaultDecision {
    const gatewayRoll = this.rng()
    const kindRoll = this.rng()
    const slowRoll = this.rng()
    const shot = this.queue.shift()
    const s = this.now
    if (shot === '503' || shot === 'html502' || shot === 'html503' || shot === 'html504' || shot === 'timeout' || shot === 'hang') {
      return { kind: 'answer', fault: shot }
    }
    if (shot === undefined) {
      if (gatewayRoll < s.unavailableRate) {
        return { kind: 'answer', fault: kindRoll < 0.25 ? '503' : kindRoll < 0.5 ? 'html503' : kindRoll < 0.75 ? 'html502' : 'html504' }
      }
      if (gatewayRoll < s.unavailableRate + s.timeoutRate) return { kind: 'answer', fault: 'timeout' }
    }
    const slow = shot === 'slow' || (shot === undefined && slowRoll < s.slowRate)
    return {
      kind: 'proceed',
      slowMs: slow ? s.slowMs : 0,
      revoke: shot === 'revoke',
      fault: shot === 'slow' || shot === 'revoke' ? undefined : shot,
    }
  }
}
