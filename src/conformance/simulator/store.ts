// A real store for the checks: PGlite in memory with the platform's migrations, written by the
// platform's own map and commit steps (unify, facets, quarantine). Its fingerprint says whether anything was written.
import type { AdapterDefinition, RawRecord } from '../../adapter-sdk/index.ts'
import { migrate } from '../../store/migrate.ts'
import { openPglite, type Db } from '../../store/db.ts'
import { survivorshipRules, type SurvivorshipRules } from '../../unify/survivorship.ts'
import { mapReceived } from '../../pipeline/decrypt.ts'
import { commitBatch } from '../../pipeline/commit.ts'
import type { AdapterInstance } from '../../config/schema.ts'
import { entityKeys } from '../../model/index.ts'
import type { CodesSeen } from '../result.ts'

export interface Committed {
  keys: string[]
  rejected: number
  /** Why each rejected record was quarantined. */
  reasons: Array<{ sourceId: string, code: string, message: string }>
}

export interface CheckStore {
  /**
   * Maps raw records as the platform does (encrypted fields decrypted first) and commits them in
   * one transaction. `dataKey`: decrypt with this key, not the instance's (a check trying a wrong one).
   */
  commit: (raws: readonly RawRecord[], where: string, opts?: { dataKey?: Buffer }) => Promise<Committed>
  /**
   * What the commit step wrote: the records' (of both kinds: links write the other) and facet
   * entries' rows whole (a row written again has a new version and update time), and how many
   * history entries, quarantine items and conflicts there are. Equal fingerprints: nothing changed.
   */
  fingerprint: () => Promise<string>
  /** Unified records of the adapter's kind. */
  count: () => Promise<number>
  close: () => Promise<void>
}

/** An empty store with the platform's schema (PGlite in memory: creating one takes seconds, so start early). */
export async function openStoreDb (): Promise<Db> {
  const db = await openPglite()
  await migrate(db)
  return db
}

/** The data key the configuration gives the instance inline; the checks cannot open the vault. */
export function inlineDataKey (config: AdapterInstance): Buffer | undefined {
  const key = config.credentials === 'vault' ? undefined : config.credentials?.dataKey
  return key === undefined ? undefined : Buffer.from(key, 'hex')
}

export function checkStore (db: Db, adapter: AdapterDefinition, config: AdapterInstance, seen: CodesSeen): CheckStore {
  const instanceKey = inlineDataKey(config)
  const survivorship: SurvivorshipRules = survivorshipRules(undefined, adapter.produces === undefined ? [] : [{ instance: config.id, kind: adapter.produces, fields: adapter.authority ?? [] }])
  const instance = { config, adapter }
  const table = adapter.produces === 'person' ? 'persons' : 'enterprises'
  const key = adapter.produces === 'person' ? 'id_number' : 'credit_code'
  // records of the other kind: what its links (or an enterprise's legal representative) wrote
  const [otherTable, otherKey] = adapter.produces === 'person' ? ['enterprises', 'credit_code'] : ['persons', 'id_number']
  return {
    async commit (raws, where, opts = {}) {
      const dataKey = opts.dataKey ?? instanceKey
      if (adapter.encrypted && !dataKey) throw new Error(`adapter ${adapter.id} encrypts fields, but the instance gives no credentials.dataKey inline (the checks cannot open the vault): give it in the simulator's instance or the configuration's`)
      const { records, rejections } = mapReceived(adapter, dataKey, raws)
      for (const r of rejections) seen.add(r.code, `${where}, record ${r.sourceId}`)
      await db.transaction(async (tx) => { await commitBatch(tx, { survivorship }, instance, { records, rejections }) })
      return { keys: records.map((r) => r.key), rejected: rejections.length, reasons: rejections.map((r) => ({ sourceId: r.sourceId, code: r.code, message: r.message })) }
    },
    async fingerprint () {
      const { rows } = await db.query(`SELECT
        (SELECT count(*) FROM ${table}) AS records,
        (SELECT md5(coalesce(string_agg(to_jsonb(t)::text, ',' ORDER BY ${key}), '')) FROM ${table} t) AS content,
        (SELECT md5(coalesce(string_agg(to_jsonb(o)::text, ',' ORDER BY ${otherKey}), '')) FROM ${otherTable} o) AS linked_content,
        (SELECT count(*) FROM record_history) AS history,
        (SELECT count(*) FROM facet_entries) AS facets,
        (SELECT md5(coalesce(string_agg(to_jsonb(f)::text, ',' ORDER BY subject_key, facet, entry_key), '')) FROM facet_entries f) AS facet_content,
        (SELECT count(*) FROM facet_history) AS facet_history,
        (SELECT count(*) FROM quarantine) AS quarantined,
        (SELECT count(*) FROM conflicts) AS conflicts`)
      return JSON.stringify(rows[0])
    },
    async count () {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)
      return rows[0]!.n
    },
    close: async () => { await db.close() },
  }
}

/** The department field the adapter maps to its record's key (TYSHXYDM, GMSFHM). */
export function keyField (adapter: AdapterDefinition): string | undefined {
  const kind = adapter.produces
  if (kind === undefined) return undefined
  return Object.entries(adapter.fields ?? {}).find(([, rule]) => Array.isArray(rule) && rule[0] === entityKeys[kind])?.[0]
}
