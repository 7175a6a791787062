// Where a connection's service credentials come from: the configuration as it is, or the vault,
// read (and audited) at each token request so the secret is in memory only for that call.
import type { AdapterInstance } from '../config/schema.ts'
import type { AuditWriter } from '../audit/index.ts'
import type { Db } from '../store/db.ts'
import type { Vault } from '../vault/vault.ts'
import { getServiceCredentials } from '../vault/credentials.ts'
import { TongbanError } from '../errors.ts'
import type { ClientCredentials } from './client.ts'

export interface CredentialDeps {
  db: Db
  vault: Vault | undefined
  audit: AuditWriter
}

const SYSTEM = { kind: 'system', username: 'system', roles: [], town: null } as const

export function credentialsOf (deps: CredentialDeps, instanceId: string, configured: AdapterInstance['credentials']): (() => Promise<ClientCredentials | undefined>) | undefined {
  if (configured === undefined) return undefined
  if (configured !== 'vault') return async () => configured
  return async () => {
    if (!deps.vault) throw new TongbanError('TB_DEPARTMENT_AUTH', [instanceId, 'credentials are in the vault, but this process has no master key'])
    const stored = await getServiceCredentials(deps.db, deps.vault, instanceId)
    await deps.audit.append({ actor: SYSTEM, action: 'vault.use', subjectKind: 'adapter', subject: instanceId, outcome: stored ? 'ok' : 'failed', details: { purpose: 'token request' } })
    if (!stored?.clientId || !stored.clientSecret) throw new TongbanError('TB_DEPARTMENT_AUTH', [instanceId, 'no clientId and clientSecret stored in the vault for this instance'])
    return { clientId: stored.clientId, clientSecret: stored.clientSecret }
  }
}
