// The staff pages.
import type { FastifyInstance } from 'fastify'
import type { PortalKit } from '../kit.ts'

export async function staffPages (_app: FastifyInstance, _kit: PortalKit): Promise<void> {}
