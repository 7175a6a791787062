// Facet entries in the store: the state unify loads and writes (optimistic, versioned, like
// records.ts), and the reads of the API and the portal — a subject's facets, one facet's entries,
// its history. Reads trust the caller to have checked the subject's scope and the facet's access.
import type { Queryable } from './db.ts'
import type { EntityKind } from '../model/index.ts'
import type { Change, Provenance } from '../model/provenance.ts'
import { facetEntryRef, type FacetChange, type FacetEntryId, type FacetEntryState } from '../model/facet-entry.ts'

const ID_COLUMNS = 'subject_kind text, subject_key text, facet text, entry_key text'

const SELECT = `SELECT e.subject_kind, e.subject_key, e.facet, e.entry_key, e.data, e.adapter, e.source_id, e.observed_at, e.created_from, e.version
FROM facet_entries AS e JOIN jsonb_to_recordset($1::jsonb) AS k(${ID_COLUMNS})
  ON (e.subject_kind, e.subject_key, e.facet, e.entry_key) = (k.subject_kind, k.subject_key, k.facet, k.entry_key)`

// `version` is the version the row will have: one more than the version the state was read at.
const UPSERT = `INSERT INTO facet_entries AS t (subject_kind, subject_key, facet, entry_key, data, adapter, source_id, observed_at, created_from, version)
SELECT r.subject_kind, r.subject_key, r.facet, r.entry_key, r.data, r.adapter, r.source_id, r.observed_at, r.created_from, r.version
FROM jsonb_to_recordset($1::jsonb) AS r(${ID_COLUMNS}, data jsonb, adapter text, source_id text, observed_at timestamptz, created_from jsonb, version int)
ON CONFLICT (subject_kind, subject_key, facet, entry_key) DO UPDATE SET
  data = EXCLUDED.data, adapter = EXCLUDED.adapter, source_id = EXCLUDED.source_id, observed_at = EXCLUDED.observed_at,
  version = EXCLUDED.version, updated_at = now()
WHERE t.version = EXCLUDED.version - 1
RETURNING subject_kind, subject_key, facet, entry_key`

const INSERT_HISTORY = `INSERT INTO facet_history (subject_kind, subject_key, facet, entry_key, adapter, source_id, observed_at, changes)
SELECT r.subject_kind, r.subject_key, r.facet, r.entry_key, r.adapter, r.source_id, r.observed_at, r.changes
FROM jsonb_to_recordset($1::jsonb) AS r(${ID_COLUMNS}, adapter text, source_id text, observed_at timestamptz, changes jsonb)`

const idRow = (id: FacetEntryId): Record<string, string> => ({ subject_kind: id.kind, subject_key: id.key, facet: id.facet, entry_key: id.entryKey })
const refOfRow = (r: Record<string, unknown>): string =>
  facetEntryRef({ kind: r.subject_kind as EntityKind, key: r.subject_key as string, facet: r.facet as string, entryKey: r.entry_key as string })
const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString()

/** The stored state of these entries, by facetEntryRef. */
export async function loadFacetEntries (db: Queryable, ids: readonly FacetEntryId[]): Promise<Map<string, FacetEntryState>> {
  if (ids.length === 0) return new Map()
  const { rows } = await db.query(SELECT, [JSON.stringify(ids.map(idRow))])
  return new Map(rows.map((r) => [refOfRow(r), {
    kind: r.subject_kind as EntityKind,
    key: r.subject_key as string,
    facet: r.facet as string,
    entryKey: r.entry_key as string,
    data: r.data as Record<string, unknown>,
    source: { adapter: r.adapter as string, sourceId: r.source_id as string, observedAt: iso(r.observed_at) },
    createdFrom: r.created_from as Provenance,
    version: Number(r.version),
  }]))
}

/**
 * Writes changed entries whose version is still the one they were read with; returns the refs
 * written. Their history follows only for those (the row write holds the row's lock).
 */
export async function storeFacetEntries (db: Queryable, states: readonly FacetEntryState[], history: ReadonlyMap<string, FacetChange[]>): Promise<Set<string>> {
  if (states.length === 0) return new Set()
  // Rows lock in one order in every writer, so two batches sharing entries cannot deadlock.
  const sorted = states.map((s) => ({ ref: facetEntryRef(s), s })).sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  const rows = sorted.map(({ s }) => ({
    ...idRow(s), data: s.data, adapter: s.source.adapter, source_id: s.source.sourceId, observed_at: s.source.observedAt, created_from: s.createdFrom, version: s.version + 1,
  }))
  const { rows: done } = await db.query(UPSERT, [JSON.stringify(rows)])
  const written = new Set(done.map(refOfRow))
  const entries = []
  for (const { ref, s } of sorted) {
    if (!written.has(ref)) continue
    for (const c of history.get(ref) ?? []) entries.push({ ...idRow(s), adapter: c.adapter, source_id: c.sourceId, observed_at: c.observedAt, changes: c.changes })
  }
  if (entries.length > 0) await db.query(INSERT_HISTORY, [JSON.stringify(entries)])
  return written
}

