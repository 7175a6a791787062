// `tongban vault status` and `tongban vault rotate [--new-master-key-file <path>]`. On the
// embedded database PGlite belongs to one process: while a gateway holds the data dir, status asks
// it and rotate refuses; otherwise the command holds the data dir itself while it works so that no
// gateway starts in between.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { TongbanError } from '../errors.ts'
import { loadConfig } from '../config/load.ts'
import { claimDataDir, runningGateway } from '../runtime/data-dir-lock.ts'
import { readSettings, type Settings } from '../runtime/settings.ts'
import type { Db } from '../store/db.ts'
import type { VaultAlgorithm } from '../vault/envelope.ts'
import { generatedNotice, loadMasterKey, MASTER_KEY_ENV, masterKeyFile, parseMasterKey, type MasterKey } from '../vault/master-key.ts'
import { vaultStatus, type VaultStatus } from '../vault/status.ts'
import { gatewayClient } from './gateway.ts'
import { createVault, rotateVault } from '../vault/vault.ts'

export const VAULT_USAGE = `Usage: tongban vault status
       tongban vault rotate [--new-master-key-file <path>]
status   data keys, secrets per key and algorithm, and whether the master key fits (exit 1 if not)
rotate   seal every secret again under a new data key (sealed by the new master key, if given) in
         the configured vault.algorithm, and destroy the old data key`

type Out = NodeJS.WritableStream

// Read by shape: the configuration schema may not declare `vault` (then the default applies).
function configuredAlgorithm (config: object): VaultAlgorithm {
  return (config as { vault?: { algorithm: VaultAlgorithm } }).vault?.algorithm ?? 'aes-256-gcm'
}

async function withDb<T> (settings: Settings, fn: (db: Db) => Promise<T>): Promise<T> {
  const { openDb } = await import('../store/db.ts')
  const { migrate } = await import('../store/migrate.ts')
  let release = async (): Promise<void> => {}
  if (!settings.databaseUrl) {
    const gateway = await runningGateway(settings.dataDir)
    if (gateway) throw new TongbanError('TB_VAULT_GATEWAY_RUNNING', [settings.dataDir, gateway.pid])
    await mkdir(settings.dataDir, { recursive: true })
    release = (await claimDataDir(settings.dataDir)).release
  }
  try {
    const db = await openDb(settings)
    try {
      await migrate(db)
      return await fn(db)
    } finally {
      await db.close()
    }
  } finally {
    await release()
  }
}

/** What `vault status` prints, from the database here or from the running gateway (GET /api/v1/vault/status). */
interface StatusReport extends VaultStatus {
  database: string
  algorithm: VaultAlgorithm
  masterKey: Pick<MasterKey, 'id' | 'source'>
}

function printStatus ({ database, algorithm, masterKey, keys, secrets }: StatusReport, out: Out): number {
  const active = keys.find((k) => k.retiredAt === null)
  const fits = !active || active.masterKeyId === masterKey.id
  out.write(`database: ${database}\nalgorithm for new secrets: ${algorithm}\n`)
  out.write(`master key: ${masterKey.id} from ${masterKey.source}${active ? (fits ? ', seals the active data key' : `, does NOT seal the active data key (sealed by master key ${active.masterKeyId})`) : ''}\n`)
  out.write(keys.length === 0 ? 'data keys: none yet (the first secret stored creates one)\n' : 'data keys:\n')
  for (const k of keys) out.write(`  ${k.id}  ${k.retiredAt ? `retired ${k.retiredAt}` : 'active'}  created ${k.createdAt}  master key ${k.masterKeyId}\n`)
  out.write(secrets.length === 0 ? 'secrets: none\n' : 'secrets:\n')
  for (const s of secrets) out.write(`  ${s.table}.${s.column}  data key ${s.keyId}  ${s.algorithm}  ${s.count}\n`)
  const behind = secrets.filter((s) => s.keyId !== active?.id || s.algorithm !== algorithm).reduce((n, s) => n + s.count, 0)
  if (behind > 0) out.write(`${behind} secret(s) are not under the active data key and ${algorithm}: \`tongban vault rotate\` seals them again\n`)
  return fits ? 0 : 1
}

