// Applies the SQL files in ./migrations in name order, each once, each in its own transaction.
// An advisory lock keeps gateways and workers that start together from racing: transaction-level,
// and the migrations go over the direct connection when DATABASE_URL is a pooler (whose query
// timeout would cut long DDL).
import { readdir, readFile } from 'node:fs/promises'
import { fromRoot } from '../paths.ts'
import type { Db } from './db.ts'

const LOCK_KEY = 7_242_015

export async function migrate (db: Db): Promise<string[]> {
  const dir = fromRoot('src', 'store', 'migrations') + '/'
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const applied: string[] = []
  await (db.direct ?? db).transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY])
    // Under the lock: concurrent CREATE TABLE IF NOT EXISTS races in PostgreSQL (pg_type unique violation).
    await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())')
    const done = new Set((await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version))
    for (const file of files) {
      if (done.has(file)) continue
      const sql = await readFile(`${dir}${file}`, 'utf8')
      for (const statement of splitStatements(sql)) await tx.query(statement)
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file])
      applied.push(file)
    }
  })
  return applied
}

// Statements are separated by a semicolon at the end of a line; migrations keep to that.
function splitStatements (sql: string): string[] {
  return sql.split(/;\s*$/m).map((s) => s.replace(/^\s*--.*$/gm, '').trim()).filter(Boolean)
}
