// Where a connection's service credentials come from: the configuration as it is, or the vault,
// read (and audited) each time the auth strategy needs them (a token request, a signature) so the
// secret is in memory only for that call. Their shape is the strategy's to check.
import type { AdapterInstance } from '../config/schema.ts'
import type { AuditWriter } from '../audit/index.ts'
import type { Db } from '../store/db.ts'
import type { Vault } from '../vault/vault.ts'
import { getServiceCredentials } from '../vault/credentials.ts'
import { TongbanError } from '../errors.ts'

export interface CredentialDeps {
  db: Db
  vault: Vault | undefined
  audit: AuditWriter
}

const SYSTEM = { kind: 'system', username: 'system', roles: [], town: null } as const

/** `keys`: what the adapter's auth strategy needs (e.g. clientId, clientSecret), to say what is missing. */
export function credentialsOf (deps: CredentialDeps, instanceId: string, configured: AdapterInstance['credentials'], keys: readonly string[]): (() => Promise<Record<string, string>>) | undefined {
  if (configured === undefined) return undefined
  if (configured !== 'vault') return async () => configured
  return async () => {
    if (!deps.vault) throw new TongbanError('TB_DEPARTMENT_AUTH', [instanceId, 'credentials are in the vault, but this process has no master key'])
    const stored = await getServiceCredentials(deps.db, deps.vault, instanceId)
    await deps.audit.append({ actor: SYSTEM, action: 'vault.use', subjectKind: 'adapter', subject: instanceId, outcome: stored ? 'ok' : 'failed', details: { purpose: 'department auth' } })
    if (!stored || keys.some((k) => !stored[k])) throw new TongbanError('TB_DEPARTMENT_AUTH', [instanceId, `no ${keys.join(' and ')} stored in the vault for this instance`])
    return stored
  }
}
