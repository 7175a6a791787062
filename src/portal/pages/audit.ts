// The audit pages.
import type { FastifyInstance } from 'fastify'
import type { PortalKit } from '../kit.ts'

export async function auditPages (_app: FastifyInstance, _kit: PortalKit): Promise<void> {}
