// One circuit breaker per adapter instance around its department calls: after repeated
// failures calls fail fast for a while instead of tying up workers on a system that is down.
// Rate limiting and business answers are the department working, so they do not trip it.
import CircuitBreaker from 'opossum'
import { DepartmentUnavailableError } from '../adapter-sdk/index.ts'
import { TongbanError } from '../errors.ts'

export type BreakerState = 'closed' | 'open' | 'half-open'

export interface Breaker {
  run: <T>(fn: () => Promise<T>) => Promise<T>
  readonly state: BreakerState
  onChange: (listener: (state: BreakerState) => void) => void
  shutdown: () => void
}

export function createBreaker (name: string, opts: { errorThresholdPercentage: number, volumeThreshold: number, resetTimeout: number }): Breaker {
  const breaker = new CircuitBreaker(async (fn: () => Promise<unknown>) => await fn(), {
    timeout: false,
    errorThresholdPercentage: opts.errorThresholdPercentage,
    volumeThreshold: opts.volumeThreshold,
    resetTimeout: opts.resetTimeout,
    rollingCountTimeout: 30_000,
    errorFilter: (err: unknown) => !(err instanceof DepartmentUnavailableError),
  })
  const listeners: Array<(s: BreakerState) => void> = []
  const emit = (s: BreakerState): void => { for (const l of listeners) l(s) }
  breaker.on('open', () => emit('open'))
  breaker.on('halfOpen', () => emit('half-open'))
  breaker.on('close', () => emit('closed'))
  return {
    async run<T> (fn: () => Promise<T>): Promise<T> {
      try {
        return await breaker.fire(fn) as T
      } catch (err) {
        if ((err as { code?: string }).code === 'EOPENBREAKER') throw new TongbanError('TB_BREAKER_OPEN', [name, opts.resetTimeout])
        throw err
      }
    },
    get state (): BreakerState { return breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed' },
    onChange: (listener) => { listeners.push(listener) },
    shutdown: () => { breaker.shutdown() },
  }
}
