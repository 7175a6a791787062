// What every part of the chaos suite leans on: its private ports, a teardown list (the topology
// helpers of test/helpers take one, as tap's `t` would), waiting, and signals to processes.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The suite's private ports (7300–7399), so it runs beside the tests and other suites. */
export const PORTS = {
  sentinel: { master: 7301, replica: 7302, sentinels: [7303, 7304, 7305] as [number, number, number] },
  cluster: [7311, 7312, 7313, 7314, 7315, 7316] as [number, number, number, number, number, number],
  /** PostgreSQL primary; the standby is on the next port, PgBouncer on the one after. */
  postgres: 7320,
  /** tongban processes: api 7330–7331, worker 7332–7333 (health ports), scheduler 7334. */
  api: [7330, 7331],
  worker: [7332, 7333],
  scheduler: 7334,
  market: 7340,
} as const

export const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

export async function until (what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > end) throw new Error(`chaos: ${what} not within ${timeoutMs / 1000} s`)
    await sleep(everyMs)
  }
}

/** Teardown steps run last-first at the end of the run, or when it is interrupted. */
export class Teardowns {
  private readonly steps: Array<() => unknown> = []
  teardown (fn: () => unknown): void { this.steps.push(fn) }
  async run (): Promise<void> {
    for (const fn of this.steps.splice(0).reverse()) {
      try { await fn() } catch (err) { console.error(`chaos: teardown: ${(err as Error).message}`) }
    }
  }
}

/** A directory of the run's own; kept at the end: the processes' logs are there for whoever reads a failed run. */
export async function scratchDir (name: string): Promise<string> {
  return await mkdtemp(join(tmpdir(), `tongban-chaos-${name}-`))
}

/** Sends `signal` to `pid`; a process already gone is no error (the fault happened anyway). */
export function signal (pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig) } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err }
}

export function seconds (ms: number | undefined): string {
  return ms === undefined ? '–' : (ms / 1000).toFixed(1)
}
