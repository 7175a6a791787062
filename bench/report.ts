// One summary line per figure a bench measures, for `npm run bench` (bench/all.ts) to gather
// into one table. Benches keep their own human lines; this is the machine-readable one:
//   BENCH {"bench":"pull-sync","figure":"pull, PostgreSQL","unit":"records/s","goal":"≥ 20,000",...}
import { readFileSync, writeFileSync } from 'node:fs'

export interface Figure {
  bench: string
  /** What is measured, short: "pull, PostgreSQL", "ingest, workers on". */
  figure: string
  unit: string
  /** The goal as written, e.g. "≥ 20,000" or "≥ 0.6× floor". */
  goal: string
  now: number
  /** The least the machine can do for the same work, measured in the same run. */
  floor?: number
  /** now / floor (or the inverse where less is better), when there is a floor. */
  ratio?: number
  /** Whether `now` meets the goal. */
  met?: boolean
  /** Peak resident memory of the process doing the work, in MB. */
  rssMb?: number
}

export const SUMMARY_PREFIX = 'BENCH '

export function report (figure: Figure): void {
  console.log(`${SUMMARY_PREFIX}${JSON.stringify(figure)}`)
}

/** Peak resident set of this process so far, in MB. */
export function ownPeakRssMb (): number {
  return Math.round(process.resourceUsage().maxRSS / 1024)
}

/** Starts counting this process's peak afresh (Linux: VmHWM is reset through clear_refs), so work done before — making a bench's data — is not in it; elsewhere the peak stays the whole run's. */
export function resetPeakRss (): void {
  try { writeFileSync('/proc/self/clear_refs', '5') } catch { /* not Linux */ }
}

/** Peak resident set of another (still running) process, in MB, from /proc (Linux); undefined elsewhere. */
export function peakRssMbOf (pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Math.round(Number(match[1]) / 1024) : undefined
  } catch {
    return undefined
  }
}
