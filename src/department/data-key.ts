// The data key an instance decrypts its adapter's encrypted fields with (credentials.dataKey):
// from the configuration (the demo) or the vault (production), read and audited like a
// connection's credentials and kept for as long. One reader per instance, however many intakes ask.
import { DATA_KEY_CREDENTIALS } from '../adapter-sdk/encrypted.ts'
import type { AdapterInstance } from '../config/schema.ts'
import { TongbanError } from '../errors.ts'
import { credentialsOf, type CredentialDeps, type Credentials } from './credentials.ts'

// Per process's platform (its database and vault) and instance: a gateway started again on the same configuration reads its own.
const readers = new WeakMap<CredentialDeps, WeakMap<AdapterInstance, Credentials>>()

/**
 * The instance's 16-byte data key; TB_DEPARTMENT_AUTH when it has none (or not 32 hex digits).
 * `fresh`: read the vault again now — a person retrying a record after storing the right key
 * should not wait out the minute the last read is kept.
 */
export async function dataKeyOf (deps: CredentialDeps, config: AdapterInstance, opts: { fresh?: boolean } = {}): Promise<Buffer> {
  let ofDeps = readers.get(deps)
  if (!ofDeps) readers.set(deps, ofDeps = new WeakMap())
  let reader = ofDeps.get(config)
  if (!reader) {
    reader = credentialsOf(deps, config.id, config.credentials, ['dataKey'], { purpose: 'field decryption' })
    if (!reader) throw new TongbanError('TB_DEPARTMENT_AUTH', [config.id, 'its adapter decrypts fields, but the instance has no credentials.dataKey'])
    ofDeps.set(config, reader)
  }
  if (opts.fresh) reader.forget()
  const parsed = DATA_KEY_CREDENTIALS.safeParse(await reader.read())
  if (!parsed.success) {
    reader.forget()
    throw new TongbanError('TB_DEPARTMENT_AUTH', [config.id, `credentials.dataKey: ${parsed.error.issues[0]!.message}`])
  }
  return Buffer.from(parsed.data.dataKey, 'hex')
}
