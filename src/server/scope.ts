// The scope of a request that reads records; routes call it after the permission check, so a
// principal without a scope never gets this far.
import type { FastifyRequest } from 'fastify'
import { TongbanError } from '../errors.ts'
import { scopeOf as principalScope } from '../auth/access.ts'
import type { Scope } from '../model/scope.ts'

export function scopeOf (req: FastifyRequest): Scope {
  const scope = principalScope(req.principal)
  if (scope === undefined) throw new TongbanError('TB_FORBIDDEN', ['records:read'])
  return scope
}
