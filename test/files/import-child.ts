// A worker process importing one dropped file, for the crash test to kill midway (SIGKILL).
import { Config, AdapterInstance } from '../../src/config/schema.ts'
import { createLogger } from '../../src/log.ts'
import { createPlatform } from '../../src/platform.ts'
import { openQueues } from '../../src/queues/queues.ts'
import { openPostgres } from '../../src/store/db.ts'
import { FileBytes } from '../../src/store/file-bytes.ts'
import { localDirectory } from '../../src/department/files/local.ts'
import { processFile, type FileJobData } from '../../src/sync/file-drop.ts'
import { personsDrop } from './persons-drop.ts'
import { join } from 'node:path'

const { databaseUrl, redisUrl, dataDir, drop, file, batchRows } = JSON.parse(process.argv[2]!) as { databaseUrl: string, redisUrl: string, dataDir: string, drop: string, file: FileJobData, batchRows: number }
const db = await openPostgres(databaseUrl)
const platform = createPlatform({ config: Config.parse({ towns: [{ code: '320412120000', name: '湟里镇' }], adapters: [] }), db, redisUrl, logger: createLogger({ level: 'warn' }), dataDir })
const config = AdapterInstance.parse({ id: 'persons-drop', adapter: 'persons-drop', files: { dir: drop } })
const adapter = { ...personsDrop, files: { ...personsDrop.files, batchRows } }
const instance = { config, adapter, queues: openQueues(platform.redis, config, false, true) }
await processFile({ platform, instance, source: localDirectory(drop), bytes: new FileBytes(join(dataDir, 'files', config.id)), stopping: () => false }, file)
await platform.close()
await db.close()
