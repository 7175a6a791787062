// How many residents and enterprises a scope holds, for the home page. Counted at most once a
// minute per scope and kept in Redis (every gateway shares it): counting a town of a
// million-resident county takes a few hundred milliseconds, too long for each visit home.
import type { Redis } from '../redis/connect.ts'
import type { Queryable } from '../store/db.ts'
import type { Scope } from '../model/scope.ts'
import { countInScope } from '../store/records.ts'

export interface ScopeCounts { residents: number, enterprises: number, countedAt: string }

const TTL_SECONDS = 60

export async function scopeCounts (db: Queryable, redis: Redis, scope: Scope): Promise<ScopeCounts> {
  const key = `tb:portal:scope-counts:${scope.prefix}:${scope.unlocated ? 'all' : 'placed'}`
  const cached = await redis.get(key)
  if (cached) return JSON.parse(cached) as ScopeCounts
  const [residents, enterprises] = await Promise.all([countInScope(db, 'person', scope), countInScope(db, 'enterprise', scope)])
  const counts = { residents, enterprises, countedAt: new Date().toISOString() }
  await redis.set(key, JSON.stringify(counts), 'EX', TTL_SECONDS)
  return counts
}
