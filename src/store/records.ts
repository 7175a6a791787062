// Persons and enterprises in the store, all their SQL built from the column tables: the state
// unify loads and writes (optimistic, versioned), and the reads of the API and the portal.
import { randomBytes } from 'node:crypto'
import type { Queryable } from './db.ts'
import type { Scope } from '../model/scope.ts'
import type { EntityKind } from '../model/index.ts'
import { expandProvenance, type Candidate, type HistoryEntry, type Provenance } from '../model/provenance.ts'
import { emptyRecord, type RecordState } from '../model/record-state.ts'
import { tables } from './columns.ts'

// The rows unify writes travel as one JSON array, which PostgreSQL parses before anything else:
// its size is much of a bulk load's cost. So each row is an object with short keys (a column by
// a letter for its position; _p, _s, _v, _f for the rest), nulls are left out (a missing key
// reads as NULL), and the creating observation, usually one of `sources`, is named by its key.
const PROVENANCE = '_p'
const SOURCES = '_s'
const VERSION = '_v'
const CREATED_FROM = '_f'
const REFERENCE = '_r'
/** 128 random bits, as hex: the shape of migration 008's default. */
const REFERENCE_BYTES = 16
const columnKey = (i: number): string => String.fromCharCode(97 + i)

function buildStatements (kind: EntityKind): { select: string, upsert: string, insertNew: string } {
  const { table, key, columns } = tables[kind]
  const cols = Object.values(columns)
  const keyCol = columns[key]!.name
  const names = cols.map((c) => c.name)
  // A new resident's opaque reference (migration 008) comes with the row; a stored one keeps its own.
  const reference = kind === 'person' ? { column: ', ref', value: `, r.${REFERENCE}`, type: `, ${REFERENCE} text` } : { column: '', value: '', type: '' }
  const recordset = [...cols.map((c, i) => `${columnKey(i)} ${c.type}`), `${PROVENANCE} jsonb`, `${SOURCES} jsonb`, `${VERSION} int`, `${CREATED_FROM} jsonb`].join(', ') + reference.type
  const createdFrom = `CASE WHEN jsonb_typeof(r.${CREATED_FROM}) = 'string' THEN r.${SOURCES} -> (r.${CREATED_FROM} #>> '{}') ELSE r.${CREATED_FROM} END`
  const insert = `INSERT INTO ${table} AS t (${names.join(', ')}, provenance, sources, version, created_from${reference.column})
SELECT ${names.map((_, i) => `r.${columnKey(i)}`).join(', ')}, r.${PROVENANCE}, r.${SOURCES}, r.${VERSION}, ${createdFrom}${reference.value} FROM jsonb_to_recordset($1::jsonb) AS r(${recordset})`
  return {
    select: `SELECT ${names.join(', ')}, provenance, sources, version FROM ${table} WHERE ${keyCol} = ANY($1::text[])`,
    // `version` is the version the row will have: one more than the version the state was read at.
    upsert: `${insert}
ON CONFLICT (${keyCol}) DO UPDATE SET
  ${[...names.filter((n) => n !== keyCol), 'provenance', 'sources', 'version'].map((n) => `${n} = EXCLUDED.${n}`).join(',\n  ')},
  updated_at = now()
WHERE t.version = EXCLUDED.version - 1
RETURNING ${keyCol} AS key`,
    // Records believed new: a key stored meanwhile is left alone (and unified as a stored one).
    insertNew: `${insert}
ON CONFLICT (${keyCol}) DO NOTHING
RETURNING ${keyCol} AS key`,
  }
}

const statements = { person: buildStatements('person'), enterprise: buildStatements('enterprise') }

const INSERT_HISTORY = `INSERT INTO record_history (kind, record_key, adapter, source_id, observed_at, changed_by, changes)
SELECT $1, r.record_key, r.adapter, r.source_id, r.observed_at, r.changed_by, r.changes
FROM jsonb_to_recordset($2::jsonb) AS r(record_key text, adapter text, source_id text, observed_at timestamptz, changed_by text, changes jsonb)`

