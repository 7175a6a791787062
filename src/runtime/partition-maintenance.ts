// The partition-maintenance round: partitions made ahead for the monthly-partitioned tables (those
// of the list that are partitioned in this database), then the inbox's months past retention
// dropped. Hourly and once at start, in the scheduler role and in the all-in-one process.
import type { Platform } from '../platform.ts'
import { maintainPartitions, type MonthlyTable } from '../store/partitions.ts'
import { dropExpiredInboxMonths, INBOX_PARTITIONS } from '../store/inbox.ts'

export const PARTITION_MAINTENANCE_EVERY_MS = 3600_000
/** Whole months of webhooks the inbox keeps unless TONGBAN_INBOX_RETENTION_MONTHS says otherwise. */
export const INBOX_RETENTION_MONTHS = 6

export const MONTHLY_TABLES: readonly MonthlyTable[] = [INBOX_PARTITIONS, { table: 'audit_log', column: 'at' }]

/** One round; `retentionMonths` 0 keeps the inbox for good. */
export function partitionMaintenance (platform: Pick<Platform, 'db' | 'logger'>, retentionMonths = INBOX_RETENTION_MONTHS): () => Promise<unknown> {
  return async function maintain () {
    const { created, failed } = await maintainPartitions(platform.db, MONTHLY_TABLES)
    for (const [table, partitions] of Object.entries(created)) {
      if (partitions.length > 0) platform.logger.info({ table, partitions }, 'partitions created ahead')
    }
    for (const [table, err] of Object.entries(failed)) {
      platform.logger.warn({ table, err }, 'partitions could not be created ahead; rows of a month without one go to the default partition')
    }
    if (retentionMonths === 0) return { created, failed }
    const retention = await dropExpiredInboxMonths(platform.db, retentionMonths)
    if (retention.dropped.length > 0) platform.logger.info({ partitions: retention.dropped, retentionMonths }, 'inbox months past retention dropped')
    for (const { partition, unfinished } of retention.kept) {
      platform.logger.warn({ partition, unfinished, retentionMonths }, 'inbox month past retention kept: some of its webhooks are not finished yet')
    }
    return { created, failed, ...retention }
  }
}
