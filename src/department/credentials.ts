// Where a connection's service credentials come from: the configuration as it is, or the vault.
// Signed strategies need the credentials for every request; opening the vault (and auditing it)
// each time would put a database read and an audit row on every department call, so a connection
// keeps what it opened for a short while. A credential rotated in the vault is picked up when that
// time is over, or at once when the department refuses what we sent. Their shape is the
// strategy's to check.
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

/** How long a connection keeps credentials read from the vault. */
export const VAULT_CREDENTIALS_TTL_MS = 60_000

export interface Credentials {
  /** The credentials; from the vault, read (and audited) at most once per `ttlMs` however many requests ask. */
  read: () => Promise<Record<string, string>>
  /** Read the vault again at the next use: the department refused what we sent with these. */
  forget: () => void
}

const SYSTEM = { kind: 'system', username: 'system', roles: [], town: null } as const

/** `keys`: what the adapter's auth strategy needs (e.g. clientId, clientSecret), to say what is missing. */
export function credentialsOf (
  deps: CredentialDeps, instanceId: string, configured: AdapterInstance['credentials'], keys: readonly string[],
  opts: { ttlMs?: number, now?: () => number, purpose?: string } = {},
): Credentials | undefined {
  if (configured === undefined) return undefined
  if (configured !== 'vault') return { read: async () => configured, forget: () => {} }
  const ttlMs = opts.ttlMs ?? VAULT_CREDENTIALS_TTL_MS
  const now = opts.now ?? Date.now
  let kept: { value: Record<string, string>, until: number } | undefined
  let reading: Promise<Record<string, string>> | undefined

  async function open (): Promise<Record<string, string>> {
    if (!deps.vault) throw new TongbanError('TB_DEPARTMENT_AUTH', [instanceId, 'credentials are in the vault, but this process has no master key'])
    const stored = await getServiceCredentials(deps.db, deps.vault, instanceId)
    await deps.audit.append({ actor: SYSTEM, action: 'vault.use', subjectKind: 'adapter', subject: instanceId, outcome: stored ? 'ok' : 'failed', details: { purpose: opts.purpose ?? 'department auth' } })
    if (!stored || keys.some((k) => !stored[k])) throw new TongbanError('TB_DEPARTMENT_AUTH', [instanceId, `no ${keys.join(' and ')} stored in the vault for this instance`])
    return stored
  }

  return {
    async read () {
      if (kept && kept.until > now()) return kept.value
      // Requests arriving together share one read of the vault (and one audit row).
      if (!reading) {
        // Counted from when the read began: a rotation during a slow read is not held longer than ttlMs.
        const startedAt = now()
        reading = open()
          .then((value) => { kept = { value, until: startedAt + ttlMs }; return value })
          .finally(() => { reading = undefined })
      }
      return await reading
    },
    forget () { kept = undefined },
  }
}