const INSERT_CONFLICTS = `INSERT INTO conflicts (kind, record_key, field, division_code, current_value, candidates, status, closed_at)
SELECT $1, r.record_key, r.field, r.division_code, r.current_value, r.candidates, r.status, CASE WHEN r.status = 'open' THEN NULL ELSE now() END
FROM jsonb_to_recordset($2::jsonb) AS r(record_key text, field text, division_code text, current_value jsonb, candidates jsonb, status text)`

const UPDATE_CONFLICTS = `UPDATE conflicts AS c SET candidates = u.candidates, current_value = u.current_value, division_code = u.division_code,
  status = u.status, updated_at = now(), closed_at = CASE WHEN u.status = 'open' THEN NULL ELSE now() END
FROM jsonb_to_recordset($1::jsonb) AS u(id bigint, division_code text, current_value jsonb, candidates jsonb, status text)
WHERE c.id = u.id AND c.status = 'open'`

/** The stored state of the records with these keys, with their open conflicts. */
export async function loadRecords (db: Queryable, kind: EntityKind, keys: readonly string[]): Promise<Map<string, RecordState>> {
  const { key: keyField, columns } = tables[kind]
  const { rows } = await db.query(statements[kind].select, [keys])
  const states = new Map<string, RecordState>()
  for (const row of rows) {
    const state = emptyRecord(String(row[columns[keyField]!.name]))
    for (const [field, column] of Object.entries(columns)) {
      if (field !== keyField && row[column.name] !== null) state.values[field] = row[column.name]
    }
    state.provenance = row.provenance as Record<string, string>
    state.sources = row.sources as Record<string, Provenance>
    state.version = Number(row.version)
    states.set(state.key, state)
  }
  if (states.size > 0) {
    const open = await db.query<{ id: number, record_key: string, field: string, candidates: Candidate[] }>(
      "SELECT id, record_key, field, candidates FROM conflicts WHERE kind = $1 AND record_key = ANY($2::text[]) AND status = 'open'",
      [kind, [...states.keys()]])
    for (const c of open.rows) {
      states.get(c.record_key)?.conflicts.set(c.field, { id: c.id, field: c.field, candidates: c.candidates, status: 'open', changed: false })
    }
  }
  return states
}

/** The key of `p` among a record's few sources, if it is one of them. */
function keyIn (sources: Record<string, Provenance>, p: Provenance): string | undefined {
  for (const k in sources) {
    const q = sources[k]!
    if (q.sourceId === p.sourceId && q.observedAt === p.observedAt && q.adapter === p.adapter) return k
  }
  return undefined
}

/** The rows of records to write, as the JSON the write statements read; in key order, the order every writer locks rows in, so two batches sharing records cannot deadlock. */
export function recordRows (kind: EntityKind, states: readonly RecordState[]): string {
  const { key: keyField, columns } = tables[kind]
  const fields = Object.keys(columns)
  // Every row carries one, the insert's NOT NULL is checked before a conflict turns it into an update.
  const references = kind === 'person' ? randomBytes(REFERENCE_BYTES * states.length).toString('hex') : ''
  return JSON.stringify([...states].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((s, i) => {
    const row: Record<string, unknown> = { [PROVENANCE]: s.provenance, [SOURCES]: s.sources, [VERSION]: s.version + 1 }
    if (references) row[REFERENCE] = references.slice(2 * REFERENCE_BYTES * i, 2 * REFERENCE_BYTES * (i + 1))
    if (s.createdFrom) row[CREATED_FROM] = keyIn(s.sources, s.createdFrom) ?? s.createdFrom
    fields.forEach((field, i) => {
      const value = field === keyField ? s.key : s.values[field]
      if (value !== undefined && value !== null) row[columnKey(i)] = value
    })
    return row
  }))
}

/**
 * Writes changed records whose version is still the one they were read with; returns the keys
 * written. History and conflicts follow only for those (the row write holds the row's lock).
 */
