// The breaker states of all connections, kept in Redis so the status board is right however
// many worker processes hold connections.
import type { Redis } from '../redis/connect.ts'
import type { BreakerState } from './breaker.ts'

// Beside the queues' keys, under the same `tongban` prefix.
const BREAKER_KEY = 'tongban:breakers'

export interface BreakerStatus { state: BreakerState, since: string | null }

export async function publishBreakerState (redis: Redis, instanceId: string, state: BreakerState): Promise<void> {
  await redis.hset(BREAKER_KEY, instanceId, JSON.stringify({ state, since: new Date().toISOString() }))
}

/** Per adapter instance; one whose connection was never opened is closed since no time. */
export async function readBreakerStates (redis: Redis): Promise<(instanceId: string) => BreakerStatus> {
  const stored = await redis.hgetall(BREAKER_KEY)
  return (id) => stored[id] ? JSON.parse(stored[id]) as BreakerStatus : { state: 'closed', since: null }
}
