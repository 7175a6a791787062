// The one commit step of every way records come in (webhook ingest, pull, quarantine retry): in
// the caller's transaction a mapped batch's records are unified, then the facet entries they carry
// written (their subjects exist by then), and its rejections quarantined;
// the outcome is counted once that transaction has committed, so metrics never count a rollback.
// A caller that can (pull) prepares the batch before its transaction, while the previous one is
// still being written: what needs no database is then off the transaction's critical path.
import type { Instance, Platform } from '../platform.ts'
import type { MappedRecord, Rejection } from '../model/intake.ts'
import type { Queryable } from '../store/db.ts'
import { quarantine } from '../store/quarantine.ts'
import { prepareUnify, prepareUnifyLanes, writeUnify, type PreparedUnify } from '../unify/unify.ts'
import { laneOf } from '../unify/lane.ts'
import { unifyFacets } from '../unify/facets.ts'

export interface MappedBatch { records: readonly MappedRecord[], rejections: readonly Rejection[] }

export interface PreparedBatch extends MappedBatch { unify: PreparedUnify }

type CommitPlatform = Pick<Platform, 'survivorship'>
type CommitInstance = Pick<Instance, 'config' | 'adapter'>

export async function prepareBatch (platform: CommitPlatform, instance: CommitInstance, batch: MappedBatch): Promise<PreparedBatch> {
  return { ...batch, unify: await prepareUnify(platform.survivorship, instance.config.id, batch.records) }
}

/**
 * The batch's records split by key into `lanes` batches that can be committed side by side, in
 * transactions of their own (lanes.ts): each with the records whose key is in it (for their facet
 * entries) and no rejections.
 */
export async function prepareLanes (platform: CommitPlatform, instance: CommitInstance, records: readonly MappedRecord[], lanes: number): Promise<PreparedBatch[]> {
  const unify = await prepareUnifyLanes(platform.survivorship, instance.config.id, records, lanes)
  const own = unify.map((): MappedRecord[] => [])
  for (const r of records) own[laneOf(r.key, lanes)]!.push(r)
  return unify.map((part, lane) => ({ records: own[lane]!, rejections: [], unify: part }))
}

/**
 * `inboxId`: the webhook message the batch came in, kept with what it quarantines — one for all,
 * or one per rejection (a group of messages committed together). Only the
 * survivorship rules and the instance are needed: the conformance kit commits with no platform.
 */
export async function commitBatch (tx: Queryable, platform: CommitPlatform, instance: CommitInstance, batch: MappedBatch | PreparedBatch, inboxId?: number | readonly number[]): Promise<void> {
  const prepared = 'unify' in batch ? batch : await prepareBatch(platform, instance, batch)
  await writeUnify(tx, platform.survivorship, prepared.unify)
  await unifyFacets(tx, instance.config.id, prepared.records)
  // rejections come only from mapping, which only an adapter producing records does
  await quarantine(tx, instance.config.id, instance.adapter.produces ?? 'none', prepared.rejections, inboxId)
}

export function countCommitted (platform: Pick<Platform, 'metrics'>, instance: Pick<Instance, 'config'>, outcome: { ok: number, quarantined: number }): void {
  platform.metrics.records.inc({ adapter: instance.config.id, outcome: 'unified' }, outcome.ok)
  platform.metrics.records.inc({ adapter: instance.config.id, outcome: 'quarantined' }, outcome.quarantined)
}
