// Group commit for the ingest worker: the inbox ids of the jobs that run at the same time are
// processed in one transaction (one claim, one unify, one finish) instead of one each. Jobs that
// arrive while a group is being committed wait and form the next one, so groups grow with the
// backlog and a lone message still goes at once. A full group forms at once and is read and
// mapped while the group before it commits; at most `transactions` groups commit at a time.
import type { Instance, Platform } from '../platform.ts'
import { prepareInboxRows, processInboxRow, processInboxRows } from '../pipeline/ingest.ts'

/** Runs of a group that lost a race (deadlock) before its messages go one by one. */
const GROUP_ATTEMPTS = 3

interface Waiting { ids: readonly number[], resolve: () => void, reject: (err: unknown) => void }

/** Runs a job's inbox ids; resolves once they are committed, rejects with the job's own failure. */
export type IngestGroups = (ids: readonly number[]) => Promise<void>

/** `transactions`: groups committed at once at most; `jobsPerGroup`: the jobs one group takes at most. */
export function ingestGroups (platform: Platform, instance: Instance, transactions: number, jobsPerGroup: number): IngestGroups {
  let waiting: Waiting[] = []
  /** Groups formed and not yet committed: being prepared, waiting for a transaction, or committing. */
  let formed = 0
  let committing = 0
  const turns: Array<() => void> = []
  const transaction = async (): Promise<() => void> => {
    if (committing >= transactions) await new Promise<void>((resolve) => { turns.push(resolve) })
    committing++
    return () => { committing--; turns.shift()?.() }
  }

  const start = (): void => {
    while (waiting.length > 0 && formed <= transactions && (formed === 0 || waiting.length >= jobsPerGroup)) {
      const group = waiting.slice(0, jobsPerGroup)
      waiting = waiting.slice(jobsPerGroup)
      formed++
      void commitGroup(platform, instance, group, transaction).finally(() => { formed--; start() })
    }
  }

  return async (ids) => {
    await new Promise<void>((resolve, reject) => {
      waiting.push({ ids, resolve, reject })
      start()
    })
  }
}

/** PostgreSQL's deadlock and serialization failures: the transaction lost a race and may simply run again. */
function lostRace (err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return code === '40P01' || code === '40001'
}

async function commitGroup (platform: Platform, instance: Instance, group: readonly Waiting[], transaction: () => Promise<() => void>): Promise<void> {
  const ids = group.flatMap((w) => w.ids)
  for (let attempt = 1; ; attempt++) {
    try {
      // Read ahead once; a group running again reads in its transaction.
      const prepared = attempt === 1 ? await prepareInboxRows(platform, instance, ids) : undefined
      const release = await transaction()
      try {
        await processInboxRows(platform, instance, ids, prepared)
      } finally {
        release()
      }
      for (const w of group) w.resolve()
      return
    } catch (err) {
      if (ids.length === 1) {
        group[0]!.reject(err)
        return
      }
      // A group that lost a race with another writer runs again whole; any other failure may be
      // one message's, so the messages are committed one by one.
      if (attempt < GROUP_ATTEMPTS && lostRace(err)) continue
      platform.logger.debug({ adapter: instance.config.id, messages: ids.length, err: (err as Error).message }, 'group of messages failed; committing them one by one')
      break
    }
  }
  // One transaction per message, so a message that fails does not undo the others; a job fails
  // with its first failing message, and its other messages are committed all the same.
  const release = await transaction()
  try {
    for (const w of group) {
      let failure: unknown
      for (const id of w.ids) {
        try {
          await processInboxRow(platform, instance, id)
        } catch (err) {
          failure ??= err
        }
      }
      if (failure === undefined) w.resolve()
      else w.reject(failure)
    }
  } finally {
    release()
  }
}
