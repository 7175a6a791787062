// Searches of residents and enterprises may read from a streaming standby (DATABASE_READ_URL),
// with read-your-writes per caller: after a change made in a caller's request, the primary's WAL
// position is remembered for that caller in Redis (every gateway sees it), and the caller's reads
// go to the standby only once it has replayed that far. A standby that is down or cancels a query
// sends reads to the primary; it is tried again after a pause, and its fall is logged once.
import pg from 'pg'
import type { Logger } from '../log.ts'
import type { Db, Queryable } from './db.ts'

/** Longer than any lag a healthy standby has: past it a caller's change is long replayed. */
const REMEMBER_SECONDS = 300
/** How long a standby that failed is left alone before reads try it again. */
const RETRY_AFTER_MS = 15_000

const keyOf = (caller: string): string => `tb:read-after:${caller}`

/** The caller whose writes a read must see: a staff member or an API token. */
export const callerOf = (principal: { kind: string, id: string }): string => `${principal.kind}:${principal.id}`

export interface ReadRouting {
  /** After a change made for `caller` (a staff member or token: `kind:id`): remember where the primary's WAL stands. */
  wrote: (caller: string) => Promise<void>
  /** Where `caller`'s search reads: the standby when it has replayed the caller's last change, else the primary. */
  reader: (caller: string | undefined) => Promise<Queryable>
}

/** What is asked of Redis (a server, Sentinel's master or a cluster alike). */
interface Memory {
  get: (key: string) => Promise<string | null>
  set: (key: string, value: string, ex: 'EX', seconds: number) => Promise<unknown>
}

interface Source { db: Db, redis: Memory, logger: Logger }

// One per database, so every route shares whether the standby is down (and logs it once).
const routings = new WeakMap<Db, ReadRouting>()

export function readRouting (source: Source): ReadRouting {
  let routing = routings.get(source.db)
  if (!routing) {
    routing = source.db.standby ? standbyRouting(source, source.db.standby) : { wrote: async () => {}, reader: async () => source.db }
    routings.set(source.db, routing)
  }
  return routing
}

function standbyRouting ({ db, redis, logger }: Source, standby: Db): ReadRouting {
  let downUntil = 0
  const fellBack = (err: Error): void => {
    if (downUntil === 0) logger.warn({ err: err.message }, 'the read standby (DATABASE_READ_URL) failed: searches read from the primary')
    downUntil = Date.now() + RETRY_AFTER_MS
  }
  const up = (): void => {
    if (downUntil !== 0) logger.info('the read standby (DATABASE_READ_URL) answers again: searches read from it')
    downUntil = 0
  }
  // A query the standby cannot answer is the primary's; an error in the statement itself is the caller's.
  const viaStandby: Queryable = {
    async query (sql, params) {
      try {
        const result = await standby.query(sql, params)
        up()
        return result as never
      } catch (err) {
        if (!standbyFailure(err)) throw err
        fellBack(err as Error)
        return await db.query(sql, params)
      }
    },
  }
  return {
    async wrote (caller) {
      try {
        const { rows } = await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
        await redis.set(keyOf(caller), rows[0]!.lsn, 'EX', REMEMBER_SECONDS)
      } catch (err) {
        // The change is made and answered; this caller's next searches may lag for a moment.
        logger.warn({ err: (err as Error).message }, 'could not remember a change for read-your-writes')
      }
    },
    async reader (caller) {
      if (Date.now() < downUntil) return db
      const after = caller === undefined ? null : await redis.get(keyOf(caller)).catch(() => undefined)
      if (after === undefined) return db // Redis cannot say what the caller changed: the primary is sure
      if (after === null) return viaStandby
      try {
        const { rows } = await standby.query<{ caught: boolean }>('SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS caught', [after])
        up()
        return rows[0]?.caught === true ? viaStandby : db
      } catch (err) {
        if (!standbyFailure(err)) throw err
        fellBack(err as Error)
        return db
      }
    },
  }
}

/**
 * The standby, not the statement: no connection (refused, timed out, reset: no answer from the
 * server; shut down, starting up: classes 08 and 57) or a query cancelled by recovery (40001).
 */
function standbyFailure (err: unknown): boolean {
  if (!(err instanceof pg.DatabaseError)) return true
  const code = err.code ?? ''
  return code.startsWith('08') || code.startsWith('57') || code === '40001'
}
