// One adapter instance's connection to its department system: the HTTP client with its auth,
// rate and credentials, and the circuit breaker around it, whose state changes are logged,
// counted and published for the status board.
import type { Redis } from '../redis/connect.ts'
import type { AdapterDefinition, DepartmentHttp } from '../adapter-sdk/index.ts'
import { AUTH_CREDENTIALS, DepartmentAuthError } from '../adapter-sdk/index.ts'
import type { AdapterInstance } from '../config/schema.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics.ts'
import { createDepartmentClient } from './client.ts'
import { createBreaker } from './breaker.ts'
import { credentialsOf, type CredentialDeps } from './credentials.ts'
import { publishBreakerState } from './breaker-board.ts'

export interface DepartmentConnection {
  /**
   * Runs one exchange with the department through the breaker. When the department says our
   * token expired or was revoked, the auth strategy's state (the token) and the credentials kept
   * from the vault are forgotten and the exchange tried once more.
   */
  call: <T>(exchange: (http: DepartmentHttp) => Promise<T>) => Promise<T>
  close: () => Promise<void>
}

export interface ConnectionDeps extends CredentialDeps {
  redis: Redis
  logger: Logger
  metrics: Metrics
}

function credentialKeys (auth: AdapterDefinition['auth']): string[] {
  return auth ? Object.keys(AUTH_CREDENTIALS[auth.type].shape) : []
}

export async function openConnection (instance: { config: AdapterInstance, adapter: AdapterDefinition }, deps: ConnectionDeps): Promise<DepartmentConnection> {
  const { config } = instance
  const credentials = credentialsOf(deps, config.id, config.credentials, credentialKeys(instance.adapter.auth))
  const http = createDepartmentClient({
    department: config.id,
    baseUrl: config.baseUrl!,
    timeoutMs: config.timeout,
    auth: instance.adapter.auth,
    credentials: credentials?.read,
    rateLimit: config.rateLimit,
  })
  const breaker = createBreaker(config.id, config.breaker)
  breaker.onChange((state) => {
    deps.logger.warn({ adapter: config.id, breaker: state }, 'circuit breaker changed state')
    deps.metrics.breakerOpen.set({ adapter: config.id }, state === 'closed' ? 0 : 1)
    publishBreakerState(deps.redis, config.id, state).catch(() => {})
  })
  await publishBreakerState(deps.redis, config.id, 'closed')
  const once = async <T>(exchange: (http: DepartmentHttp) => Promise<T>): Promise<T> => await breaker.run(async () => await exchange(http))
  return {
    async call (exchange) {
      try {
        return await once(exchange)
      } catch (err) {
        if (!(err instanceof DepartmentAuthError)) throw err
        http.resetAuth()
        credentials?.forget()
        return await once(exchange)
      }
    },
    async close () {
      breaker.shutdown()
      await http.close()
    },
  }
}
