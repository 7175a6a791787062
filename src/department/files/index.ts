// The file drop an instance names (`files.dir` or `files.sftp`), with the credentials its adapter's
// auth strategy says (`basic`: a password; `sftp-key`: a private key) for SFTP.
import { AUTH_CREDENTIALS, type AdapterDefinition } from '../../adapter-sdk/index.ts'
import type { AdapterInstance } from '../../config/schema.ts'
import { TongbanError } from '../../errors.ts'
import type { Logger } from '../../log.ts'
import { credentialsOf, type CredentialDeps } from '../credentials.ts'
import { localDirectory } from './local.ts'
import { sftpServer, type SftpCredentials } from './sftp.ts'
import type { FileSource } from './source.ts'

export type { FileSource } from './source.ts'
export { readSmall } from './source.ts'

export function openFileSource (instance: { config: AdapterInstance, adapter: AdapterDefinition }, deps: CredentialDeps & { logger: Logger }): FileSource {
  const { config, adapter } = instance
  const files = config.files
  if (!files) throw new TongbanError('TB_CONFIG_INVALID', [`adapter instance ${config.id}`, `files: adapter ${adapter.id} takes files; say where they are (files.dir or files.sftp)`])
  if (files.dir !== undefined) return localDirectory(files.dir)
  const auth = adapter.auth
  if (auth?.type !== 'basic' && auth?.type !== 'sftp-key') {
    throw new TypeError(`adapter ${adapter.id}: an SFTP file drop needs auth basic (password) or sftp-key, not ${auth?.type ?? 'none'}`)
  }
  const schema = AUTH_CREDENTIALS[auth.type]
  // The keys the vault must hold: a key's passphrase is optional.
  const required = Object.entries(schema.shape).filter(([, field]) => !field.safeParse(undefined).success).map(([key]) => key)
  const configured = credentialsOf(deps, config.id, config.credentials, required)
  return sftpServer({
    instance: config.id,
    place: files.sftp!,
    timeoutMs: config.timeout,
    logger: deps.logger,
    refused: () => { configured?.forget() },
    credentials: async (): Promise<SftpCredentials> => {
      if (!configured) throw new TongbanError('TB_DEPARTMENT_AUTH', [config.id, 'no credentials configured for the SFTP file drop'])
      const parsed = schema.safeParse(await configured.read())
      if (parsed.success) return parsed.data
      // Only the key and zod's message: the value may be a secret.
      const issue = parsed.error.issues[0]!
      throw new TongbanError('TB_DEPARTMENT_AUTH', [config.id, `${auth.type} credentials: ${issue.path.join('.') || '(root)'}: ${issue.message}`])
    },
  })
}
