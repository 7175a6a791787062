// Where the OpenID Provider lives and what it calls itself. Apart from the provider's routes so
// that the portal can name the issuer without loading oidc-provider (loaded only with `sso:`).
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { SsoConfig } from './config.ts'

export const OIDC_PREFIX = '/oidc'

/** The OpenID Provider's issuer: `sso.issuer`, else the gateway's listening address (undefined before it listens). */
export function issuerOf (sso: SsoConfig, app: FastifyInstance): string | undefined {
  if (sso.issuer) return sso.issuer.replace(/\/$/, '')
  const address = app.server.address() as AddressInfo | null
  if (!address) return undefined
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}${OIDC_PREFIX}`
}
