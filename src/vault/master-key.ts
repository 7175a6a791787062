// The master key seals the vault's data keys. It comes from TONGBAN_MASTER_KEY. Only the embedded
// default (no DATABASE_URL) generates one, into the data dir beside the PGlite files it protects:
// on PostgreSQL a generated key would live on one host while the secrets it opens live in a
// shared database that other hosts could not read.
import { createHmac, randomBytes } from 'node:crypto'
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TongbanError } from '../errors.ts'
import { KEY_BYTES } from './envelope.ts'

export const MASTER_KEY_ENV = 'TONGBAN_MASTER_KEY'

export interface MasterKey {
  key: Buffer
  /** Names the key without revealing it; kept beside every data key it seals. */
  id: string
  /** The environment variable or the file the key was read from. */
  source: string
  /** The file this call generated the key into, if it did. */
  generated?: string
}

/** What to say, once, when `loadMasterKey` generated the key. */
export const generatedNotice = (file: string): string => `${MASTER_KEY_ENV} is not set: generated a master key for the credential vault into ${file}; ` +
  'keep a copy apart from the data dir, without it the vault\'s secrets cannot be opened'

export const masterKeyFile = (dataDir: string): string => join(dataDir, 'master-key')

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** The key in `text` (base64 of 32 bytes); errors name `source`, never the text. */
export function parseMasterKey (text: string, source: string): MasterKey {
  const b64 = text.trim()
  if (!BASE64.test(b64)) throw new TongbanError('TB_MASTER_KEY_INVALID', [source, 'it is not base64'])
  const key = Buffer.from(b64, 'base64')
  if (key.length !== KEY_BYTES) throw new TongbanError('TB_MASTER_KEY_INVALID', [source, `it decodes to ${key.length} bytes`])
  return { key, id: createHmac('sha256', key).update('tongban master key id').digest('hex').slice(0, 16), source }
}

export function newMasterKeyText (): string {
  return randomBytes(KEY_BYTES).toString('base64')
}

/** Where the embedded data lives, and the PostgreSQL URL when there is one (then no key is generated). */
export interface KeyPlace { dataDir: string, databaseUrl?: string | undefined }

export async function loadMasterKey (settings: KeyPlace, env: NodeJS.ProcessEnv = process.env): Promise<MasterKey> {
  const fromEnv = env[MASTER_KEY_ENV]
  if (fromEnv) return parseMasterKey(fromEnv, MASTER_KEY_ENV)
  if (settings.databaseUrl) throw new TongbanError('TB_MASTER_KEY_MISSING', [MASTER_KEY_ENV])
  const file = masterKeyFile(settings.dataDir)
  const existing = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
  if (existing !== undefined) return parseMasterKey(existing, file)
  await mkdir(settings.dataDir, { recursive: true })
  const text = newMasterKeyText()
  // Written aside, then linked into place: no process ever reads a half-written key.
  const draft = `${file}.${randomBytes(6).toString('hex')}.draft`
  await writeFile(draft, `${text}\n`, { mode: 0o600 })
  try {
    await link(draft, file)
  } catch (err) {
    // Another process generated it first: use that one.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return parseMasterKey(await readFile(file, 'utf8'), file)
    throw err
  } finally {
    await rm(draft, { force: true })
  }
  return { ...parseMasterKey(text, file), generated: file }
}