export async function storeRecords (db: Queryable, kind: EntityKind, states: readonly RecordState[], history: ReadonlyMap<string, HistoryEntry[]>): Promise<Set<string>> {
  return await writeRecords(db, kind, statements[kind].upsert, states, () => recordRows(kind, states), history)
}

/**
 * Inserts records not stored yet (states at version 0, `rows` their `recordRows`); returns the
 * keys inserted, with their history and conflicts written. A key stored meanwhile is skipped.
 */
export async function insertNewRecords (db: Queryable, kind: EntityKind, states: readonly RecordState[], rows: string, history: ReadonlyMap<string, HistoryEntry[]>): Promise<Set<string>> {
  return await writeRecords(db, kind, statements[kind].insertNew, states, () => rows, history)
}

async function writeRecords (db: Queryable, kind: EntityKind, statement: string, states: readonly RecordState[], rows: () => string, history: ReadonlyMap<string, HistoryEntry[]>): Promise<Set<string>> {
  if (states.length === 0) return new Set()
  const { rows: done } = await db.query<{ key: string }>(statement, [rows()])
  const written = new Set(done.map((r) => r.key))
  await storeDetails(db, kind, states, history, written)
  return written
}

async function storeDetails (db: Queryable, kind: EntityKind, states: readonly RecordState[], history: ReadonlyMap<string, HistoryEntry[]>, written: ReadonlySet<string>): Promise<void> {
  const entries = []
  const inserts = []
  const updates = []
  for (const s of states) {
    if (!written.has(s.key)) continue
    for (const e of history.get(s.key) ?? []) {
      entries.push({ record_key: s.key, adapter: e.adapter, source_id: e.sourceId, observed_at: e.observedAt, changed_by: e.changedBy, changes: e.changes })
    }
    const divisionCode = s.values.divisionCode ?? null
    for (const c of [...s.conflicts.values(), ...s.agreed]) {
      if (!c.changed) continue
      const row = { division_code: divisionCode, current_value: s.values[c.field] ?? null, candidates: c.candidates, status: c.status }
      if (c.id === undefined) inserts.push({ record_key: s.key, field: c.field, ...row })
      else updates.push({ id: c.id, ...row })
    }
  }
  if (entries.length > 0) await db.query(INSERT_HISTORY, [kind, JSON.stringify(entries)])
  if (inserts.length > 0) await db.query(INSERT_CONFLICTS, [kind, JSON.stringify(inserts)])
  if (updates.length > 0) await db.query(UPDATE_CONFLICTS, [JSON.stringify(updates)])
}

/** Locks the record's row (if stored) until the transaction ends. */
export async function lockRecord (db: Queryable, kind: EntityKind, key: string): Promise<void> {
  const { table, key: keyField, columns } = tables[kind]
  await db.query(`SELECT 1 FROM ${table} WHERE ${columns[keyField]!.name} = $1 FOR UPDATE`, [key])
}

export type UnifiedRecord = Record<string, unknown> & { provenance: Record<string, unknown> }

function toRecord (kind: EntityKind, row: Record<string, unknown>): UnifiedRecord {
  const out: Record<string, unknown> = {}
  for (const [field, column] of Object.entries(tables[kind].columns)) out[field] = row[column.name] ?? null
  out.provenance = expandProvenance((row.provenance ?? {}) as Record<string, string>, (row.sources ?? {}) as Record<string, Provenance>)
  return out as UnifiedRecord
}

function selectList (kind: EntityKind): string {
  return [...Object.values(tables[kind].columns).map((c) => c.name), 'provenance', 'sources'].join(', ')
}

export async function getRecord (db: Queryable, kind: EntityKind, key: string): Promise<UnifiedRecord | undefined> {
  const { table, key: keyField, columns } = tables[kind]
  const { rows } = await db.query(`SELECT ${selectList(kind)} FROM ${table} WHERE ${columns[keyField]!.name} = $1`, [key])
  return rows[0] && toRecord(kind, rows[0])
}

/** How a search matches records: by name, by the start or the end of the key, or by phone number. */
export type RecordMatch =
  | { by: 'name', value: string }
  | { by: 'keyPrefix', value: string }
  | { by: 'idSuffix', value: string }
  | { by: 'phone', value: string }

