// Security headers for every answer (helmet), and the two that only make sense over TLS:
// `Strict-Transport-Security` and the CSP's `upgrade-insecure-requests`. Sent on plain HTTP they
// send a browser that signed in at http://127.0.0.1:8080/ to https://, where nothing listens (the
// README's address, and how many intranet deployments run). So they go out only when the request
// came over TLS — directly, or through a proxy `http.trustProxy` trusts (X-Forwarded-Proto) — or
// when the configured public URL (`http.publicUrl`, else `sso.issuer`) is https://.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import helmet from 'helmet'
import type { Config } from '../config/schema.ts'

export const HSTS = 'max-age=31536000; includeSubDomains'

type Reached = Pick<Config, 'http' | 'sso'>

/** The public URL's scheme decides for every request; without one, the request's own (proxy-aware) protocol. */
export function overTls (config: Reached, req: FastifyRequest): boolean {
  const publicUrl = config.http?.publicUrl ?? config.sso?.issuer
  if (publicUrl !== undefined) return publicUrl.startsWith('https:')
  return req.protocol === 'https'
}

export async function registerHardening (app: FastifyInstance, config: Reached): Promise<void> {
  // Built once: @fastify/helmet built helmet's middleware (parsing the CSP) on every request,
  // about 15 µs of each webhook's.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'], styleSrc: ["'self'", "'unsafe-inline'"], scriptSrc: ["'self'"], frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    hsts: false,
  })
  // One hook, no promise. The TLS-only headers are set on the raw response like helmet's own, so
  // that hijacked answers (/oidc) carry them too.
  app.addHook('onRequest', (req, reply, done) => {
    securityHeaders(req.raw, reply.raw, (err) => {
      if (err === undefined && overTls(config, req)) {
        reply.raw.setHeader('strict-transport-security', HSTS)
        const csp = reply.raw.getHeader('content-security-policy')
        if (typeof csp === 'string') reply.raw.setHeader('content-security-policy', `${csp};upgrade-insecure-requests`)
      }
      done(err as Error | undefined)
    })
  })
}

/** For pages with a CSP of their own (Swagger UI's): without `upgrade-insecure-requests`, which plain HTTP cannot honour. */
export const withoutUpgrade = (csp: string): string => csp.replace(/\s*upgrade-insecure-requests\s*;?/g, '').trim()
