// One gateway per data dir while it holds embedded state (PGlite, the Redis child). The claim
// is a file created exclusively before anything embedded starts; the gateway's URL is added once
// it listens, so CLI commands can reach it. A claim left by a dead process is taken over.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TongbanError } from '../errors.ts'

export interface GatewayInfo { pid: number, url?: string }

const infoFile = (dataDir: string): string => join(dataDir, 'gateway.json')

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The gateway holding this data dir, if one is running (its `url` is unset while it starts). */
export async function runningGateway (dataDir: string): Promise<GatewayInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(infoFile(dataDir), 'utf8')) as GatewayInfo
    return Number.isInteger(info.pid) && alive(info.pid) ? info : undefined
  } catch {
    return undefined
  }
}

export interface DataDirClaim {
  publish: (url: string) => Promise<void>
  release: () => Promise<void>
}

export async function claimDataDir (dataDir: string): Promise<DataDirClaim> {
  const file = infoFile(dataDir)
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, JSON.stringify({ pid: process.pid } satisfies GatewayInfo), { flag: 'wx' })
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const other = await runningGateway(dataDir)
      if (other || attempt > 0) throw new TongbanError('TB_DATA_DIR_LOCKED', [dataDir, other?.pid ?? '?'])
      await rm(file, { force: true })
    }
  }
  return {
    publish: async (url) => { await writeFile(file, JSON.stringify({ pid: process.pid, url } satisfies GatewayInfo)) },
    release: async () => { await rm(file, { force: true }) },
  }
}
