// The gateway's web app, composed: Fastify with one encapsulated plugin per face (health, sign-in,
// portal, single sign-on, federation, webhooks, the API under /api/v1). Every route has a zod
// schema, and the OpenAPI document at /docs/json is generated from those schemas.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import { openApiTransformObject } from '../server/openapi.ts'
import type { Platform } from '../platform.ts'
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from '../server/errors.ts'
import cookie from '@fastify/cookie'
import { registerHardening, withoutUpgrade } from '../server/hardening.ts'
import rateLimit from '@fastify/rate-limit'
import { TongbanError } from '../errors.ts'
import formbody from '@fastify/formbody'
import { authPlugin } from '../server/auth.ts'
import { auditHook } from '../server/audit-hook.ts'
import { auditRoutes } from '../server/api/audit.ts'
import { vaultRoutes } from '../server/api/vault.ts'
import { authRoutes } from '../server/auth-routes.ts'
import { federationRoutes } from '../server/federation-routes.ts'
import { staffRoutes } from '../server/api/staff.ts'
import { SessionStore } from '../auth/sessions.ts'
import { SESSION_COOKIE } from '../web/session.ts'
import { webhooksPlugin } from '../server/webhooks.ts'
import { healthRoutes } from '../server/health.ts'
import { recordRoutes } from '../server/api/records.ts'
import { facetRoutes } from '../server/api/facets.ts'
import { operationRoutes } from '../server/api/operations.ts'
import { adapterOperationRoutes } from '../server/api/adapter-operations.ts'
import { adapterFileRoutes } from '../server/api/adapter-files.ts'
import { createOperations } from '../department/operations.ts'
import { departmentConnections, type DepartmentConnections } from '../department/connections.ts'
import { conflictRoutes } from '../server/api/conflicts.ts'
import { adminRoutes } from '../server/api/admin.ts'
import { matterRoutes } from '../server/api/matters.ts'
import { portalPlugin } from '../portal/index.ts'
import { ratingRoutes } from '../server/api/ratings.ts'
import { caseRoutes } from '../server/api/cases.ts'
import { whistleRoutes } from '../server/api/whistles.ts'
import { orderRoutes } from '../server/api/orders.ts'
import { evaluationRoutes } from '../server/api/evaluation.ts'
import { outboxRoutes } from '../server/api/outbox.ts'
import { riskRoutes } from '../server/api/risks.ts'
import { photoRoutes } from '../server/api/photos.ts'
import { callerOf, readRouting } from '../store/read-routing.ts'
import type { Principal } from '../auth/principal.ts'

export interface AppOptions {
  platform: Platform
  adminToken: string
  /** The process's department connections, shared with its workers; without them the app opens its own and closes them with itself. */
  connections?: DepartmentConnections
}

export async function buildApp ({ platform, adminToken, connections }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: platform.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Refusals before any route runs (undecodable URL, HTTP parser errors) in our error shape too.
    frameworkErrors,
    clientErrorHandler,
    // Which proxies' X-Forwarded-* count: req.protocol (HSTS, Secure cookies) and req.ip follow them.
    trustProxy: platform.config.http?.trustProxy ?? false,
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  registerErrorHandling(app)

  await app.register(swagger, {
    openapi: {
      info: { title: 'tongban', version: '0.1.0', description: 'Integration gateway: webhooks in, unified residents and enterprises out.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
    },
    transform: jsonSchemaTransform,
    transformObject: openApiTransformObject,
  })
  await registerHardening(app, platform.config)
  await app.register(rateLimit, {
    global: false,
    redis: platform.redis,
    nameSpace: 'tb:rate:',
    errorResponseBuilder: (_req, context) => new TongbanError('TB_RATE_LIMITED', [Math.ceil(context.ttl / 1000)]),
  })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: withoutUpgrade })

  await app.register(cookie)
  await app.register(formbody)
  const sessions = new SessionStore(platform.redis)
  // Read-your-writes for searches that read from a standby (store/read-routing.ts): a caller's
  // change is remembered before its answer leaves, so the page it is sent to next already sees it.
  const reads = readRouting(platform)
  app.addHook('onSend', async (req, reply, payload) => {
    const caller = (req.principal as Principal | null | undefined) ?? req.portal?.principal
    if (caller && req.method !== 'GET' && req.method !== 'HEAD' && reply.statusCode < 400) await reads.wrote(callerOf(caller))
    return payload
  })
  const departments = connections ?? departmentConnections(platform)
  if (!connections) app.addHook('onClose', departments.close)
  const { db, vault, audit, instances, logger, metrics } = platform
  const operations = createOperations({ db, vault, audit, instances, logger, metrics, connections: departments })
  await app.register(healthRoutes, { platform })
  await app.register(authRoutes, { platform, sessions })
  await app.register(portalPlugin, { platform, sessions })
  // oidc-provider loads only when department SSO is configured (on Node 20 it warns at import).
  if (platform.config.sso) {
    const { providerRoutes } = await import('../server/provider-routes.ts')
    await app.register(providerRoutes, { platform, sessions })
  }
  await app.register(federationRoutes, { platform, sessions })
  await app.register(webhooksPlugin, { platform })
  await app.register(async (api) => {
    await authPlugin(api, { platform, sessions, adminToken })
    auditHook(api, platform)
    await api.register(recordRoutes, { platform })
    await api.register(facetRoutes, { platform })
    await api.register(conflictRoutes, { platform })
    await api.register(operationRoutes, { platform })
    await api.register(adapterOperationRoutes, { platform, operations })
    await api.register(adapterFileRoutes, { platform })
    await api.register(adminRoutes, { platform })
    await api.register(staffRoutes, { platform, sessions })
    await api.register(auditRoutes, { platform })
    await api.register(vaultRoutes, { platform })
    await api.register(ratingRoutes, { platform })
    await api.register(caseRoutes, { platform })
    await api.register(whistleRoutes, { platform })
    await api.register(orderRoutes, { platform })
    await api.register(evaluationRoutes, { platform })
    await api.register(outboxRoutes, { platform })
    await api.register(riskRoutes, { platform })
    await api.register(photoRoutes, { platform })
    await api.register(matterRoutes, { platform })
  }, { prefix: '/api/v1' })
  return app
}
