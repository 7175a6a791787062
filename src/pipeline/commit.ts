// The one commit step of every way records come in (webhook ingest, pull, quarantine retry): in
// the caller's transaction a mapped batch's records are unified, then the facet entries they carry
// written (their subjects exist by then), and its rejections quarantined;
// the outcome is counted once that transaction has committed, so metrics never count a rollback.
import type { Instance, Platform } from '../platform.ts'
import type { MappedRecord, Rejection } from '../model/intake.ts'
import type { Queryable } from '../store/db.ts'
import { quarantine } from '../store/quarantine.ts'
import { unify } from '../unify/unify.ts'
import { unifyFacets } from '../unify/facets.ts'

export interface MappedBatch { records: readonly MappedRecord[], rejections: readonly Rejection[] }

/**
 * `inboxId`: the webhook message the batch came in, kept with what it quarantines. Only the
 * survivorship rules and the instance are needed: the conformance kit commits with no platform.
 */
export async function commitBatch (tx: Queryable, platform: Pick<Platform, 'survivorship'>, instance: Pick<Instance, 'config' | 'adapter'>, batch: MappedBatch, inboxId?: number): Promise<void> {
  await unify(tx, platform.survivorship, instance.config.id, batch.records)
  await unifyFacets(tx, instance.config.id, batch.records)
  await quarantine(tx, instance.config.id, instance.adapter.produces, batch.rejections, inboxId)
}

export function countCommitted (platform: Platform, instance: Instance, outcome: { ok: number, quarantined: number }): void {
  platform.metrics.records.inc({ adapter: instance.config.id, outcome: 'unified' }, outcome.ok)
  platform.metrics.records.inc({ adapter: instance.config.id, outcome: 'quarantined' }, outcome.quarantined)
}
