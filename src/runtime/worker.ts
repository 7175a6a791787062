// `tongban worker --adapter <id>`: the workers of some adapter instances in their own process,
// for a county that scales out. Needs PostgreSQL and Redis shared with the gateway.
import { dirname } from 'node:path'
import { loadConfig } from '../config/load.ts'
import { TongbanError } from '../errors.ts'
import { createLogger, type Logger } from '../log.ts'
import { createPlatform } from '../platform.ts'
import { requireNoEviction } from '../redis/connect.ts'
import { startWorkers } from './workers.ts'
import { openPostgres } from '../store/db.ts'
import { migrate } from '../store/migrate.ts'
import type { Settings } from './settings.ts'

export async function startWorkerProcess (settings: Settings, adapterIds: string[], logger: Logger = createLogger()): Promise<{ stop: () => Promise<void> }> {
  if (!settings.databaseUrl || !settings.redisUrl) {
    throw new TongbanError('TB_CONFIG_INVALID', ['environment', 'separate worker processes share the database and Redis with the gateway: set DATABASE_URL (PostgreSQL; the embedded PGlite belongs to one process) and REDIS_URL'])
  }
  await requireNoEviction(settings.redisUrl)
  const config = await loadConfig(settings.configPath)
  const db = await openPostgres({ ...settings, databaseUrl: settings.databaseUrl })
  await migrate(db)
  const platform = createPlatform({ config, db, redisUrl: settings.redisUrl, logger, dataDir: settings.dataDir, configDir: dirname(settings.configPath) })
  const ids = adapterIds.length > 0 ? adapterIds : [...platform.instances.keys()]
  for (const id of ids) {
    if (!platform.instances.has(id)) {
      await platform.close()
      await db.close()
      throw new TongbanError('TB_ADAPTER_NOT_FOUND', [id])
    }
  }
  const workers = await startWorkers(platform, ids)
  logger.info({ adapters: ids }, 'tongban worker started')
  return {
    async stop () {
      await workers.close()
      await platform.close()
      await db.close()
    },
  }
}
