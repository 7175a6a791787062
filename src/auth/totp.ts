// The optional second factor: RFC 6238 codes (30 s, 6 digits, SHA-1 — what every authenticator
// app speaks). The secret is sealed by the vault in the staff row; enrolment keeps the new
// secret in Redis until the staff member proves their app has it.
import { Secret, TOTP } from 'otpauth'
import type { Redis } from '../redis/connect.ts'
import type { Db, Queryable } from '../store/db.ts'
import { SEALED_COLUMNS, secretRef, type Vault } from '../vault/vault.ts'

const ISSUER = 'tongban'
const PENDING_TTL_SECONDS = 600

const totpOf = (secret: Secret, username: string): TOTP => new TOTP({ issuer: ISSUER, label: username, secret, algorithm: 'SHA1', digits: 6, period: 30 })
const pendingKey = (staffId: number): string => `tb:totp-pending:${staffId}`
const ref = (staffId: number) => secretRef(SEALED_COLUMNS.staffTotp, [staffId])

/** True when `code` is the current code (or the one before or after: clocks drift). */
export function codeMatches (secretBase32: string, username: string, code: string): boolean {
  return totpOf(Secret.fromBase32(secretBase32), username).validate({ token: code, window: 1 }) !== null
}

/** Starts enrolment: a new secret, kept pending; returns what the authenticator app needs. */
export async function beginEnrolment (redis: Redis, staffId: number, username: string): Promise<{ secret: string, uri: string }> {
  const secret = new Secret({ size: 20 })
  await redis.set(pendingKey(staffId), secret.base32, 'EX', PENDING_TTL_SECONDS)
  return { secret: secret.base32, uri: totpOf(secret, username).toString() }
}

/** Completes enrolment when `code` matches the pending secret; false otherwise. */
export async function confirmEnrolment (db: Db, redis: Redis, vault: Vault, staffId: number, username: string, code: string): Promise<boolean> {
  const pending = await redis.get(pendingKey(staffId))
  if (pending === null || !codeMatches(pending, username, code)) return false
  await db.transaction(async (tx) => {
    const box = await vault.encrypt(tx, ref(staffId), Buffer.from(pending))
    await tx.query('UPDATE staff SET totp_secret = $2, updated_at = now() WHERE id = $1', [staffId, box])
  })
  await redis.del(pendingKey(staffId))
  return true
}

export async function checkCode (db: Queryable, vault: Vault, staffId: number, username: string, sealed: Uint8Array, code: string): Promise<boolean> {
  const secret = (await vault.decrypt(db, ref(staffId), sealed)).toString('utf8')
  return codeMatches(secret, username, code)
}

export async function removeTotp (db: Queryable, staffId: number): Promise<void> {
  await db.query('UPDATE staff SET totp_secret = NULL, updated_at = now() WHERE id = $1', [staffId])
}
