// Monthly range partitions of a table (the inbox on received_at, the audit log on at): created
// ahead, listed, a month dropped. Months are UTC months, told by their bounds whatever a
// partition's name; those made here are named <table>_pYYYY_MM, as pg_partman 4 names monthly
// partitions, and a DEFAULT partition takes rows whose month has none. Where the pg_partman
// extension is installed, creating ahead is pg_partman's (create_parent once, then
// run_maintenance); listing and dropping stay here either way. Every change runs in one
// transaction under a lock per table, so scheduler replicas and a gateway starting together do
// not create the same partition twice, and with a lock timeout, so webhooks never queue for long
// behind the DDL.
import type { Db, Queryable } from './db.ts'

export interface MonthlyTable {
  table: string
  /** The timestamptz column the table is partitioned on. */
  column: string
}

export interface MonthPartition {
  name: string
  /** First instant of the month (UTC). */
  month: Date
}

/** How many months ahead of the current one get a partition. */
export const MONTHS_AHEAD = 3

const LOCK_TIMEOUT = '10s'
/** At most this many months of rows are taken out of the default partition per call. */
const STRAY_MONTHS = 120
const NAME = /^[a-z_][a-z0-9_]*$/

/** The first instant of `at`'s UTC month, `shift` months on. */
export function monthStart (at: Date, shift = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + shift, 1))
}

export function partitionName (table: string, month: Date): string {
  return `${table}_p${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`
}

/** Table and column names go into DDL: only plain lower-case identifiers from our own code. */
function ident (name: string): string {
  if (!NAME.test(name)) throw new Error(`not a plain identifier: ${name}`)
  return `"${name}"`
}

const literal = (at: Date): string => `'${at.toISOString()}'`

// The partitions of the table named $1 with their bounds' text (`FOR VALUES FROM ('…') TO ('…')`
// or `DEFAULT`); FROM_BOUND and TO_BOUND take the two instants out of it.
const PARTITIONS = `(SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass) AS p`
const FROM_BOUND = "FROM \\('([^']*)'\\)"
const TO_BOUND = "TO \\('([^']*)'\\)"

/**
 * Runs `fn` inside a savepoint: its failure (say, the audit log's trigger refusing to delete the
 * rows to move) is rolled back alone and returned, and the transaction goes on.
 */
async function inSavepoint (tx: Queryable, fn: () => Promise<unknown>): Promise<Error | undefined> {
  await tx.query('SAVEPOINT partition_step')
  try {
    await fn()
    await tx.query('RELEASE SAVEPOINT partition_step')
    return undefined
  } catch (err) {
    await tx.query('ROLLBACK TO SAVEPOINT partition_step')
    return err as Error
  }
}

async function lockTable (tx: Queryable, table: string): Promise<void> {
  await tx.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`)
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('tongban partitions ' || $1))", [table])
}

/** The tables among `tables` that are range-partitioned in this database. */
export async function partitionedTables (db: Queryable, tables: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1::text[]) AND p.partstrat = 'r'`, [tables])
  return tables.filter((t) => rows.some((r) => r.name === t))
}

/**
 * The month partitions of `table`, oldest first: those whose bounds are one UTC month, whatever
 * their name (the default partition and any other left out). Bounds are read from the catalogue
 * as text with their offset, so the session's time zone does not matter.
 */
export async function listMonthPartitions (db: Queryable, table: string): Promise<MonthPartition[]> {
  const { rows } = await db.query<{ name: string, from: Date | null, to: Date | null }>(
    `SELECT name, substring(bound from $2)::timestamptz AS from, substring(bound from $3)::timestamptz AS to
     FROM ${PARTITIONS} WHERE bound <> 'DEFAULT' ORDER BY 2`, [table, FROM_BOUND, TO_BOUND])
  return rows.flatMap(({ name, from, to }) =>
    from && to && from.getTime() === monthStart(from).getTime() && to.getTime() === monthStart(from, 1).getTime() ? [{ name, month: from }] : [])
}

