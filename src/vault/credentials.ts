// What the vault keeps: per adapter instance, the department's service credentials; per staff
// member and adapter instance, the department account they act as. Secrets go in and out only
// here, sealed in their row; listings say whether a secret is set, never what it is.
import { TongbanError } from '../errors.ts'
import type { Db, Queryable } from '../store/db.ts'
import { SEALED_COLUMNS, secretRef, type Vault } from './vault.ts'

/** A department's credentials for one adapter instance, e.g. `{ appKey, appSecret }`. */
export type ServiceCredentials = Record<string, string>

export async function putServiceCredentials (db: Db, vault: Vault, adapter: string, credentials: ServiceCredentials): Promise<void> {
  const plaintext = Buffer.from(JSON.stringify(credentials))
  await db.transaction(async (tx) => {
    const box = await vault.encrypt(tx, secretRef(SEALED_COLUMNS.serviceCredentials, [adapter]), plaintext)
    await tx.query(`INSERT INTO department_credentials (adapter, credentials) VALUES ($1, $2)
      ON CONFLICT (adapter) DO UPDATE SET credentials = excluded.credentials, updated_at = now()`, [adapter, box])
  })
}

export async function getServiceCredentials (db: Queryable, vault: Vault, adapter: string): Promise<ServiceCredentials | undefined> {
  const { rows } = await db.query<{ credentials: Uint8Array }>('SELECT credentials FROM department_credentials WHERE adapter = $1', [adapter])
  if (!rows[0]) return undefined
  const ref = secretRef(SEALED_COLUMNS.serviceCredentials, [adapter])
  const plaintext = (await vault.decrypt(db, ref, rows[0].credentials)).toString('utf8')
  try {
    return JSON.parse(plaintext) as ServiceCredentials
  } catch {
    // JSON.parse quotes the text it fails on; that text is the secret.
    throw new TongbanError('TB_VAULT_CIPHERTEXT_INVALID', [`department_credentials.credentials of ${adapter}`, 'the decrypted credentials are not JSON'])
  }
}

export async function deleteServiceCredentials (db: Queryable, adapter: string): Promise<boolean> {
  const { rows } = await db.query('DELETE FROM department_credentials WHERE adapter = $1 RETURNING adapter', [adapter])
  return rows.length > 0
}

export interface StaffAccount {
  staffId: number
  adapter: string
  /** The department account's user name: not a secret, the department shows it in its own logs. */
  username: string
  hasPassword: boolean
  updatedAt: string
}

export interface StaffAccountInput {
  staffId: number
  adapter: string
  username: string
  /** null: the department account has no password kept here. */
  password: string | null
}

export async function putStaffAccount (db: Db, vault: Vault, account: StaffAccountInput): Promise<void> {
  const { staffId, adapter, username, password } = account
  await db.transaction(async (tx) => {
    const box = password === null ? null : await vault.encrypt(tx, secretRef(SEALED_COLUMNS.staffPassword, [staffId, adapter]), Buffer.from(password))
    await tx.query(`INSERT INTO staff_accounts (staff_id, adapter, username, password) VALUES ($1, $2, $3, $4)
      ON CONFLICT (staff_id, adapter) DO UPDATE SET username = excluded.username, password = excluded.password, updated_at = now()`,
    [staffId, adapter, username, box])
  })
}

/** The account a staff member acts as in a department system, with its password: only for the call that uses it. */
export async function getStaffAccount (db: Queryable, vault: Vault, staffId: number, adapter: string): Promise<{ username: string, password: string | null } | undefined> {
  const { rows } = await db.query<{ username: string, password: Uint8Array | null }>(
    'SELECT username, password FROM staff_accounts WHERE staff_id = $1 AND adapter = $2', [staffId, adapter])
  const row = rows[0]
  if (!row) return undefined
  const password = row.password === null
    ? null
    : (await vault.decrypt(db, secretRef(SEALED_COLUMNS.staffPassword, [staffId, adapter]), row.password)).toString('utf8')
  return { username: row.username, password }
}

export async function listStaffAccounts (db: Queryable, filter: { staffId?: number, adapter?: string } = {}): Promise<StaffAccount[]> {
  const { rows } = await db.query<{ staff_id: number, adapter: string, username: string, has_password: boolean, updated_at: Date }>(
    `SELECT staff_id, adapter, username, password IS NOT NULL AS has_password, updated_at FROM staff_accounts
     WHERE ($1::bigint IS NULL OR staff_id = $1) AND ($2::text IS NULL OR adapter = $2)
     ORDER BY staff_id, adapter`, [filter.staffId ?? null, filter.adapter ?? null])
  return rows.map((r) => ({ staffId: r.staff_id, adapter: r.adapter, username: r.username, hasPassword: r.has_password, updatedAt: r.updated_at.toISOString() }))
}

export async function deleteStaffAccount (db: Queryable, staffId: number, adapter: string): Promise<boolean> {
  const { rows } = await db.query('DELETE FROM staff_accounts WHERE staff_id = $1 AND adapter = $2 RETURNING staff_id', [staffId, adapter])
  return rows.length > 0
}
