// Everything a gateway or worker process shares: configuration, database, Redis, queues and
// the adapter instances. Built once at start, closed once at shutdown.
import { connectRedis, type Redis } from './redis/connect.ts'
import type { AdapterDefinition } from './adapter-sdk/index.ts'
import { adapterOf } from './config/adapters.ts'
import type { Config, AdapterInstance } from './config/schema.ts'
import type { Db } from './store/db.ts'
import { openQueues, type InstanceQueues } from './queues/queues.ts'
import { createMetrics, type Metrics } from './metrics.ts'
import type { Logger } from './log.ts'
import { survivorshipRules, type Authority, type SurvivorshipRules } from './unify/survivorship.ts'
import { AuditWriter } from './audit/index.ts'
import type { Vault } from './vault/vault.ts'
import { checkOperations } from './department/operation-checks.ts'
import { loadCalendar, type WorkingCalendar } from './calendar/calendar.ts'
import { createCaseService, type CaseService } from './cases/service.ts'
import { storedMatters } from './cases/matters.ts'
import { platformReports } from './cases/reports.ts'
import { offeringCorrections } from './cases/window-observation.ts'
import { createOrderService, type OrderService } from './orders/service.ts'
import { departmentRegistry, type DepartmentRegistry } from './departments/registry.ts'
import { createRiskService, type RiskService } from './risks/service.ts'
import { photoStoreOf, type PhotoStore } from './photos/index.ts'
import { createWhistleService, type WhistleService } from './whistles/service.ts'

export interface Instance {
  config: AdapterInstance
  adapter: AdapterDefinition
  queues: InstanceQueues
}

export interface Platform {
  config: Config
  db: Db
  redis: Redis
  logger: Logger
  metrics: Metrics
  instances: Map<string, Instance>
  /** Which source's value each unified field keeps (config over defaults). */
  survivorship: SurvivorshipRules
  /** Appends to the audit log, batching entries that arrive together. */
  audit: AuditWriter
  /** Department credentials and other secrets, sealed under the master key; absent in processes that need none. */
  vault: Vault | undefined
  /** The process's data directory (TONGBAN_DATA_DIR), where file drops keep the files they fetch. */
  dataDir: string | undefined
  /** The working-day calendar (built-in years and the configured files); the case clocks read it through the platform, so a reload can replace it. */
  calendar: WorkingCalendar
  /** Opening and moving cases (办件), with their clocks and the reports they owe. */
  cases: CaseService
  /** The town's hotline work orders (工单): listing, placing and answering them. */
  orders: OrderService
  /** Risk reports (风险源/隐患): reported, corrected, whistled, verified and closed as events. */
  risks: RiskService
  /** Where accepted photos are kept: the data directory, or S3 when `photos.store` says so; absent in a process with neither. */
  photos: PhotoStore | undefined
  /** Blowing and moving whistles (吹哨), with their clocks, ladders and the calls they owe. */
  whistles: WhistleService
  /** The departments whistles summon (config.whistles.departments), by code and county. */
  departments: DepartmentRegistry
  close: () => Promise<void>
}

// Standalone, Sentinel or Cluster, by REDIS_URL (src/redis/connect.ts).
export { connectRedis }

/**
 * What each configured instance's adapter declares itself the authority for, disabled instances
 * included: the values they delivered before keep their rank.
 */
function authorities (config: Config): Authority[] {
  const list: Authority[] = []
  for (const instance of config.adapters) {
    const adapter = adapterOf(config, instance)
    if (adapter.produces !== undefined) list.push({ instance: instance.id, kind: adapter.produces, fields: adapter.authority ?? [] })
  }
  return list
}

export function createPlatform (opts: { config: Config, db: Db, redisUrl: string, logger: Logger, metrics?: Metrics, vault?: Vault, dataDir?: string, configDir?: string }): Platform {
  // First, so a bad calendar file stops the start before any connection opens.
  const calendar = loadCalendar({ files: opts.config.calendar?.files, baseDir: opts.configDir })
  const redis = connectRedis(opts.redisUrl)
  redis.on('error', (err) => opts.logger.warn({ err: err.message }, 'redis connection error'))
  const instances = new Map<string, Instance>()
  const audit = new AuditWriter(opts.db)
  for (const config of opts.config.adapters) {
    if (!config.enabled) continue
    const adapter = adapterOf(opts.config, config)
    checkOperations(adapter)
    const queues = openQueues(redis, config, Boolean(adapter.pull), Boolean(adapter.files), adapter.produces !== undefined || adapter.caseEvents !== undefined || adapter.orderEvents !== undefined)
    for (const queue of [queues.ingest, queues.pull, queues.files]) {
      queue?.on('error', (err) => opts.logger.warn({ adapter: config.id, queue: queue.name, err: err.message }, 'queue error'))
    }
    instances.set(config.id, {
      config,
      adapter,
      queues,
    })
  }
  const platform: Platform = {
    config: opts.config,
    db: opts.db,
    redis,
    logger: opts.logger,
    metrics: opts.metrics ?? createMetrics(),
    instances,
    survivorship: survivorshipRules(opts.config.survivorship, authorities(opts.config)),
    audit,
    vault: opts.vault,
    dataDir: opts.dataDir,
    calendar,
    cases: offeringCorrections(
      createCaseService({ db: opts.db, calendar: () => platform.calendar, matters: storedMatters, reports: platformReports(opts.config, instances, opts.logger) }),
      { db: opts.db, rules: () => platform.survivorship, logger: opts.logger },
    ),
    orders: createOrderService({ db: opts.db, calendar: () => platform.calendar, towns: () => opts.config.towns }),
    whistles: createWhistleService({ db: opts.db, config: () => opts.config.whistles, calendar: () => platform.calendar }),
    departments: departmentRegistry(opts.config.whistles.departments),
    risks: createRiskService({
      db: opts.db,
      towns: () => opts.config.towns,
      categories: () => opts.config.risks.categories,
      blow: async (input, principal) => (await platform.whistles.blow(input, principal)).id,
    }),
    photos: opts.dataDir === undefined && opts.config.photos?.store.kind !== 's3' ? undefined : photoStoreOf(opts.config, opts.dataDir ?? ''),
    async close () {
      await audit.flush()
      for (const instance of instances.values()) {
        await instance.queues.ingest?.close()
        await instance.queues.pull?.close()
        await instance.queues.files?.close()
      }
      redis.disconnect()
    },
  }
  return platform
}
