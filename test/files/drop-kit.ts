// A platform with one file-drop instance of the persons-drop adapter on a fresh database and Redis
// database, its workers started through the runtime (scheduler, queue, worker) like any adapter's.
import type { AdapterDefinition } from '../../src/adapter-sdk/index.ts'
import { AdapterInstance, Config } from '../../src/config/schema.ts'
import { createPlatform, type Instance, type Platform } from '../../src/platform.ts'
import { openQueues } from '../../src/queues/queues.ts'
import { startWorkers, type RunningWorkers } from '../../src/runtime/workers.ts'
import type { Db } from '../../src/store/db.ts'
import { captureLogger, freshRedis, tempDir } from '../helpers.ts'
import { personsDrop } from './persons-drop.ts'

interface Teardown { teardown: (fn: () => unknown) => void }

export interface DropKit {
  platform: Platform
  instance: Instance
  dataDir: string
  logLines: string[]
  start: () => Promise<RunningWorkers>
}

export async function dropPlatform (t: Teardown, db: Db, opts: { redisIndex: number, instance: Record<string, unknown>, adapter?: AdapterDefinition }): Promise<DropKit> {
  const dataDir = await tempDir(t)
  const redisUrl = await freshRedis(t, opts.redisIndex)
  const { logger, lines } = captureLogger()
  const platform = createPlatform({ config: Config.parse({ towns: [{ code: '320412120000', name: '湟里镇' }], adapters: [] }), db, redisUrl, logger, dataDir })
  t.teardown(platform.close)
  const config = AdapterInstance.parse({ id: 'persons-drop', adapter: 'persons-drop', every: '300ms', retries: { attempts: 3, backoff: '100ms' }, ...opts.instance })
  const adapter = opts.adapter ?? personsDrop
  // The test adapter is not in the repository's registry: it joins the platform as configured ones do.
  const instance: Instance = { config, adapter, queues: openQueues(platform.redis, config, false, true) }
  platform.instances.set(config.id, instance)
  return {
    platform,
    instance,
    dataDir,
    logLines: lines,
    async start () {
      const workers = await startWorkers(platform, [config.id])
      t.teardown(async () => { await workers.close() })
      return workers
    },
  }
}

export interface FileState { name: string, status: string, rows_total: number | null, rows_done: number, rows_ok: number, rows_quarantined: number, reason_code: string | null, error: string | null, content_hash: string }

export async function files (db: Db): Promise<FileState[]> {
  const { rows } = await db.query<FileState>('SELECT name, status, rows_total, rows_done, rows_ok, rows_quarantined, reason_code, error, content_hash FROM file_inbox ORDER BY id')
  return rows
}

/** Records that came from a file: unified persons whose provenance names it, and quarantined rows. */
export async function fromFile (db: Db, name: string): Promise<{ persons: number, quarantined: number }> {
  const like = `${name}#%`
  const { rows } = await db.query<{ persons: number, quarantined: number }>(
    `SELECT (SELECT count(*)::int FROM persons WHERE EXISTS (SELECT 1 FROM jsonb_each(sources) s WHERE s.value->>'sourceId' LIKE $1)) AS persons,
            (SELECT count(*)::int FROM quarantine WHERE source_id LIKE $1) AS quarantined`, [like])
  return rows[0]!
}
