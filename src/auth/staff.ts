// Staff accounts in the store: create, find, list, enable/disable, passwords, and the sign-in
// bookkeeping (failures, lockout). Passwords are checked here so no caller handles hashes.
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { Queryable } from '../store/db.ts'
import { line } from '../model/text.ts'
import { TongbanError } from '../errors.ts'
import { ROLES, type Principal, type Role } from './principal.ts'
import { checkPolicy, hashPassword, verifyPassword } from './password.ts'
import { removeTotp } from './totp.ts'
import { valid } from './valid.ts'

/** Failed sign-ins in a row before the account locks, and for how long. */
export const LOCKOUT = { failures: 5, minutes: 15 } as const

export const Username = z.string().trim().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'lowercase letters, digits, . _ - (2-64 characters)')
export const TownCode = z.string().regex(/^\d{12}$/, 'a 12-digit division code')
export const RoleList = z.array(z.enum(ROLES)).min(1).refine((r) => new Set(r).size === r.length, 'each role once')
/** A department-liaison's department: a code of config.whistles.departments (checked against it where the configuration is known). */
export const DepartmentCode = z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'a department code of whistles.departments, e.g. wj-urban')

export const NewStaff = z.object({
  username: Username,
  name: line().trim().min(1).max(64),
  town: TownCode,
  roles: RoleList,
  password: z.string().optional(),
  /** Only with the department-liaison role, which needs it. */
  department: DepartmentCode.optional(),
})
export type NewStaff = z.infer<typeof NewStaff>

export interface Staff {
  id: number
  username: string
  name: string
  town: string
  roles: Role[]
  /** A department liaison's department code; null for town staff. */
  department: string | null
  status: 'active' | 'disabled'
  hasPassword: boolean
  hasTotp: boolean
  lockedUntil: string | null
  federated: boolean
  createdAt: string
  lastLoginAt: string | null
}

const COLUMNS = `id, username, name, town, roles, department, status, password_hash IS NOT NULL AS has_password, totp_secret IS NOT NULL AS has_totp,
  locked_until, external_subject IS NOT NULL AS federated, created_at, last_login_at`

function toStaff (r: Record<string, unknown>): Staff {
  const locked = r.locked_until as Date | null
  return {
    id: r.id as number,
    username: r.username as string,
    name: r.name as string,
    town: r.town as string,
    roles: r.roles as Role[],
    department: (r.department ?? null) as string | null,
    status: r.status as Staff['status'],
    hasPassword: r.has_password as boolean,
    hasTotp: r.has_totp as boolean,
    lockedUntil: locked && locked.getTime() > Date.now() ? locked.toISOString() : null,
    federated: r.federated as boolean,
    createdAt: (r.created_at as Date).toISOString(),
    lastLoginAt: r.last_login_at ? (r.last_login_at as Date).toISOString() : null,
  }
}

export function staffPrincipal (s: Pick<Staff, 'id' | 'username' | 'name' | 'town' | 'roles'> & { department?: string | null }): Principal {
  const principal: Principal = { kind: 'staff', id: String(s.id), username: s.username, name: s.name, town: s.town, roles: s.roles }
  return s.department ? { ...principal, department: s.department } : principal
}

export async function createStaff (db: Queryable, input: NewStaff): Promise<Staff> {
  const data = valid(NewStaff, input)
  let passwordHash: string | null = null
  if (data.password !== undefined) {
    checkPolicy(data.password, data.username)
    passwordHash = await hashPassword(data.password)
  }
  const { rows } = await db.query(
    `INSERT INTO staff (username, name, town, roles, password_hash, password_changed_at, department)
     VALUES ($1, $2, $3, $4, $5, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END, $6)
     ON CONFLICT (username) DO NOTHING RETURNING ${COLUMNS}`,
    [data.username, data.name, data.town, data.roles, passwordHash, data.department ?? null])
  if (!rows[0]) throw new TongbanError('TB_STAFF_EXISTS', [data.username])
  return toStaff(rows[0])
}

export async function findStaff (db: Queryable, username: string): Promise<Staff | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM staff WHERE username = $1`, [username])
  return rows[0] && toStaff(rows[0])
}

export async function staffById (db: Queryable, id: number): Promise<Staff | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM staff WHERE id = $1`, [id])
  return rows[0] && toStaff(rows[0])
}

