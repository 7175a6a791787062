// The departments pages.
import type { FastifyInstance } from 'fastify'
import type { PortalKit } from '../kit.ts'

export async function departmentPages (_app: FastifyInstance, _kit: PortalKit): Promise<void> {}
