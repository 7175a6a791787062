// `tongban start`: the gateway, every adapter worker, the clock work (clock-work.ts) and the
// configured simulators in one process, on embedded defaults unless DATABASE_URL / REDIS_URL say otherwise.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { RunningSimulator } from '../adapter-sdk/index.ts'
import { loadConfig } from '../config/load.ts'
import { generatedNotice, loadMasterKey } from '../vault/master-key.ts'
import { createVault } from '../vault/vault.ts'
import { createStaff, findStaff } from '../auth/staff.ts'
import type { Config } from '../config/schema.ts'
import { createLogger, type Logger } from '../log.ts'
import { createPlatform, type Platform } from '../platform.ts'
import { startWorkers, type RunningWorkers } from './workers.ts'
import { departmentConnections } from '../department/connections.ts'
import { startClockWork } from './clock-work.ts'
import { listStaffAccounts, putStaffAccount } from '../vault/credentials.ts'
import { buildApp } from './app.ts'
import { openDb } from '../store/db.ts'
import { migrate } from '../store/migrate.ts'
import { startRedisChild, type RedisChild } from './redis-child.ts'
import { requireNoEviction } from '../redis/connect.ts'
import { startPullSimulators, startPushSimulators } from './demo.ts'
import { startDepartmentSystems } from '../departments/demo-systems.ts'
import type { Settings } from './settings.ts'
import { claimDataDir } from './data-dir-lock.ts'
import { shutdownSteps } from './shutdown.ts'

export interface Gateway {
  url: string
  adminToken: string
  platform: Platform
  app: FastifyInstance
  stop: () => Promise<void>
}

async function adminTokenFor (settings: Settings, logger: Logger): Promise<string> {
  if (settings.adminToken) return settings.adminToken
  const file = join(settings.dataDir, 'admin-token')
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim()
  if (existing) return existing
  const token = randomBytes(24).toString('base64url')
  await writeFile(file, `${token}\n`, { mode: 0o600 })
  logger.info({ file }, 'TONGBAN_ADMIN_TOKEN is not set: generated an admin token for /api/v1 and saved it in this file')
  return token
}

export interface GatewayOptions {
  config?: Config
  logger?: Logger
  sweepEveryMs?: number
  /** False when workers run as separate processes (`tongban worker`). */
  workers?: boolean
  /**
   * `api`: the HTTP server alone (webhooks, API, portal), for `tongban start --role api`: it
   * queues work but runs no workers, sweeps, schedules or simulators (roles.ts).
   */
  role?: 'all' | 'api'
}

export async function startGateway (settings: Settings, opts: GatewayOptions = {}): Promise<Gateway> {
  const logger = opts.logger ?? createLogger()
  const config = opts.config ?? await loadConfig(settings.configPath)
  await mkdir(settings.dataDir, { recursive: true })
  const embedded = !settings.databaseUrl || !settings.redisUrl
  const claim = embedded ? await claimDataDir(settings.dataDir) : undefined

  // Shutdown steps, run in reverse order, each named for the log, the whole bounded.
  const { steps: cleanups, run: cleanup } = shutdownSteps(logger)
  if (claim) cleanups.push(['data directory', claim.release])
  try {
    let redisUrl = settings.redisUrl
    if (!redisUrl) {
      const child: RedisChild = await startRedisChild(settings.dataDir)
      cleanups.push(['redis-server', child.stop])
      redisUrl = child.url
      logger.info({ redis: redisUrl, dir: join(settings.dataDir, 'redis') }, 'REDIS_URL is not set: started a private redis-server (AOF, fsync every second)')
    }
    await requireNoEviction(redisUrl)
    const db = await openDb(settings)
    cleanups.push(['database', db.close])
    const applied = await migrate(db)
    logger.info({ database: db.kind, applied }, 'database ready')

    const masterKey = await loadMasterKey(settings)
    if (masterKey.generated) logger.warn({ file: masterKey.generated }, generatedNotice(masterKey.generated))
    const vault = createVault({ masterKey, algorithm: config.vault.algorithm })
    const platform = createPlatform({ config, db, redisUrl, logger, vault, dataDir: settings.dataDir, configDir: dirname(settings.configPath) })
    for (const account of config.seedStaff ?? []) {
      let staff = await findStaff(db, account.username)
      if (!staff) {
        platform.departments.checkLiaison(account)
        staff = await createStaff(db, account)
        logger.info({ username: account.username, roles: account.roles, town: account.town }, 'seeded a staff account from the configuration')
      }
      for (const mapped of account.accounts ?? []) {
        if ((await listStaffAccounts(db, { staffId: staff.id, adapter: mapped.adapter })).length > 0) continue
        await putStaffAccount(db, vault, { staffId: staff.id, ...mapped })
        logger.info({ username: account.username, adapter: mapped.adapter, account: mapped.username }, "seeded a staff member's department account from the configuration")
      }
    }
    cleanups.push(['queues', platform.close])
    const api = opts.role === 'api'
    // Simulators stand in for departments in the demo and tests: the whole gateway's business.
    const simulators: RunningSimulator[] = api ? [] : await startPullSimulators(config, logger)
    const closeSimulators = async (): Promise<void> => { await Promise.all(simulators.splice(0).map(async (s) => { await s.close() })) }
    cleanups.push(['simulators', closeSimulators])

    // Opened on first use, by pull workers and operations alike; closed once both have stopped.
    const connections = departmentConnections(platform)
    cleanups.push(['department connections', connections.close])

    const adminToken = await adminTokenFor(settings, logger)
    const app = await buildApp({ platform, adminToken, connections })
    await app.listen({ port: settings.port, host: settings.host })
    const { port } = app.server.address() as { port: number }
    const url = `http://${settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host}:${port}`

    if (api) {
      cleanups.push(['http', async () => { await app.close() }])
      logger.info({ url, role: 'api', adapters: [...platform.instances.keys()] }, 'tongban api listening')
      return { url, adminToken, platform, app, stop: cleanup }
    }

    const workers: RunningWorkers = await startWorkers(platform, opts.workers === false ? [] : [...platform.instances.keys()], connections)
    const clock = startClockWork(platform, { ...settings, sweepEveryMs: opts.sweepEveryMs ?? settings.sweepEveryMs })
    // Reversed at shutdown: intake stops first (simulators, HTTP), then workers drain.
    cleanups.push(['workers', async () => { await workers.close() }], ['clock work', clock.stop], ['http', async () => { await app.close() }])

    simulators.push(...await startPushSimulators(config, url, logger))
    simulators.push(...await startDepartmentSystems(platform, url))
    cleanups.push(['simulators', closeSimulators])
    await claim?.publish(url)
    logger.info({ url, docs: `${url}/docs`, adapters: [...platform.instances.keys()] }, 'tongban gateway listening')

    return { url, adminToken, platform, app, stop: cleanup }
  } catch (err) {
    await cleanup()
    throw err
  }
}
