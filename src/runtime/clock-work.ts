// The work that runs on the clock rather than on a message, listed once for the two processes that
// run it: the scheduler role and the all-in-one gateway. Each work runs once per round across the
// processes sharing a Redis (rounds.ts), and counts its rounds in tongban_scheduler_rounds_total.
import type { Platform } from '../platform.ts'
import { inboxSweep, SWEEP_EVERY_MS, SWEEP_GRACE_MS } from '../webhooks/sweeper.ts'
import { pruneCalls } from '../store/operation-calls.ts'
import { AUDIT_ROOT_EVERY_MS, auditRootRound } from '../audit/index.ts'
import { REPLAY_MS } from '../department/operations.ts'
import { everyRound } from './rounds.ts'
import { PARTITION_MAINTENANCE_EVERY_MS, partitionMaintenance } from './partition-maintenance.ts'
import type { Settings } from './settings.ts'

/** Kept operation results may hold personal data: none outlives its replay window by more than an hour. */
const PRUNE_EVERY_MS = 3600_000

export type ClockSettings = Pick<Settings, 'sweepEveryMs' | 'auditRootEveryMs' | 'inboxRetentionMonths'>

export interface ClockWork {
  /** Stops the rounds and waits for the first partition maintenance, which uses the database. */
  stop: () => Promise<void>
}

export function startClockWork (platform: Platform, settings: ClockSettings): ClockWork {
  const maintainPartitions = partitionMaintenance(platform, settings.inboxRetentionMonths)
  // Once at start too, outside the rounds: a month must not begin without its partition (safe
  // beside other processes: partitions are made under a lock per table). Not awaited: the start
  // is done without it (a default partition takes any month meanwhile), so a process whose first
  // maintenance waits on a lock already has its signal handler when SIGTERM comes.
  const first = maintainPartitions().then(() => {}, (err: Error) => {
    platform.logger.warn({ work: 'partition-maintenance', err: err.message }, 'partition maintenance failed; the next round tries again')
  })
  const rounds = [
    everyRound(platform, { work: 'partition-maintenance', everyMs: PARTITION_MAINTENANCE_EVERY_MS, run: maintainPartitions }),
    everyRound(platform, { work: 'inbox-sweep', everyMs: settings.sweepEveryMs ?? SWEEP_EVERY_MS, run: inboxSweep(platform, SWEEP_GRACE_MS) }),
    everyRound(platform, { work: 'prune-operation-calls', everyMs: PRUNE_EVERY_MS, run: async () => { await pruneCalls(platform.db, REPLAY_MS) } }),
    everyRound(platform, { work: 'audit-root', everyMs: settings.auditRootEveryMs ?? AUDIT_ROOT_EVERY_MS, run: auditRootRound(platform) }),
  ]
  return {
    stop: async () => {
      for (const round of rounds) round.stop()
      await first
    },
  }
}
