// The demo's department systems (`simulators.department-systems`): for each, a whistle receiver
// (whistle-receiver.ts) with a department API token made at start, and its `{url, secret}` put
// into the vault as the service credentials of `department:<code>`, so whistles to it are
// delivered and answered without a person setting anything up. A pilot does both by hand.
import { TongbanError } from '../errors.ts'
import type { RunningSimulator } from '../adapter-sdk/index.ts'
import type { Config } from '../config/schema.ts'
import type { Db } from '../store/db.ts'
import type { Logger } from '../log.ts'
import type { Vault } from '../vault/vault.ts'
import { putServiceCredentials } from '../vault/credentials.ts'
import { createToken, listTokens, revokeToken } from '../auth/tokens.ts'
import { LIAISON_ROLE, vaultNameOf, type DepartmentRegistry } from './registry.ts'

export interface DepartmentSystemsDeps {
  config: Config
  db: Db
  vault: Vault | undefined
  departments: DepartmentRegistry
  logger: Logger
}

const tokenName = (code: string): string => `demo system ${code}`

/** A fresh token for the simulated system; the one of its last start is revoked (a token is shown once, so each start makes one). */
async function systemToken (deps: DepartmentSystemsDeps, code: string, town: string): Promise<string> {
  for (const old of await listTokens(deps.db)) {
    if (old.name === tokenName(code) && old.revokedAt === null) await revokeToken(deps.db, old.id)
  }
  const { token } = await createToken(deps.db, { name: tokenName(code), roles: [LIAISON_ROLE], town, department: code, expiresInDays: 30 }, 'demo')
  return token
}

export async function startDepartmentSystems (deps: DepartmentSystemsDeps, gatewayUrl: string): Promise<RunningSimulator[]> {
  const systems = deps.config.simulators?.['department-systems'] ?? []
  if (systems.length === 0) return []
  if (!deps.vault) {
    deps.logger.warn('department systems not started: the vault (master key) is needed to keep their endpoints')
    return []
  }
  // Loaded only when asked for: the gateway imports this file and must not load simulator code.
  const { startWhistleReceiver, WHISTLE_PATH } = await import('./whistle-receiver.ts')
  const started: RunningSimulator[] = []
  try {
    for (const system of systems) {
      const department = deps.departments.find(system.department)
      if (!department?.webhook) throw new TongbanError('TB_CONFIG_INVALID', ['(configuration)', `simulators.department-systems: department "${system.department}" is not in whistles.departments with a webhook`])
      const county = department.county.slice(0, 6)
      const town = deps.config.towns.find((t) => t.code.startsWith(county))?.code ?? `${county}000000`
      const receiver = await startWhistleReceiver({
        department: department.code,
        scheme: department.webhook.scheme,
        secret: system.secret,
        gatewayUrl: () => gatewayUrl,
        token: await systemToken(deps, department.code, town),
        respondAfterMs: system.respondAfterSeconds * 1000,
        arriveAfterMs: system.arriveAfterSeconds * 1000,
        who: department.head?.name ?? `${department.name}值班人员`,
        port: system.port,
        host: system.host,
        logger: deps.logger,
      })
      started.push(receiver)
      await putServiceCredentials(deps.db, deps.vault, vaultNameOf(department.code), { url: `${receiver.url}${WHISTLE_PATH}`, secret: system.secret })
      deps.logger.info({ simulator: 'department-system', department: department.code, scheme: department.webhook.scheme, url: receiver.url }, 'department system started (receives whistles, answers with its department token)')
    }
  } catch (err) {
    await Promise.all(started.map(async (s) => { await s.close() }))
    throw err
  }
  return started
}
