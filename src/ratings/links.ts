// One-time rating links: a random token is the capability the tablet page holds; the store keeps
// only its SHA-256, so a copy of the database cannot rate.
import { createHash, randomBytes } from 'node:crypto'

/** 24 random bytes, base64url: 32 characters. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32}$/

export function newToken (): string {
  return randomBytes(24).toString('base64url')
}

export function tokenHash (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** The tablet page of a token. */
export const ratePath = (token: string): string => `/rate/${token}`
