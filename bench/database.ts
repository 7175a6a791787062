// Throwaway PostgreSQL databases for the benches: created beside DATABASE_URL's, dropped after.
import pg from 'pg'

export const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function asAdmin (sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  await admin.query(sql)
  await admin.end()
}

/** Creates database `name`; its URL. */
export async function createDatabase (name: string): Promise<string> {
  await asAdmin(`CREATE DATABASE ${name}`)
  return ADMIN_URL.replace(/\/[^/]*$/, `/${name}`)
}

export async function dropDatabase (name: string): Promise<void> {
  await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
}