async function rotate (db: Db, masterKey: MasterKey, newMasterKey: MasterKey | undefined, algorithm: VaultAlgorithm, settings: Settings, out: Out): Promise<number> {
  const rotation = await rotateVault(db, createVault({ masterKey, algorithm }), createVault({ masterKey: newMasterKey ?? masterKey, algorithm }))
  const counts = Object.entries(rotation.secrets).map(([table, n]) => `${table} ${n}`).join(', ')
  const total = Object.values(rotation.secrets).reduce((a, b) => a + b, 0)
  out.write(`vault rotated on ${db.kind}: ${total} secret(s) (${counts}) sealed again under data key ${rotation.keyId} (${rotation.algorithm}); ` +
    `retired data key(s): ${rotation.retiredKeyIds.join(', ') || 'none'}\n`)
  if (!newMasterKey) return 0
  const file = masterKeyFile(settings.dataDir)
  if (masterKey.source === file) {
    // The embedded default reads its key from this file: it must hold the new key from now on.
    const draft = `${file}.rotate`
    await writeFile(draft, `${newMasterKey.key.toString('base64')}\n`, { mode: 0o600 })
    await rename(draft, file).catch(async (err: unknown) => { await rm(draft, { force: true }); throw err })
    out.write(`the data keys are now sealed by master key ${newMasterKey.id}, which replaced the old one in ${file}\n`)
  } else {
    out.write(`the data keys are now sealed by master key ${newMasterKey.id} from ${newMasterKey.source}: set ${MASTER_KEY_ENV} to it ` +
      'for every tongban process before it starts again; the old master key opens nothing any more\n')
  }
  return 0
}

async function readKeyFile (path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (e) {
    throw new TongbanError('TB_MASTER_KEY_INVALID', [path, `it cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`])
  }
}

/** Returns the exit code. */
export async function vaultCommand (args: readonly string[], out: Out, err: Out, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = args
  if (sub !== 'status' && sub !== 'rotate') {
    err.write(`${sub === undefined ? '' : `tongban: unknown vault command "${sub}"\n`}${VAULT_USAGE}\n`)
    return 2
  }
  let newKeyPath: string | undefined
  try {
    newKeyPath = parseArgs({ args: [...rest], options: { 'new-master-key-file': { type: 'string' } } }).values['new-master-key-file']
    if (sub === 'status' && newKeyPath !== undefined) throw new Error('vault status takes no options')
  } catch (e) {
    err.write(`tongban: ${(e as Error).message}\n${VAULT_USAGE}\n`)
    return 2
  }
  const settings = readSettings(env)
  if (sub === 'status') {
    // The gateway holding the embedded database answers with its own master key.
    const gateway = await gatewayClient(settings, { env, stderr: err })
    if (gateway) {
      err.write(`tongban: asking the running gateway (pid ${gateway.pid})\n`)
      return printStatus(await gateway.call<StatusReport>('GET', '/vault/status'), out)
    }
  }
  const algorithm = configuredAlgorithm(await loadConfig(settings.configPath, env))
  const newMasterKey = newKeyPath === undefined ? undefined : parseMasterKey(await readKeyFile(newKeyPath), newKeyPath)
  const masterKey = await loadMasterKey(settings, env)
  if (masterKey.generated) err.write(`tongban: ${generatedNotice(masterKey.generated)}\n`)
  return await withDb(settings, async (db) => sub === 'status'
    ? printStatus({ database: db.kind, algorithm, masterKey, ...await vaultStatus(db) }, out)
    : await rotate(db, masterKey, newMasterKey, algorithm, settings, out))
}
