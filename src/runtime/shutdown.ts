// A process's shutdown: the steps its start pushed, run in reverse order, each named for the log.
// Bounded, so SIGTERM always ends the process before an orchestrator's SIGKILL (Docker: 10 s,
// Kubernetes: 30 s), even when a step waits on a Redis that is gone. Each step still runs, with at
// least a moment: closing the database and releasing the data directory still happen.
import type { Logger } from '../log.ts'

/** The whole shutdown; the workers' drain (DRAIN_TIMEOUT_MS) is part of it. */
export const STOP_TIMEOUT_MS = 8000
/** What a step gets once the whole is spent. */
const STEP_MIN_MS = 500

export type ShutdownStep = [name: string, fn: () => Promise<void>]

export interface Shutdown {
  /** Pushed in the order things start; they stop the other way round. */
  steps: ShutdownStep[]
  /** Runs the steps on the first call; later calls wait for that run. */
  run: () => Promise<void>
}

export function shutdownSteps (logger: Logger): Shutdown {
  const steps: ShutdownStep[] = []
  let running: Promise<void> | undefined
  const stepsOnce = async (): Promise<void> => {
    const deadline = Date.now() + STOP_TIMEOUT_MS
    for (const [step, fn] of steps.splice(0).reverse()) {
      const waitMs = Math.max(deadline - Date.now(), STEP_MIN_MS)
      let timer: NodeJS.Timeout | undefined
      const done = fn().then(() => true, (err: Error) => { logger.warn({ step, err: err.message }, 'shutdown step failed'); return true })
      const inTime = await Promise.race([done, new Promise<false>((resolve) => { timer = setTimeout(() => { resolve(false) }, waitMs) })])
      clearTimeout(timer)
      if (!inTime) logger.warn({ step, waitedMs: waitMs }, 'shutdown step did not finish in time; abandoned it')
    }
  }
  return { steps, run: async () => { running ??= stepsOnce(); await running } }
}