/** The API's one-box query: the start of a key matches by key prefix, anything else by name. */
export function matchOf (kind: EntityKind, q: string | undefined): RecordMatch | undefined {
  if (!q) return undefined
  const keyLike = kind === 'person' ? /^\d{1,17}[\dX]?$/ : /^[0-9A-Z]{1,18}$/
  return keyLike.test(q) ? { by: 'keyPrefix', value: q } : { by: 'name', value: q }
}

const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`)

/**
 * Keyset-paged search; `after` is the key of the previous page's last record. Persons match by
 * name prefix, enterprises by name substring. Each match comes in the order of the index that
 * finds it (under the "C" collation: persons_name_key, the primary keys (migration 020),
 * persons_id_suffix), so a page reads only the index entries it shows, however few of
 * them lie in the scope; names by (name, key), last digits by the reversed key, anything else by
 * key.
 */
export async function searchRecords (db: Queryable, kind: EntityKind, scope: Scope, match: RecordMatch | undefined, after: string | undefined, limit: number): Promise<{ items: UnifiedRecord[], next: string | null }> {
  const { table, key, columns } = tables[kind]
  if (match && (match.by === 'idSuffix' || match.by === 'phone') && kind !== 'person') return { items: [], next: null }
  const params: unknown[] = scopeParams(scope)
  const where: string[] = [scopeCondition(kind, 1)]
  const param = (value: unknown): string => { params.push(value); return `$${params.length}` }
  const keyCol = columns[key]!.name
  // What the rows are ordered by, and that of the previous page's last row (its key is `$a`).
  let order = [keyCol]
  let afterRow = (a: string): string[] => [a]
  if (match?.by === 'name') {
    where.push(`name COLLATE "C" LIKE ${param(kind === 'person' ? `${likeEscape(match.value)}%` : `%${likeEscape(match.value)}%`)}`)
    if (kind === 'person') {
      order = ['name COLLATE "C"', 'id_number']
      afterRow = (a) => [`(SELECT name FROM persons WHERE id_number = ${a}) COLLATE "C"`, a]
    }
  }
  if (match?.by === 'keyPrefix') {
    where.push(`${keyCol} COLLATE "C" LIKE ${param(`${likeEscape(match.value)}%`)}`)
    order = [`${keyCol} COLLATE "C"`]
  }
  if (match?.by === 'idSuffix') {
    where.push(`reverse(id_number) COLLATE "C" LIKE ${param(`${likeEscape([...match.value].reverse().join(''))}%`)}`)
    order = ['reverse(id_number) COLLATE "C"']
    afterRow = (a) => [`reverse(${a}::text)`]
  }
  if (match?.by === 'phone') where.push(`phone = ${param(match.value)}`)
  if (after !== undefined) {
    const a = param(after)
    where.push(order.length === 1 ? `${order[0]!} > ${afterRow(a)[0]!}` : `(${order.join(', ')}) > (${afterRow(a).join(', ')})`)
  }
  const { rows } = await db.query(
    `SELECT ${selectList(kind)} FROM ${table} WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')} LIMIT ${param(limit + 1)}`, params)
  const items = rows.slice(0, limit).map((r) => toRecord(kind, r))
  const next = rows.length > limit ? String(items[items.length - 1]![key]) : null
  return { items, next }
}

/** `ref`: a resident's opaque reference, for links that must not carry the ID number. */
export interface RecordRef { key: string, name: string | null, ref?: string }

/** Enterprises whose legal representative has this ID number. */
export async function representedBy (db: Queryable, idNumber: string, scope: Scope): Promise<RecordRef[]> {
  const { rows } = await db.query<RecordRef>(
    `SELECT credit_code AS key, name FROM enterprises WHERE legal_representative ->> 'idNumber' = $1 AND ${scopeCondition('enterprise', 2)}
     ORDER BY credit_code LIMIT 1000`, [idNumber, ...scopeParams(scope)])
  return rows
}

