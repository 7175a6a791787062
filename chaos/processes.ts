// The tongban processes under test — `tongban start --role api|worker|scheduler`, each a real
// process of its own — and the market-regulation simulator the pull department runs in. The
// suite plays the supervisor an orchestrator would be: it starts them, kills them, starts them
// again with the environment as it stands then (an operator's change, such as a promoted
// database, reaches the processes started after it).
import { spawn, type ChildProcess } from 'node:child_process'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { fromRoot } from '../src/paths.ts'
import { sleep, type Teardowns } from './support.ts'

export type Role = 'api' | 'worker' | 'scheduler'

export interface TongbanProcess {
  name: string
  role: Role
  port: number
  url: string
  pid: () => number
  /** Starts it again after a kill (a no-op while it runs); resolves when /readyz answers 200. */
  start: () => Promise<void>
  /** SIGKILL, and wait for the exit. */
  kill: () => Promise<void>
  /** SIGTERM: a graceful stop (waits up to 30 s, then SIGKILL). */
  stop: () => Promise<void>
}

const CLI = fromRoot('src', 'cli', 'main.ts')

async function exited (child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true
  return await Promise.race([
    new Promise<boolean>((resolve) => child.once('exit', () => { resolve(true) })),
    sleep(ms).then(() => false),
  ])
}

/** Answers 200 on `path`. */
export async function answers (url: string, path = '/readyz'): Promise<boolean> {
  const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2000) })
  await res.arrayBuffer()
  return res.status === 200
}

/**
 * One tongban process. `env` is read at every start, so the caller may change it between kills.
 * Its output goes to `<logDir>/<name>.log` (appended across restarts).
 */
export function tongbanProcess (t: Teardowns, opts: { name: string, role: Role, port: number, env: () => NodeJS.ProcessEnv, logDir: string }): TongbanProcess {
  let child: ChildProcess | undefined
  const url = `http://127.0.0.1:${opts.port}`
  const proc: TongbanProcess = {
    name: opts.name,
    role: opts.role,
    port: opts.port,
    url,
    pid: () => child?.pid ?? 0,
    async start () {
      if (child && child.exitCode === null && child.signalCode === null) return
      const log = await open(join(opts.logDir, `${opts.name}.log`), 'a')
      const started = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', '--role', opts.role], {
        env: { ...opts.env(), PORT: String(opts.port), HOST: '127.0.0.1' },
        stdio: ['ignore', log.fd, log.fd],
        cwd: fromRoot(),
      })
      child = started
      // The descriptor is the child's now; ours closes once it has been handed over.
      started.once('spawn', () => { void log.close() })
      const logFile = join(opts.logDir, `${opts.name}.log`)
      const end = Date.now() + 120_000
      while (!(await answers(url).catch(() => false))) {
        if (started.exitCode !== null || started.signalCode !== null) throw new Error(`chaos: ${opts.name} exited while starting; see ${logFile}`)
        if (Date.now() > end) throw new Error(`chaos: ${opts.name} not ready on ${url} within 120 s; see ${logFile}`)
        await sleep(250)
      }
    },
    async kill () {
      if (!child) return
      child.kill('SIGKILL')
      await exited(child, 10_000)
    },
    async stop () {
      if (!child) return
      child.kill('SIGTERM')
      if (!(await exited(child, 30_000))) { child.kill('SIGKILL'); await exited(child, 10_000) }
    },
  }
  t.teardown(async () => { await proc.kill() })
  return proc
}

/** The market-regulation simulator in a process of its own (bench/market-simulator.ts), so it can be hung with SIGSTOP. */
export async function startMarketSimulator (t: Teardowns, port: number, logDir: string): Promise<{ pid: number, url: string }> {
  const log = await open(join(logDir, 'market-simulator.log'), 'a')
  const child = spawn(process.execPath, ['--import', 'tsx', fromRoot('bench', 'market-simulator.ts'), JSON.stringify({ port, host: '127.0.0.1', seed: 1, enterprises: 300, clients: [{ clientId: 'tongban-chaos', clientSecret: 'chaos-market-secret' }] })], {
    stdio: ['ignore', 'pipe', log.fd],
    cwd: fromRoot(),
  })
  t.teardown(async () => {
    // A hung simulator must be woken before it can die of SIGTERM; SIGKILL needs no waking.
    child.kill('SIGKILL')
    await exited(child, 5000)
  })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (line: Buffer) => { resolve(line.toString().trim()) })
    child.once('exit', () => { reject(new Error(`chaos: the market simulator exited; see ${join(logDir, 'market-simulator.log')}`)) })
  })
  await log.close()
  return { pid: child.pid!, url }
}
