// What the store asks of a database, whichever it is (db.ts opens PostgreSQL or PGlite behind it).

export interface Queryable {
  query: <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<{ rows: T[] }>
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite'
  /** Runs several statements separated by semicolons (migrations). */
  exec: (sql: string) => Promise<void>
  transaction: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>
  close: () => Promise<void>
  /** PostgreSQL behind a pooler in transaction mode: a direct connection for what needs a session (migrations). Absent: this one is direct. */
  readonly direct?: Db
  /** A streaming standby searches may read from, through store/read-routing.ts (read-your-writes). */
  readonly standby?: Db
}
