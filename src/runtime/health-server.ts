// The small HTTP server of a worker or scheduler process: /livez, /healthz, /readyz and /metrics
// only (server/health.ts), on PORT, so an orchestrator probes and scrapes every role alike.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { Platform } from '../platform.ts'
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from '../server/errors.ts'
import { healthRoutes } from '../server/health.ts'
import type { Settings } from './settings.ts'

export interface HealthServer { app: FastifyInstance, url: string }

export async function startHealthServer (platform: Platform, settings: Pick<Settings, 'port' | 'host'>): Promise<HealthServer> {
  const app = Fastify({
    loggerInstance: platform.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: true,
    frameworkErrors,
    clientErrorHandler,
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  registerErrorHandling(app)
  await app.register(healthRoutes, { platform })
  await app.listen({ port: settings.port, host: settings.host })
  const { port } = app.server.address() as { port: number }
  const url = `http://${settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host}:${port}`
  return { app, url }
}
