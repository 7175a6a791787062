// The staff account behind a federated identity. An account is linked to one upstream identity
// (issuer + subject, unique); the first sign-in links the account with the same username, or
// creates one when provisioning is `create`. Later sign-ins find it by the link alone, so a
// renamed upstream username does not move the identity to another account.
import type { Queryable } from '../../store/db.ts'
import { TongbanError } from '../../errors.ts'
import { staffById, type Staff } from '../staff.ts'
import type { Provisioning } from './config.ts'
import type { FederatedIdentity } from './mapping.ts'

export async function findByExternal (db: Queryable, issuer: string, subject: string): Promise<Staff | undefined> {
  const { rows } = await db.query<{ id: number }>('SELECT id FROM staff WHERE external_issuer = $1 AND external_subject = $2', [issuer, subject])
  return rows[0] ? await staffById(db, Number(rows[0].id)) : undefined
}

/** Links the account to the identity if it is linked to none yet; false when it already is (or the identity is taken). */
export async function linkExternal (db: Queryable, staffId: number, issuer: string, subject: string): Promise<boolean> {
  try {
    const { rows } = await db.query(
      'UPDATE staff SET external_issuer = $2, external_subject = $3, updated_at = now() WHERE id = $1 AND external_subject IS NULL RETURNING id',
      [staffId, issuer, subject])
    return rows.length === 1
  } catch (err) {
    if (isUniqueViolation(err)) return false
    throw err
  }
}

/** Removes the link, so the next federated sign-in links again (a security administrator's repair). */
export async function unlinkExternal (db: Queryable, staffId: number): Promise<boolean> {
  const { rows } = await db.query('UPDATE staff SET external_issuer = NULL, external_subject = NULL, updated_at = now() WHERE id = $1 AND external_subject IS NOT NULL RETURNING id', [staffId])
  return rows.length === 1
}

const isUniqueViolation = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '23505'

/** Brings name, town and roles in step with the platform, where the mapping gives them. */
async function refresh (db: Queryable, staff: Staff, identity: FederatedIdentity): Promise<Staff> {
  const sameRoles = identity.roles === undefined || (identity.roles.length === staff.roles.length && identity.roles.every((r) => staff.roles.includes(r)))
  if ((identity.name === undefined || identity.name === staff.name) && (identity.town === undefined || identity.town === staff.town) && sameRoles) return staff
  await db.query('UPDATE staff SET name = COALESCE($2, name), town = COALESCE($3, town), roles = COALESCE($4, roles), updated_at = now() WHERE id = $1',
    [staff.id, identity.name ?? null, identity.town ?? null, identity.roles ?? null])
  return (await staffById(db, staff.id))!
}

/**
 * The account for a federated sign-in: the linked one; else the unlinked account with the same
 * username, which gets linked; else (provisioning `create`) a new account without a password.
 * The caller still checks the account's status.
 */
export async function federatedStaff (db: Queryable, identity: FederatedIdentity, provisioning: Provisioning): Promise<Staff> {
  // Two first sign-ins of one person can race; the unique indexes decide, and the loser looks again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const linked = await findByExternal(db, identity.issuer, identity.subject)
    if (linked) return await refresh(db, linked, identity)

    const { rows: [byName] } = await db.query<{ id: number, external_issuer: string | null, external_subject: string | null }>(
      'SELECT id, external_issuer, external_subject FROM staff WHERE username = $1', [identity.username])
    if (byName) {
      // Linked to this very identity since we looked (a concurrent first sign-in): look again.
      if (byName.external_issuer === identity.issuer && byName.external_subject === identity.subject) continue
      if (byName.external_subject !== null) {
        throw new TongbanError('TB_FEDERATION_FAILED', [`staff account ${identity.username} is already linked to another identity; a security administrator can unlink it`])
      }
      if (await linkExternal(db, Number(byName.id), identity.issuer, identity.subject)) {
        return await refresh(db, (await staffById(db, Number(byName.id)))!, identity)
      }
      continue
    }

    if (provisioning !== 'create') throw new TongbanError('TB_FEDERATION_NOT_LINKED', [identity.username])
    if (identity.town === undefined || identity.roles === undefined) throw new TongbanError('TB_FEDERATION_FAILED', ['the mapping gives no town or no roles to create the account with'])
    try {
      const { rows: [created] } = await db.query<{ id: number }>(
        `INSERT INTO staff (username, name, town, roles, external_issuer, external_subject)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`,
        [identity.username, identity.name ?? identity.username, identity.town, identity.roles, identity.issuer, identity.subject])
      if (created) return (await staffById(db, Number(created.id)))!
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
    }
  }
  throw new TongbanError('TB_FEDERATION_FAILED', [`staff account ${identity.username} changed during sign-in; try again`])
}
