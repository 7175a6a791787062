// One ordered source — a pull stream's pages, a file's rows — written with more than one
// transaction in flight, so PostgreSQL works on one batch while the next is merged and sent. Each
// batch's records are split by key into lanes (commit.ts, prepareLanes): a lane commits its parts
// in batch order and no two lanes share a record, so a lane never waits on another's rows and
// every record still takes its observations in order. Once every lane has committed its part of
// a batch, the batch's rejections and its checkpoint (a cursor, a file's rows done) commit in a
// transaction of their own, in batch order. A crash in between leaves records stored past the
// checkpoint; after the restart they are applied again, which changes nothing (an observation
// applied twice is a no-op), while rejections and checkpoints are written exactly once.
import type { Instance, Platform } from '../platform.ts'
import type { Queryable } from '../store/db.ts'
import { commitWithoutWaitingForDisk } from '../store/sync.ts'
import { commitBatch, prepareLanes, type MappedBatch, type PreparedBatch } from './commit.ts'

/** Transactions side by side on PostgreSQL; PGlite has one connection, where lanes would only queue. */
const POSTGRES_LANES = 2

export interface LaneWriter {
  /**
   * Prepares the batch and queues its commits; `committed` runs once its checkpoint is committed.
   * Resolves when the writer can take another batch: at most `ahead` wait for their checkpoint.
   */
  write: (batch: MappedBatch, checkpoint: (tx: Queryable) => Promise<void>, committed: () => void) => Promise<void>
  /** Resolves once every batch written so far is committed; rejects with the first failure. */
  settled: () => Promise<void>
}

type LanePlatform = Pick<Platform, 'db' | 'survivorship'>
type LaneInstance = Pick<Instance, 'config' | 'adapter'>

export function laneWriter (platform: LanePlatform, instance: LaneInstance, ahead: number): LaneWriter {
  const { db } = platform
  const lanes: Array<Promise<void>> = Array.from({ length: db.kind === 'postgres' ? POSTGRES_LANES : 1 }, async () => {})
  let checkpoints: Promise<void> = Promise.resolve()
  const waiting: Array<Promise<void>> = []
  // After a failure nothing more starts: the caller's retry begins again at the last checkpoint.
  let failure: Error | undefined
  const fail = (err: Error): void => { failure ??= err }
  const inTransaction = async (work: (tx: Queryable) => Promise<void>): Promise<void> => {
    if (failure) throw failure
    await db.transaction(async (tx) => {
      // What a lane writes can be read again from its source: no commit waits for the disk. WAL
      // order still keeps a checkpoint from being durable before the records it covers.
      await commitWithoutWaitingForDisk(tx)
      await work(tx)
    })
  }
  const commitPart = (lane: number, part: PreparedBatch): Promise<void> => {
    if (part.unify.kinds.length === 0 && part.records.length === 0) return lanes[lane]!
    lanes[lane] = lanes[lane]!.then(async () => { await inTransaction(async (tx) => { await commitBatch(tx, platform, instance, part) }) })
    lanes[lane]!.catch(fail)
    return lanes[lane]!
  }
  return {
    async write (batch, checkpoint, committed) {
      const parts = await prepareLanes(platform, instance, batch.records, lanes.length)
      const stored = parts.map((part, lane) => commitPart(lane, part))
      checkpoints = Promise.all([checkpoints, ...stored]).then(async () => {
        await inTransaction(async (tx) => {
          await commitBatch(tx, platform, instance, { records: [], rejections: batch.rejections })
          await checkpoint(tx)
        })
        committed()
      })
      checkpoints.catch(fail)
      waiting.push(checkpoints)
      if (waiting.length > ahead) await waiting.shift()
    },
    async settled () {
      await Promise.allSettled(lanes)
      await checkpoints
    },
  }
}