/** The unified person behind an ID number, as a reference (undefined if not known). */
export async function personRef (db: Queryable, idNumber: string): Promise<RecordRef | undefined> {
  const { rows } = await db.query<RecordRef>('SELECT id_number AS key, name, ref FROM persons WHERE id_number = $1', [idNumber])
  return rows[0]
}

/**
 * Names of records by key, with the opaque reference the portal addresses residents by
 * (migration 008); a key with no record is missing from the map.
 */
export async function recordLabels (db: Queryable, kind: EntityKind, keys: readonly string[]): Promise<Map<string, RecordRef>> {
  if (keys.length === 0) return new Map()
  const sql = kind === 'person'
    ? 'SELECT id_number AS key, name, ref FROM persons WHERE id_number = ANY($1::text[])'
    : 'SELECT credit_code AS key, name FROM enterprises WHERE credit_code = ANY($1::text[])'
  const { rows } = await db.query<RecordRef>(sql, [[...new Set(keys)]])
  return new Map(rows.map((r) => [r.key, r]))
}

/** The ID number of the resident with this reference. */
export async function idNumberByRef (db: Queryable, ref: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id_number: string }>('SELECT id_number FROM persons WHERE ref = $1', [ref])
  return rows[0]?.id_number
}

/**
 * SQL condition (on the kind's table, unaliased) for records in a scope whose prefix and
 * `unlocated` flag are bound as `$n` and `$n+1`. A person is in scope by where they are
 * registered, or as the legal representative of an enterprise in scope (the market register
 * knows them only that way).
 */
export function scopeCondition (kind: EntityKind, n: number): string {
  const own = (t: string): string => `(${t}.division_code LIKE $${n} || '%' OR ($${n + 1}::boolean AND ${t}.division_code IS NULL))`
  if (kind === 'enterprise') return own('enterprises')
  // OFFSET 0 keeps the EXISTS a probe per row (by enterprises_legal_representative): without it
  // PostgreSQL hashes every enterprise of the scope first, tens of milliseconds for a page of 20.
  return `(${own('persons')} OR EXISTS (SELECT 1 FROM enterprises AS e
    WHERE e.legal_representative ->> 'idNumber' = persons.id_number AND e.division_code LIKE $${n} || '%' OFFSET 0))`
}

export const scopeParams = (scope: Scope): [string, boolean] => [scope.prefix, scope.unlocated]

/** True when the record exists and lies in the scope. */
export async function recordInScope (db: Queryable, kind: EntityKind, key: string, scope: Scope): Promise<boolean> {
  const { table, key: keyField, columns } = tables[kind]
  const { rows } = await db.query(`SELECT 1 FROM ${table} WHERE ${columns[keyField]!.name} = $1 AND ${scopeCondition(kind, 2)}`, [key, ...scopeParams(scope)])
  return rows.length > 0
}

/**
 * How many records lie in the scope. Persons are counted as those registered in it plus those
 * registered elsewhere who represent an enterprise in it: two index scans, where the scope
 * condition's EXISTS would probe the enterprises once per resident.
 */
export async function countInScope (db: Queryable, kind: EntityKind, scope: Scope): Promise<number> {
  const own = (t: string): string => `(coalesce(${t}.division_code LIKE $1 || '%', false) OR ($2::boolean AND ${t}.division_code IS NULL))`
  const sql = kind === 'enterprise'
    ? `SELECT count(*)::int AS n FROM enterprises WHERE ${own('enterprises')}`
    : `SELECT (SELECT count(*) FROM persons WHERE persons.division_code LIKE $1 || '%')
         + (CASE WHEN $2::boolean THEN (SELECT count(*) FROM persons WHERE division_code IS NULL) ELSE 0 END)
         + (SELECT count(DISTINCT persons.id_number) FROM enterprises AS e JOIN persons ON persons.id_number = e.legal_representative ->> 'idNumber'
            WHERE e.division_code LIKE $1 || '%' AND NOT ${own('persons')}) AS n`
  const { rows } = await db.query<{ n: number | string }>(sql, scopeParams(scope))
  return Number(rows[0]!.n)
}