/** A subject's facets with the number of entries each. */
export async function facetCounts (db: Queryable, kind: EntityKind, key: string): Promise<Array<{ facet: string, entries: number }>> {
  const { rows } = await db.query<{ facet: string, entries: number }>(
    'SELECT facet, count(*)::int AS entries FROM facet_entries WHERE subject_kind = $1 AND subject_key = $2 GROUP BY facet ORDER BY facet', [kind, key])
  return rows
}

export interface FacetEntry {
  entryKey: string
  data: Record<string, unknown>
  /** The observation the data came from. */
  source: Provenance
  createdAt: string
  updatedAt: string
}

/** A subject would have a handful of entries per facet; the cap keeps an answer bounded whatever a department sends. */
export const FACET_ENTRIES_MAX = 500

/** One facet's entries of a subject, by entry key. */
export async function facetEntries (db: Queryable, kind: EntityKind, key: string, facet: string): Promise<FacetEntry[]> {
  const { rows } = await db.query(
    `SELECT entry_key, data, adapter, source_id, observed_at, created_at, updated_at FROM facet_entries
     WHERE subject_kind = $1 AND subject_key = $2 AND facet = $3 ORDER BY entry_key LIMIT ${FACET_ENTRIES_MAX}`, [kind, key, facet])
  return rows.map((r) => ({
    entryKey: r.entry_key as string,
    data: r.data as Record<string, unknown>,
    source: { adapter: r.adapter as string, sourceId: r.source_id as string, observedAt: iso(r.observed_at) },
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  }))
}

export interface FacetHistoryItem {
  /** 0 for a creation (derived, as for records: see 009_facets.sql). */
  id: number
  entryKey: string
  changedAt: string
  source: Provenance
  changes: Array<{ field: string, old: unknown, new: unknown }>
}

// jsonb keeps keys in its own order (shortest first): answers list fields by name.
const byField = (a: { field: string }, b: { field: string }): number => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0)

/**
 * The creations of a facet's entries: per entry and field, the oldest `old` in its history, or the
 * current value of a field never changed since.
 */
async function creations (db: Queryable, kind: EntityKind, key: string, facet: string): Promise<FacetHistoryItem[]> {
  const { rows: entries } = await db.query(
    `SELECT entry_key, data, created_from, created_at FROM facet_entries WHERE subject_kind = $1 AND subject_key = $2 AND facet = $3 ORDER BY created_at DESC, entry_key LIMIT ${FACET_ENTRIES_MAX}`,
    [kind, key, facet])
  const { rows: oldest } = await db.query<{ entry_key: string, field: string, old: unknown }>(
    `SELECT DISTINCT ON (h.entry_key, f.key) h.entry_key, f.key AS field, f.value -> 0 AS old
     FROM facet_history AS h CROSS JOIN LATERAL jsonb_each(h.changes) AS f
     WHERE h.subject_kind = $1 AND h.subject_key = $2 AND h.facet = $3 ORDER BY h.entry_key, f.key, h.id`, [kind, key, facet])
  return entries.map((e) => {
    const first = new Map(oldest.filter((o) => o.entry_key === e.entry_key).map((o) => [o.field, o.old]))
    const data = { ...(e.data as Record<string, unknown>) }
    for (const [field, old] of first) data[field] = old
    return {
      id: 0,
      entryKey: e.entry_key as string,
      changedAt: iso(e.created_at),
      source: e.created_from as Provenance,
      changes: Object.entries(data).filter(([, v]) => v !== null && v !== undefined).map(([field, value]) => ({ field, old: null, new: value })).sort(byField),
    }
  })
}

/** Newest first, the creations last; `beforeId` (the last id of the previous page) pages on. */
export async function facetHistory (db: Queryable, kind: EntityKind, key: string, facet: string, beforeId: number | undefined, limit: number): Promise<{ items: FacetHistoryItem[], next: number | null }> {
  const params: unknown[] = [kind, key, facet, limit + 1]
  if (beforeId !== undefined) params.push(beforeId)
  const { rows } = await db.query(
    `SELECT id, entry_key, adapter, source_id, observed_at, changed_at, changes FROM facet_history
     WHERE subject_kind = $1 AND subject_key = $2 AND facet = $3${beforeId !== undefined ? ' AND id < $5' : ''} ORDER BY id DESC LIMIT $4`, params)
  const items: FacetHistoryItem[] = rows.slice(0, limit).map((r) => ({
    id: r.id as number,
    entryKey: r.entry_key as string,
    changedAt: iso(r.changed_at),
    source: { adapter: r.adapter as string, sourceId: r.source_id as string, observedAt: iso(r.observed_at) },
    changes: Object.entries(r.changes as Record<string, Change>).map(([field, [old, value]]) => ({ field, old, new: value })).sort(byField),
  }))
  // The creations come after the last change, on a page of their own when this one is full.
  if (items.length === limit) return { items, next: items[items.length - 1]!.id }
  return { items: [...items, ...await creations(db, kind, key, facet)], next: null }
}
