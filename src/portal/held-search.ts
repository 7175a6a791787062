// What a staff member searched for, held in Redis under a random token: the search page, its
// pages and the back link from a resident carry `?s=<token>` instead of the text, which may be an
// ID or a phone number and would otherwise land in browser history and access logs. A token is
// good only for the staff member who made it, for as long as a session can last.
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'

const TTL_SECONDS = 12 * 3600
const key = (token: string): string => `tb:portal:search:${token}`

/** A token is 22 base64url characters (16 random bytes). */
export const SEARCH_TOKEN = /^[A-Za-z0-9_-]{22}$/

export async function holdSearch (redis: Redis, staffId: number, q: string): Promise<string> {
  const token = randomBytes(16).toString('base64url')
  await redis.set(key(token), JSON.stringify({ staffId, q }), 'EX', TTL_SECONDS)
  return token
}

/** The text behind a token, or undefined when it expired, is malformed or is someone else's. */
export async function heldSearch (redis: Redis, staffId: number, token: string): Promise<string | undefined> {
  if (!SEARCH_TOKEN.test(token)) return undefined
  const raw = await redis.get(key(token))
  if (raw === null) return undefined
  const held = JSON.parse(raw) as { staffId: number, q: string }
  return held.staffId === staffId ? held.q : undefined
}
