// The credential vault: secrets sealed under data keys, data keys sealed under the master key
// (envelope encryption). A data key is 32 random bytes kept sealed in vault_keys; exactly one is
// active for new secrets. Rotation seals every secret again under a fresh data key, sealed by the
// same or a new master key, and destroys the old data key, all in one transaction.
import { randomBytes } from 'node:crypto'
import { TongbanError } from '../errors.ts'
import type { Db, Queryable } from '../store/db.ts'
import { KEY_BYTES, readHeader, seal, unseal, type VaultAlgorithm } from './envelope.ts'
import type { MasterKey } from './master-key.ts'

/**
 * What a secret belongs to: table, column and the row's key. It is the AAD of the box, so a box
 * copied into another row, or another column, does not open there.
 */
export type SecretRef = readonly [table: string, column: string, ...row: string[]]

export interface SealedColumn { table: string, column: string, rowKey: readonly string[] }

/** Every bytea column that holds vault boxes: rotation rewrites exactly these. */
export const SEALED_COLUMNS = {
  serviceCredentials: { table: 'department_credentials', column: 'credentials', rowKey: ['adapter'] },
  staffPassword: { table: 'staff_accounts', column: 'password', rowKey: ['staff_id', 'adapter'] },
  staffTotp: { table: 'staff', column: 'totp_secret', rowKey: ['id'] },
  auditKey: { table: 'audit_keys', column: 'private_key', rowKey: ['id'] },
} as const satisfies Record<string, SealedColumn>

export const secretRef = (sealed: SealedColumn, row: ReadonlyArray<string | number>): SecretRef => [sealed.table, sealed.column, ...row.map(String)]

const aadOf = (ref: SecretRef): Buffer => Buffer.from(JSON.stringify(ref))
const labelOf = (ref: SecretRef): string => `${ref[0]}.${ref[1]} of ${ref.slice(2).join('/')}`

// Both drivers' bytea (Buffer from pg, Uint8Array from PGlite) as a Buffer, without copying.
export const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

// Data keys are sealed under key id 0, the master key, and bound to their own row.
const MASTER_KEY_ID = 0
const dataKeyRef = (id: number): SecretRef => ['vault_keys', 'wrapped_key', String(id)]

interface KeyRow { id: number, wrapped_key: Uint8Array | null, master_key_id: string, retired_at: Date | null }
interface DataKey { id: number, key: Buffer }

const KEY_COLUMNS = 'id, wrapped_key, master_key_id, retired_at'

function openDataKey (masterKey: MasterKey, row: KeyRow, label: string): Buffer {
  if (row.retired_at || !row.wrapped_key) {
    throw new TongbanError('TB_VAULT_KEY_UNAVAILABLE', [label, row.id, `was retired by a rotation at ${row.retired_at?.toISOString() ?? '?'}`])
  }
  if (row.master_key_id !== masterKey.id) throw new TongbanError('TB_VAULT_MASTER_KEY_MISMATCH', [row.id, row.master_key_id, masterKey.id])
  return unseal(masterKey.key, asBuffer(row.wrapped_key), aadOf(dataKeyRef(row.id)), `data key ${row.id}`)
}

async function createDataKey (tx: Queryable, masterKey: MasterKey, algorithm: VaultAlgorithm): Promise<DataKey | undefined> {
  const { rows } = await tx.query<{ id: number }>("SELECT nextval(pg_get_serial_sequence('vault_keys', 'id'))::int AS id")
  const id = rows[0]!.id
  const key = randomBytes(KEY_BYTES)
  const wrapped = seal(algorithm, masterKey.key, MASTER_KEY_ID, key, aadOf(dataKeyRef(id)))
  // The unique index on the active key turns a concurrent creation into a no-op here.
  const inserted = await tx.query('INSERT INTO vault_keys (id, wrapped_key, master_key_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id', [id, wrapped, masterKey.id])
  return inserted.rows.length > 0 ? { id, key } : undefined
}

