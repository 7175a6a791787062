// The redis-server a tap run starts for its test files (start.ts, tap's `before`; stop.ts, its
// `after`). tap's runner is the parent of the before and after scripts and of every test file, so
// its pid names the run's server.
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout } from 'node:timers/promises'

export const DATA_DIR = join(tmpdir(), 'tongban-suite-redis')

export interface SuiteRedis { url: string, pid: number, dir: string }

export const stateFile = (runner: number): string => join(DATA_DIR, `run-${runner}.json`)

export function readState (file: string): SuiteRedis | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SuiteRedis
  } catch {
    return undefined
  }
}

/** This tap run's server, if it started one. */
export function suiteRedisUrl (): string | undefined {
  return readState(stateFile(process.ppid))?.url
}

/** Whether a process (ours or not) still runs. */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Stops the server a state file names and removes its files. */
export async function stopServer (file: string): Promise<void> {
  const state = readState(file)
  if (state) {
    try {
      process.kill(state.pid, 'SIGTERM')
    } catch {}
    // A stopping server still writes its log and removes its pid file: removing its directory
    // under it fails with ENOTEMPTY, so wait for it to exit (up to 10 s) and retry the removal.
    for (let tries = 0; tries < 200 && alive(state.pid); tries++) await setTimeout(50)
    await rm(state.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  }
  await rm(file, { force: true })
}
