// Worker processes, for a county that scales out; they share PostgreSQL and Redis with the
// gateway. `tongban worker --adapter <id>`: the workers of some adapter instances, with their job
// schedulers and the deadline sweep. `tongban start --role worker`: the workers of every instance
// (or of --adapter's), without schedules or sweeps (a `scheduler` process runs those), and a health
// port for probes and scrapes.
import { dirname } from 'node:path'
import { loadConfig } from '../config/load.ts'
import { TongbanError } from '../errors.ts'
import { createLogger, type Logger } from '../log.ts'
import { createPlatform, type Platform } from '../platform.ts'
import { requireNoEviction } from '../redis/connect.ts'
import { startWorkers } from './workers.ts'
import { openPostgres } from '../store/db.ts'
import { migrate } from '../store/migrate.ts'
import { loadMasterKey, MASTER_KEY_ENV } from '../vault/master-key.ts'
import { createVault } from '../vault/vault.ts'
import { startHealthServer } from './health-server.ts'
import { shutdownSteps } from './shutdown.ts'
import type { Settings } from './settings.ts'

export interface SharedPlatform {
  platform: Platform
  /** Closes the queues, Redis and the database. */
  close: () => Promise<void>
}

/** DATABASE_URL and REDIS_URL, which a process that shares its work with others needs: only servers can be shared. */
export function sharedUrls (settings: Settings, what: string): { databaseUrl: string, redisUrl: string } {
  const { databaseUrl, redisUrl } = settings
  if (!databaseUrl || !redisUrl) {
    throw new TongbanError('TB_CONFIG_INVALID', ['environment', `${what} shares the database and Redis with the other processes: set DATABASE_URL (PostgreSQL; the embedded PGlite belongs to one process) and REDIS_URL`])
  }
  return { databaseUrl, redisUrl }
}

/**
 * The platform of a process beside the gateway: configuration, PostgreSQL (migrated), Redis; the vault when the master key is set, or always if `vault`.
 */
export async function openSharedPlatform (settings: Settings, logger: Logger, what: string, opts: { vault?: boolean } = {}): Promise<SharedPlatform> {
  const { databaseUrl, redisUrl } = sharedUrls(settings, what)
  const config = await loadConfig(settings.configPath)
  // Read before any connection opens: a missing key stops the start at once.
  const masterKey = opts.vault === true || process.env[MASTER_KEY_ENV] ? await loadMasterKey(settings) : undefined
  await requireNoEviction(redisUrl)
  const db = await openPostgres({ ...settings, databaseUrl })
  try {
    await migrate(db)
  } catch (err) {
    await db.close()
    throw err
  }
  const vault = masterKey ? createVault({ masterKey, algorithm: config.vault.algorithm }) : undefined
  const platform = createPlatform({ config, db, redisUrl, logger, vault, dataDir: settings.dataDir, configDir: dirname(settings.configPath) })
  return { platform, close: async () => { await platform.close(); await db.close() } }
}

export interface WorkerProcess {
  /** The health port's URL (`--role worker`). */
  url?: string
  stop: () => Promise<void>
}

export async function startWorkerProcess (settings: Settings, adapterIds: string[], logger: Logger = createLogger(), opts: { role?: boolean } = {}): Promise<WorkerProcess> {
  const role = opts.role === true
  // The role's workers send the outbox's reports, which may need department credentials.
  const shared = await openSharedPlatform(settings, logger, role ? 'a worker process (--role worker)' : 'a separate worker process', { vault: role })
  const { platform } = shared
  const ids = adapterIds.length > 0 ? adapterIds : [...platform.instances.keys()]
  for (const id of ids) {
    if (!platform.instances.has(id)) {
      await shared.close()
      throw new TongbanError('TB_ADAPTER_NOT_FOUND', [id])
    }
  }
  const shutdown = shutdownSteps(logger)
  shutdown.steps.push(['queues and database', shared.close])
  try {
    const workers = await startWorkers(platform, ids, undefined, role ? { schedules: false, deadlines: false } : {})
    const health = role ? await startHealthServer(platform, settings) : undefined
    // Probes keep their answers while the jobs drain.
    if (health) shutdown.steps.push(['health server', async () => { await health.app.close() }])
    shutdown.steps.push(['workers', async () => { await workers.close() }])
    logger.info({ adapters: ids, ...(role ? { role: 'worker', url: health?.url } : {}) }, 'tongban worker started')
    return { ...(health ? { url: health.url } : {}), stop: shutdown.run }
  } catch (err) {
    await shutdown.run()
    throw err
  }
}
