// `tongban start --role scheduler`: what runs on the clock rather than on a message. Safe with
// several replicas: job schedulers are upserted by id (the same scheduler however many upsert it),
// the deadline sweep is a scheduled job that one worker of the queue takes, and the sweeps on a
// timer run once per round across replicas (rounds.ts).
import type { Logger } from '../log.ts'
import { inboxSweep, SWEEP_EVERY_MS, SWEEP_GRACE_MS } from '../webhooks/sweeper.ts'
import { pruneCalls } from '../store/operation-calls.ts'
import { AUDIT_ROOT_EVERY_MS, auditRootRound } from '../audit/index.ts'
import { REPLAY_MS } from '../department/operations.ts'
import { openSharedPlatform } from './worker.ts'
import { scheduleInstance, startDeadlineSweeps } from './workers.ts'
import { everyRound } from './rounds.ts'
import { PARTITION_MAINTENANCE_EVERY_MS, partitionMaintenance } from './partition-maintenance.ts'
import { startHealthServer } from './health-server.ts'
import { shutdownSteps } from './shutdown.ts'
import type { Settings } from './settings.ts'

/** Kept operation results may hold personal data: none outlives its replay window by more than an hour. */
const PRUNE_EVERY_MS = 3600_000

export interface SchedulerProcess { url: string, stop: () => Promise<void> }

export async function startSchedulerProcess (settings: Settings, logger: Logger): Promise<SchedulerProcess> {
  const shared = await openSharedPlatform(settings, logger, 'a scheduler process (--role scheduler)')
  const { platform } = shared
  const { steps, run: stop } = shutdownSteps(logger)
  steps.push(['queues and database', shared.close])
  try {
    const health = await startHealthServer(platform, settings)
    steps.push(['health server', async () => { await health.app.close() }])
    for (const instance of platform.instances.values()) await scheduleInstance(platform, instance)
    const deadlines = await startDeadlineSweeps(platform)
    steps.push(['deadline sweep', async () => { await deadlines.worker.close(); await deadlines.queue.close() }])
    // Once at start too, outside the rounds: a month must not begin without its partition (safe
    // beside other replicas: partitions are made under a lock per table).
    const maintainPartitions = partitionMaintenance(platform, settings.inboxRetentionMonths)
    await maintainPartitions().catch((err: Error) => { logger.warn({ work: 'partition-maintenance', err: err.message }, 'partition maintenance failed; the next round tries again') })
    const sweeps = [
      everyRound(platform, { work: 'partition-maintenance', everyMs: PARTITION_MAINTENANCE_EVERY_MS, run: maintainPartitions }),
      everyRound(platform, { work: 'inbox-sweep', everyMs: settings.sweepEveryMs ?? SWEEP_EVERY_MS, run: inboxSweep(platform, SWEEP_GRACE_MS) }),
      everyRound(platform, { work: 'prune-operation-calls', everyMs: PRUNE_EVERY_MS, run: async () => { await pruneCalls(platform.db, REPLAY_MS) } }),
      everyRound(platform, { work: 'audit-root', everyMs: settings.auditRootEveryMs ?? AUDIT_ROOT_EVERY_MS, run: auditRootRound(platform) }),
    ]
    steps.push(['sweeps', async () => { for (const s of sweeps) s.stop() }])
    logger.info({ url: health.url, role: 'scheduler', adapters: [...platform.instances.keys()] }, 'tongban scheduler started')
    return { url: health.url, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