// FOR SHARE holds the active key until the caller's transaction ends: a rotation (FOR UPDATE)
// waits for boxes being written under it, and writers arriving during a rotation wait for it,
// find the old key retired, and take the new one.
async function activeDataKey (tx: Queryable, masterKey: MasterKey, algorithm: VaultAlgorithm): Promise<DataKey> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const { rows } = await tx.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM vault_keys WHERE retired_at IS NULL FOR SHARE`)
    if (rows[0]) return { id: rows[0].id, key: openDataKey(masterKey, rows[0], 'the active data key') }
    const created = await createDataKey(tx, masterKey, algorithm)
    if (created) return created
    // Another process created one in between: the next statement sees it.
  }
  throw new Error('vault: no active data key after three attempts (keys created and retired concurrently?)')
}

export interface Vault {
  readonly algorithm: VaultAlgorithm
  readonly masterKey: MasterKey
  /**
   * Seals under the active data key (the first call creates it). Call it in the transaction that
   * writes the box, so that a concurrent rotation rewrites the box rather than missing it.
   */
  encrypt: (tx: Queryable, ref: SecretRef, plaintext: Buffer) => Promise<Buffer>
  decrypt: (db: Queryable, ref: SecretRef, box: Uint8Array) => Promise<Buffer>
}

export function createVault ({ masterKey, algorithm = 'aes-256-gcm' }: { masterKey: MasterKey, algorithm?: VaultAlgorithm }): Vault {
  return {
    algorithm,
    masterKey,
    async encrypt (tx, ref, plaintext) {
      const { id, key } = await activeDataKey(tx, masterKey, algorithm)
      return seal(algorithm, key, id, plaintext, aadOf(ref))
    },
    async decrypt (db, ref, bytes) {
      const box = asBuffer(bytes)
      const label = labelOf(ref)
      const { keyId } = readHeader(box, label)
      const { rows } = await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM vault_keys WHERE id = $1`, [keyId])
      if (!rows[0]) throw new TongbanError('TB_VAULT_KEY_UNAVAILABLE', [label, keyId, 'does not exist'])
      return unseal(openDataKey(masterKey, rows[0], label), box, aadOf(ref), label)
    },
  }
}

export interface Rotation {
  retiredKeyIds: number[]
  keyId: number
  algorithm: VaultAlgorithm
  masterKeyId: string
  /** Secrets sealed again, per table. */
  secrets: Record<string, number>
}

/**
 * Opens every secret with `current` and seals it again under a new data key of `next` (its master
 * key and algorithm), then destroys the old data keys: old boxes no longer open under any key.
 */
export async function rotateVault (db: Db, current: Vault, next: Vault): Promise<Rotation> {
  return await db.transaction(async (tx) => {
    const { rows: active } = await tx.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM vault_keys WHERE retired_at IS NULL FOR UPDATE`)
    // Opened before anything changes: a wrong current master key stops the rotation here.
    const oldKeys = new Map(active.map((row) => [row.id, openDataKey(current.masterKey, row, `data key ${row.id}`)]))
    await tx.query('UPDATE vault_keys SET retired_at = now(), wrapped_key = NULL WHERE retired_at IS NULL')
    const fresh = await activeDataKey(tx, next.masterKey, next.algorithm)
    const secrets: Record<string, number> = {}
    for (const sealed of Object.values(SEALED_COLUMNS)) {
      secrets[sealed.table] = 0
      const { rows } = await tx.query<Record<string, unknown> & { box: Uint8Array }>(
        `SELECT ${sealed.rowKey.join(', ')}, ${sealed.column} AS box FROM ${sealed.table} WHERE ${sealed.column} IS NOT NULL FOR UPDATE`)
      for (const row of rows) {
        const rowKey = sealed.rowKey.map((c) => row[c] as string | number)
        const ref = secretRef(sealed, rowKey)
        const label = labelOf(ref)
        const box = asBuffer(row.box)
        const { keyId } = readHeader(box, label)
        const oldKey = oldKeys.get(keyId)
        if (!oldKey) throw new TongbanError('TB_VAULT_KEY_UNAVAILABLE', [label, keyId, 'is not the active data key'])
        const resealed = seal(next.algorithm, fresh.key, fresh.id, unseal(oldKey, box, aadOf(ref), label), aadOf(ref))
        const where = sealed.rowKey.map((c, i) => `${c} = $${i + 2}`).join(' AND ')
        await tx.query(`UPDATE ${sealed.table} SET ${sealed.column} = $1 WHERE ${where}`, [resealed, ...rowKey])
        secrets[sealed.table]!++
      }
    }
    return { retiredKeyIds: [...oldKeys.keys()], keyId: fresh.id, algorithm: next.algorithm, masterKeyId: next.masterKey.id, secrets }
  })
}
