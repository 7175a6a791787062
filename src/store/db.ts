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

export async function openPostgres (url: string, poolSize = 10): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize })
  // A lost connection (a PostgreSQL restart) errors on its client as well as on the statement in
  // flight; unheard, that event would crash the process. Every client gets a listener from birth
  // — checked out, idle or in between — and statements and the pool report the failure.
  pool.on('connect', (client) => { client.on('error', () => {}) })
  pool.on('error', () => { /* an idle client died; the pool replaces it on next use */ })
  await pool.query('SELECT 1')
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

export async function openDb (opts: { databaseUrl?: string | undefined, dataDir: string }): Promise<Db> {
  return opts.databaseUrl ? await openPostgres(opts.databaseUrl) : await openPglite(`${opts.dataDir}/pglite`)
}
