// Bearer-token guard for /api/v1. Until sign-on exists the one token is TONGBAN_ADMIN_TOKEN
// (admin role); comparison is constant-time.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { TongbanError } from '../errors.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, as recorded where the API keeps who did what (conflict resolutions). */
    actor: string
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

export function bearerGuard (adminToken: string): (req: FastifyRequest) => Promise<void> {
  const expected = digest(adminToken)
  return async (req) => {
    const header = req.headers.authorization
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) throw new TongbanError('TB_UNAUTHORIZED')
    req.actor = 'admin'
  }
}
