// What `tongban vault status` reports: the data keys, and how many secrets each key and algorithm
// holds (read from the boxes' headers, without opening them).
import type { Queryable } from '../store/db.ts'
import { readHeader, type VaultAlgorithm } from './envelope.ts'
import { asBuffer, SEALED_COLUMNS } from './vault.ts'

export interface VaultStatus {
  keys: Array<{ id: number, masterKeyId: string, createdAt: string, retiredAt: string | null }>
  secrets: Array<{ table: string, column: string, keyId: number, algorithm: VaultAlgorithm, count: number }>
}

export async function vaultStatus (db: Queryable): Promise<VaultStatus> {
  const { rows: keyRows } = await db.query<{ id: number, master_key_id: string, created_at: Date, retired_at: Date | null }>(
    'SELECT id, master_key_id, created_at, retired_at FROM vault_keys ORDER BY id')
  const keys = keyRows.map((r) => ({ id: r.id, masterKeyId: r.master_key_id, createdAt: r.created_at.toISOString(), retiredAt: r.retired_at?.toISOString() ?? null }))
  const secrets: VaultStatus['secrets'] = []
  for (const { table, column } of Object.values(SEALED_COLUMNS)) {
    const counts = new Map<string, VaultStatus['secrets'][number]>()
    const { rows } = await db.query<{ box: Uint8Array }>(`SELECT ${column} AS box FROM ${table} WHERE ${column} IS NOT NULL`)
    for (const { box } of rows) {
      const { keyId, algorithm } = readHeader(asBuffer(box), `${table}.${column}`)
      const entry = counts.get(`${keyId} ${algorithm}`) ?? { table, column, keyId, algorithm, count: 0 }
      entry.count++
      counts.set(`${keyId} ${algorithm}`, entry)
    }
    secrets.push(...counts.values())
  }
  return { keys, secrets }
}