/** Whether a partition of `table` other than the default covers any of [from, to). */
async function covered (db: Queryable, table: string, from: Date, to: Date): Promise<boolean> {
  const { rows } = await db.query<{ covered: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${PARTITIONS} WHERE bound <> 'DEFAULT' AND substring(bound from $4)::timestamptz < $3 AND substring(bound from $5)::timestamptz > $2) AS covered`,
    [table, from, to, FROM_BOUND, TO_BOUND])
  return rows[0]!.covered
}

async function defaultPartition (db: Queryable, table: string): Promise<string | undefined> {
  const { rows } = await db.query<{ name: string }>(`SELECT name FROM ${PARTITIONS} WHERE bound = 'DEFAULT'`, [table])
  return rows[0]?.name
}

/**
 * Creates the partition of `month` unless it exists. Rows of that month already in the default
 * partition are moved into the new one (PostgreSQL refuses a partition that the default holds
 * rows for).
 */
async function createMonth (tx: Queryable, { table, column }: MonthlyTable, month: Date): Promise<boolean> {
  const name = partitionName(table, month)
  if (await covered(tx, table, month, monthStart(month, 1))) return false
  const from = literal(month)
  const to = literal(monthStart(month, 1))
  const fallback = await defaultPartition(tx, table)
  const { rows } = fallback
    ? await tx.query<{ stray: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${ident(fallback)} WHERE ${ident(column)} >= ${from} AND ${ident(column)} < ${to}) AS stray`)
    : { rows: [{ stray: false }] }
  if (!rows[0]!.stray) {
    await tx.query(`CREATE TABLE ${ident(name)} PARTITION OF ${ident(table)} FOR VALUES FROM (${from}) TO (${to})`)
    return true
  }
  await tx.query(`CREATE TABLE ${ident(name)} (LIKE ${ident(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`)
  await tx.query(`WITH moved AS (DELETE FROM ${ident(fallback!)} WHERE ${ident(column)} >= ${from} AND ${ident(column)} < ${to} RETURNING *) INSERT INTO ${ident(name)} SELECT * FROM moved`)
  await tx.query(`ALTER TABLE ${ident(table)} ATTACH PARTITION ${ident(name)} FOR VALUES FROM (${from}) TO (${to})`)
  return true
}

/** The schema pg_partman is installed in, if it is. */
export async function partmanSchema (db: Queryable): Promise<string | undefined> {
  const { rows } = await db.query<{ schema: string }>(
    "SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_partman'")
  return rows[0]?.schema
}

/**
 * pg_partman takes the table over once (create_parent; it makes a default partition of its own,
 * so ours is detached first and its rows routed again afterwards), then keeps `ahead` months
 * made (run_maintenance). Rows in the default partition are first moved into partitions of their
 * months (partition_data_time): pg_partman cannot make a partition the default holds rows for.
 * UTC in the transaction: partition bounds are UTC months either way.
 */
async function partmanEnsure (tx: Queryable, partman: string, { table, column }: MonthlyTable, ahead: number): Promise<Ensured> {
  const { rows } = await tx.query<{ parent: string }>('SELECT quote_ident(current_schema()) || \'.\' || $1 AS parent', [table])
  const parent = rows[0]!.parent
  await tx.query("SET LOCAL timezone = 'UTC'")
  const registered = await tx.query(`SELECT 1 FROM ${ident(partman)}.part_config WHERE parent_table = $1`, [parent])
  if (registered.rows.length === 0) {
    const fallback = await defaultPartition(tx, table)
    const aside = `${table}_default_before_partman`
    if (fallback) {
      await tx.query(`ALTER TABLE ${ident(table)} DETACH PARTITION ${ident(fallback)}`)
      await tx.query(`ALTER TABLE ${ident(fallback)} RENAME TO ${ident(aside)}`)
    }
    await tx.query(`SELECT ${ident(partman)}.create_parent(p_parent_table := $1, p_control := $2, p_type := 'native', p_interval := 'monthly', p_premake := $3)`, [parent, column, ahead])
    if (fallback) {
      await tx.query(`INSERT INTO ${ident(table)} SELECT * FROM ${ident(aside)}`)
      await tx.query(`DROP TABLE ${ident(aside)}`)
    }
  }
  const stuck: Record<string, string> = {}
  const fallback = await defaultPartition(tx, table)
  if (fallback && (await tx.query(`SELECT 1 FROM ${ident(fallback)} LIMIT 1`)).rows.length > 0) {
    const err = await inSavepoint(tx, async () => await tx.query(`SELECT ${ident(partman)}.partition_data_time(p_parent_table := $1, p_batch_count := $2, p_analyze := false)`, [parent, STRAY_MONTHS]))
    if (err) stuck[fallback] = err.message
  }
  await tx.query(`SELECT ${ident(partman)}.run_maintenance(p_parent_table := $1, p_analyze := false)`, [parent])
  return { created: [], stuck }
}

/**
 * Gives every partition of `table` the table's TRUNCATE triggers it lacks: PostgreSQL does not pass
 * statement-level TRUNCATE triggers on to partitions (the audit log refuses TRUNCATE on each),
 * whoever made the partition, this module or pg_partman.
 */
async function copyTruncateTriggers (tx: Queryable, table: string): Promise<void> {
  const { rows } = await tx.query<{ ddl: string }>(
    `SELECT replace(pg_get_triggerdef(t.oid), ' ON ' || quote_ident(n.nspname) || '.' || quote_ident(parent.relname) || ' ',
                    ' ON ' || quote_ident(pn.nspname) || '.' || quote_ident(part.relname) || ' ') AS ddl
     FROM pg_class parent JOIN pg_namespace n ON n.oid = parent.relnamespace
     JOIN pg_trigger t ON t.tgrelid = parent.oid AND NOT t.tgisinternal AND t.tgtype::int & 32 <> 0
     JOIN pg_inherits i ON i.inhparent = parent.oid JOIN pg_class part ON part.oid = i.inhrelid JOIN pg_namespace pn ON pn.oid = part.relnamespace
     WHERE parent.oid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass
       AND NOT EXISTS (SELECT 1 FROM pg_trigger pt WHERE pt.tgrelid = part.oid AND pt.tgname = t.tgname)`, [table])
  for (const { ddl } of rows) await tx.query(ddl)
}

