// One small interface over PostgreSQL (node-postgres pool) and PGlite (in-process PostgreSQL),
// so the store, its migrations and its tests are the same code on both.
import pg from 'pg'
import { openPgliteThread } from './pglite-client.ts'
import type { Db } from './queryable.ts'

export type { Db, Queryable } from './queryable.ts'

// Same JS shapes from both drivers: int8 as number (ids stay far below 2^53), `date` as the
// ISO string it is (never a local-midnight Date), timestamptz as Date.
const INT8 = 20
const DATE = 1082

pg.types.setTypeParser(INT8, (v: string) => Number(v))
pg.types.setTypeParser(DATE, (v: string) => v)

/**
 * Where PostgreSQL is. `databaseUrl` may be PgBouncer in transaction mode: everything sent through
 * it is a single statement or one transaction, parameters go as unnamed prepared statements (the
 * driver names one only when asked with `name:`), and locks are transaction-level
 * (`pg_advisory_xact_lock`). `databaseDirectUrl` (default: `databaseUrl`) is for what needs a
 * session of its own: migrations. `databaseReadUrl` is a streaming standby for searches.
 */
export interface DatabaseUrls {
  databaseUrl: string
  databaseDirectUrl?: string | undefined
  databaseReadUrl?: string | undefined
}

/** A standby may be down or far away: searches fall back to the primary soon rather than wait. */
const STANDBY_CONNECT_TIMEOUT_MS = 2000

export async function openPostgres (where: string | DatabaseUrls, poolSize = 10): Promise<Db> {
  const urls = typeof where === 'string' ? { databaseUrl: where } : where
  const primary = await openPool(urls.databaseUrl, { max: poolSize })
  const direct = urls.databaseDirectUrl && urls.databaseDirectUrl !== urls.databaseUrl
    // Migrations at start-up, then idle: the pool closes idle connections on its own.
    ? await openPool(urls.databaseDirectUrl, { max: 2 }).catch(async (err: Error) => { await primary.close(); throw err })
    : undefined
  // Not probed: a standby that is down must not keep the gateway from starting (reads fall back).
  const standby = urls.databaseReadUrl ? poolDb(new pg.Pool({ connectionString: urls.databaseReadUrl, max: poolSize, connectionTimeoutMillis: STANDBY_CONNECT_TIMEOUT_MS })) : undefined
  if (!direct && !standby) return primary
  return {
    ...primary,
    ...(direct ? { direct } : {}),
    ...(standby ? { standby } : {}),
    async close () { await Promise.all([primary.close(), direct?.close(), standby?.close()]) },
  }
}

async function openPool (url: string, opts: { max: number }): Promise<Db> {
  const db = poolDb(new pg.Pool({ connectionString: url, max: opts.max }))
  await db.query('SELECT 1').catch(async (err: Error) => { await db.close(); throw err })
  return db
}

function poolDb (pool: pg.Pool): Db {
  // A lost connection (a PostgreSQL restart) errors on its client as well as on the statement in
  // flight; unheard, that event would crash the process. Every client gets a listener from birth
  // — checked out, idle or in between — and statements and the pool report the failure.
  pool.on('connect', (client) => { client.on('error', () => {}) })
  pool.on('error', () => { /* an idle client died; the pool replaces it on next use */ })
  return {
    kind: 'postgres',
    query: async (sql, params) => await pool.query(sql, params as unknown[]) as any,
    exec: async (sql) => { await pool.query(sql) },
    async transaction (fn) {
      const client = await pool.connect()
      let broken: Error | undefined
      try {
        await client.query('BEGIN')
        const result = await fn({ query: async (sql, params) => await client.query(sql, params as unknown[]) as any })
        await client.query('COMMIT')
        return result
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: Error) => { broken = rollbackErr })
        throw err
      } finally {
        client.release(broken) // a connection that cannot roll back is discarded, not reused
      }
    },
    close: async () => { await pool.end() },
  }
}

/**
 * `dataDir` undefined means in-memory (tests). PGlite runs in a worker thread of its own
 * (pglite-worker.ts), so the database and the gateway's JavaScript each get a core.
 */
export async function openPglite (dataDir?: string): Promise<Db> {
  return await openPgliteThread(dataDir)
}

/** PostgreSQL when `databaseUrl` is set (`Settings` fits), else PGlite in the data directory. */
export async function openDb (opts: Partial<DatabaseUrls> & { dataDir: string }): Promise<Db> {
  return opts.databaseUrl ? await openPostgres({ ...opts, databaseUrl: opts.databaseUrl }) : await openPglite(`${opts.dataDir}/pglite`)
}
