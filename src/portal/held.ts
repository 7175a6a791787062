// What a staff member typed into a search — the search box, the audit log's filters — held in
// Redis under a random token: pages, pagers and back links carry `?s=<token>` or `?f=<token>`
// instead of the text, which may be an ID or a phone number and would otherwise land in browser
// history and access logs. A token is good only for the staff member who made it, for as long as
// a session can last.
import { randomBytes } from 'node:crypto'
import type { Redis } from '../redis/connect.ts'

const TTL_SECONDS = 12 * 3600
type Kind = 'search' | 'audit'
const key = (kind: Kind, token: string): string => `tb:portal:${kind}:${token}`

/** A token is 22 base64url characters (16 random bytes). */
export const HELD_TOKEN = /^[A-Za-z0-9_-]{22}$/

async function hold (redis: Redis, kind: Kind, staffId: number, value: unknown): Promise<string> {
  const token = randomBytes(16).toString('base64url')
  await redis.set(key(kind, token), JSON.stringify({ staffId, value }), 'EX', TTL_SECONDS)
  return token
}

/** The value behind a token, or undefined when it expired, is malformed or is someone else's. */
async function held (redis: Redis, kind: Kind, staffId: number, token: string): Promise<unknown> {
  if (!HELD_TOKEN.test(token)) return undefined
  const raw = await redis.get(key(kind, token))
  if (raw === null) return undefined
  const found = JSON.parse(raw) as { staffId: number, value: unknown }
  return found.staffId === staffId ? found.value : undefined
}

export const holdSearch = async (redis: Redis, staffId: number, q: string): Promise<string> => await hold(redis, 'search', staffId, q)

export async function heldSearch (redis: Redis, staffId: number, token: string): Promise<string | undefined> {
  const q = await held(redis, 'search', staffId, token)
  return typeof q === 'string' ? q : undefined
}

export const holdAuditFilters = async (redis: Redis, staffId: number, filters: Record<string, string>): Promise<string> => await hold(redis, 'audit', staffId, filters)

export async function heldAuditFilters (redis: Redis, staffId: number, token: string): Promise<Record<string, string> | undefined> {
  const filters = await held(redis, 'audit', staffId, token)
  if (typeof filters !== 'object' || filters === null) return undefined
  return Object.fromEntries(Object.entries(filters).filter((e): e is [string, string] => typeof e[1] === 'string'))
}
