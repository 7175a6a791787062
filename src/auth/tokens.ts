// API tokens for machine clients: `tbt_` + 256 random bits, shown once at creation; the store
// keeps the SHA-256. Each token carries roles and a division scope and expires.
import { createHash, randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { Queryable } from '../store/db.ts'
import { line } from '../model/text.ts'
import { TongbanError } from '../errors.ts'
import type { Principal, Role } from './principal.ts'
import { DepartmentCode, RoleList, TownCode } from './staff.ts'
import { valid } from './valid.ts'

const PREFIX = 'tbt_'
const MAX_DAYS = 366

export const NewToken = z.object({
  name: line().trim().min(1).max(64),
  roles: RoleList,
  town: TownCode.describe('12-digit division code of any level: a town, a county (320412000000), a city'),
  expiresInDays: z.number().int().min(1).max(MAX_DAYS).default(90),
  /** A department system's token: with the department-liaison role, it answers whistles for this department. */
  department: DepartmentCode.optional(),
})
export type NewToken = z.input<typeof NewToken>

export interface ApiToken {
  id: number
  name: string
  roles: Role[]
  town: string
  department: string | null
  createdBy: string
  createdAt: string
  expiresAt: string
  revokedAt: string | null
  lastUsedAt: string | null
}

const COLUMNS = 'id, name, roles, town, department, created_by, created_at, expires_at, revoked_at, last_used_at'
const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : null)
const digest = (token: string): Buffer => createHash('sha256').update(token).digest()

function toToken (r: Record<string, unknown>): ApiToken {
  return {
    id: r.id as number,
    name: r.name as string,
    roles: r.roles as Role[],
    town: r.town as string,
    department: (r.department ?? null) as string | null,
    createdBy: r.created_by as string,
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at)!,
    revokedAt: iso(r.revoked_at),
    lastUsedAt: iso(r.last_used_at),
  }
}

export async function createToken (db: Queryable, input: NewToken, createdBy: string): Promise<{ token: string, record: ApiToken }> {
  const data = valid(NewToken, input)
  const token = PREFIX + randomBytes(32).toString('base64url')
  const { rows } = await db.query(
    `INSERT INTO api_tokens (name, token_hash, roles, town, created_by, expires_at, department)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6), $7) RETURNING ${COLUMNS}`,
    [data.name, digest(token), data.roles, data.town, createdBy, data.expiresInDays, data.department ?? null])
  return { token, record: toToken(rows[0]!) }
}

export async function listTokens (db: Queryable): Promise<ApiToken[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM api_tokens ORDER BY id`)
  return rows.map(toToken)
}

export async function revokeToken (db: Queryable, id: number): Promise<ApiToken> {
  const { rows } = await db.query(`UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`, [id])
  if (!rows[0]) throw new TongbanError('TB_TOKEN_NOT_FOUND', [id])
  return toToken(rows[0])
}

export const looksLikeToken = (value: string): boolean => value.startsWith(PREFIX)

/** The principal of a live token; undefined for unknown, expired or revoked ones. */
export async function tokenPrincipal (db: Queryable, token: string): Promise<Principal | undefined> {
  const { rows } = await db.query(
    `UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING ${COLUMNS}`,
    [digest(token)])
  if (!rows[0]) return undefined
  const t = toToken(rows[0])
  const principal: Principal = { kind: 'token', id: String(t.id), username: `token:${t.name}`, name: t.name, town: t.town, roles: t.roles }
  return t.department ? { ...principal, department: t.department } : principal
}