export async function listStaff (db: Queryable): Promise<Staff[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM staff ORDER BY username`)
  return rows.map(toStaff)
}

async function mustUpdate (db: Queryable, username: string, set: string, params: unknown[]): Promise<Staff> {
  const { rows } = await db.query(`UPDATE staff SET ${set}, updated_at = now() WHERE username = $1 RETURNING ${COLUMNS}`, [username, ...params])
  if (!rows[0]) throw new TongbanError('TB_STAFF_NOT_FOUND', [username])
  return toStaff(rows[0])
}

export async function setStaffStatus (db: Queryable, username: string, status: Staff['status']): Promise<Staff> {
  return await mustUpdate(db, username, 'status = $2, failed_logins = 0, locked_until = NULL', [status])
}

export async function setPassword (db: Queryable, username: string, password: string): Promise<Staff> {
  checkPolicy(password, username)
  return await mustUpdate(db, username, 'password_hash = $2, password_changed_at = now(), failed_logins = 0, locked_until = NULL', [await hashPassword(password)])
}

/** `department`: absent keeps it, null removes it (the caller checks the result with the department registry). */
export async function updateStaff (db: Queryable, username: string, change: { name?: string | undefined, town?: string | undefined, roles?: Role[] | undefined, department?: string | null | undefined }): Promise<Staff> {
  return await mustUpdate(db, username, 'name = COALESCE($2, name), town = COALESCE($3, town), roles = COALESCE($4, roles), department = CASE WHEN $5::boolean THEN $6::text ELSE department END',
    [change.name ?? null, change.town ?? null, change.roles ?? null, change.department !== undefined, change.department ?? null])
}

/** What ends a staff member's sessions (the session store). */
export interface SessionEnder { destroyAllOf: (staffId: number) => Promise<number> }

async function mustFind (db: Queryable, username: string): Promise<Staff> {
  const staff = await findStaff(db, username)
  if (!staff) throw new TongbanError('TB_STAFF_NOT_FOUND', [username])
  return staff
}

/** Disables the account and ends its sessions: a disabled account keeps no one signed in. */
export async function disableStaff (db: Queryable, sessions: SessionEnder, username: string): Promise<Staff> {
  const staff = await setStaffStatus(db, username, 'disabled')
  await sessions.destroyAllOf(staff.id)
  return staff
}

/** Sets a new password (which unlocks the account) and ends the account's sessions. */
export async function resetPassword (db: Queryable, sessions: SessionEnder, username: string, password: string): Promise<Staff> {
  const staff = await setPassword(db, username, password)
  await sessions.destroyAllOf(staff.id)
  return staff
}

/** Removes the authenticator app; the staff member enrols again. */
export async function resetTotp (db: Queryable, username: string): Promise<Staff> {
  const staff = await mustFind(db, username)
  await removeTotp(db, staff.id)
  return (await findStaff(db, username))!
}

/** Ends every session of the staff member; returns how many were live. */
export async function endSessions (db: Queryable, sessions: SessionEnder, username: string): Promise<number> {
  return await sessions.destroyAllOf((await mustFind(db, username)).id)
}

export type SignInResult =
  | { ok: true, staff: Staff, totpSecret: Uint8Array | null }
  | { ok: false, reason: 'unknown' | 'password' | 'disabled' | 'locked', lockedUntil?: string, staff?: Staff }

/**
 * Checks a password and keeps the bookkeeping: a wrong one counts towards the lockout, a right
 * one resets the count. Unknown users cost a hash too, so timing does not tell who exists.
 */
export async function checkSignIn (db: Queryable, username: string, password: string): Promise<SignInResult> {
  const { rows } = await db.query(`SELECT ${COLUMNS}, password_hash, totp_secret FROM staff WHERE username = $1`, [username])
  const row = rows[0]
  if (!row || row.password_hash === null) {
    await verifyPassword(await dummyHash(), password)
    return { ok: false, reason: 'unknown' }
  }
  const staff = toStaff(row)
  if (staff.lockedUntil) return { ok: false, reason: 'locked', lockedUntil: staff.lockedUntil, staff }
  if (!await verifyPassword(row.password_hash as string, password)) {
    const lockedUntil = await recordFailure(db, staff.id)
    return lockedUntil ? { ok: false, reason: 'locked', lockedUntil, staff } : { ok: false, reason: 'password', staff }
  }
  if (staff.status === 'disabled') return { ok: false, reason: 'disabled', staff }
  return { ok: true, staff, totpSecret: row.totp_secret as Uint8Array | null }
}

/** Counts a failed sign-in (a wrong password or authenticator code); returns the lock's end when it locked the account. */
export async function recordFailure (db: Queryable, id: number): Promise<string | undefined> {
  const { rows: [after] } = await db.query<{ locked_until: Date | null }>(
    `UPDATE staff SET
       failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
       locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(mins => $3) ELSE locked_until END
     WHERE id = $1 RETURNING locked_until`, [id, LOCKOUT.failures, LOCKOUT.minutes])
  return after?.locked_until && after.locked_until.getTime() > Date.now() ? after.locked_until.toISOString() : undefined
}

export async function recordSignIn (db: Queryable, id: number): Promise<void> {
  await db.query('UPDATE staff SET failed_logins = 0, locked_until = NULL, last_login_at = now() WHERE id = $1', [id])
}

// The hash of a random password, made once: unknown users are checked against it.
let dummy: Promise<string> | undefined
const dummyHash = async (): Promise<string> => await (dummy ??= hashPassword(randomBytes(16).toString('hex')))
