// The quarantine pages.
import type { FastifyInstance } from 'fastify'
import type { PortalKit } from '../kit.ts'

export async function quarantinePages (_app: FastifyInstance, _kit: PortalKit): Promise<void> {}