/** The months (UTC) of rows waiting in `table`'s default partition. */
async function strayMonths (tx: Queryable, { table, column }: MonthlyTable): Promise<Date[]> {
  const fallback = await defaultPartition(tx, table)
  if (!fallback) return []
  const { rows } = await tx.query<{ month: Date }>(
    `SELECT DISTINCT date_trunc('month', ${ident(column)} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month FROM ${ident(fallback)} ORDER BY 1 LIMIT ${STRAY_MONTHS}`)
  return rows.map((r) => r.month)
}

export interface Ensured {
  /** The partitions this created (none where pg_partman made them). */
  created: string[]
  /** Partitions for rows waiting in the default partition that could not be made (their rows stay there), and why. */
  stuck: Record<string, string>
}

/**
 * Makes sure `table` has a partition for the current month and `ahead` months after it, and for
 * the months of rows waiting in the default partition (moved there). A month whose waiting rows
 * cannot be moved keeps them in the default partition and holds up no other.
 */
export async function ensureMonthPartitions (db: Db, t: MonthlyTable, opts: { ahead?: number, now?: Date } = {}): Promise<Ensured> {
  const ahead = opts.ahead ?? MONTHS_AHEAD
  const now = opts.now ?? new Date()
  return await db.transaction(async (tx) => {
    await lockTable(tx, t.table)
    const partman = await partmanSchema(tx)
    const result = partman ? await partmanEnsure(tx, partman, t, ahead) : await createMonths(tx, t, ahead, now)
    await copyTruncateTriggers(tx, t.table)
    return result
  })
}

/** The months ahead, then those of rows waiting in the default partition, each in a savepoint of its own. */
async function createMonths (tx: Queryable, t: MonthlyTable, ahead: number, now: Date): Promise<Ensured> {
  const result: Ensured = { created: [], stuck: {} }
  const months = Array.from({ length: ahead + 1 }, (_, shift) => monthStart(now, shift))
  for (const month of [...months, ...await strayMonths(tx, t)]) {
    const err = await inSavepoint(tx, async () => { if (await createMonth(tx, t, month)) result.created.push(partitionName(t.table, month)) })
    if (err) result.stuck[partitionName(t.table, month)] = err.message
  }
  return result
}

/**
 * Detaches and drops the partition of `month` in one transaction, after `beforeDrop` (in the same
 * transaction, the table locked) has agreed; false when it did not, or there is no such partition.
 */
export async function dropMonth (db: Db, table: string, month: Date, beforeDrop: (tx: Queryable, partition: string) => Promise<boolean> = async () => true): Promise<boolean> {
  return await db.transaction(async (tx) => {
    await lockTable(tx, table)
    const name = (await listMonthPartitions(tx, table)).find((p) => p.month.getTime() === month.getTime())?.name
    if (!name) return false
    // What DETACH takes anyway, taken first: nothing changes the month between the check and the drop.
    await tx.query(`LOCK TABLE ${ident(table)} IN ACCESS EXCLUSIVE MODE`)
    if (!await beforeDrop(tx, name)) return false
    await tx.query(`ALTER TABLE ${ident(table)} DETACH PARTITION ${ident(name)}`)
    await tx.query(`DROP TABLE ${ident(name)}`)
    return true
  })
}

export interface Maintenance {
  /** The partitions created, by table (none listed where pg_partman made them). */
  created: Record<string, string[]>
  /** Why partitions of a table could not be ensured, by table; the others were done all the same. */
  failed: Record<string, string>
}

/** Ensures partitions ahead for each of `tables` that is partitioned here (others are left alone). */
export async function maintainPartitions (db: Db, tables: readonly MonthlyTable[], opts: { ahead?: number, now?: Date } = {}): Promise<Maintenance> {
  const partitioned = await partitionedTables(db, tables.map((t) => t.table))
  const result: Maintenance = { created: {}, failed: {} }
  for (const t of tables) {
    if (!partitioned.includes(t.table)) continue
    try {
      const { created, stuck } = await ensureMonthPartitions(db, t, opts)
      result.created[t.table] = created
      const why = Object.entries(stuck).map(([partition, err]) => `${partition}: ${err}`)
      if (why.length > 0) result.failed[t.table] = why.join('; ')
    } catch (err) {
      result.failed[t.table] = (err as Error).message
    }
  }
  return result
}
