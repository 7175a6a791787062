// Where the machine's CPU went during a measured run (Linux, from /proc): each named process's
// user + system time, and the rest of the machine, as a share of one core. A bench whose figure
// is bounded by the cores, not by its own process, shows it here.
import { readdirSync, readFileSync } from 'node:fs'

/** Clock ticks per second of /proc's times (USER_HZ, 100 on every Linux we run on). */
const TICKS_PER_SECOND = 100

export type ProcessGroups = Record<string, () => number[]>

function ticksOf (pid: number): number {
  try {
    // Fields after the command name (which may hold spaces), from field 3: utime is the 14th field, stime the 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}

function machineBusyTicks (): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  return cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3]! - cpu[4]!
}

export interface CpuUsage {
  /** Seconds of CPU per second of wall time, by group, and `other` for the rest of the machine. */
  cores: Record<string, number>
  seconds: number
}

/**
 * Starts measuring; `stop()` gives the usage since. Groups name their processes by a function,
 * asked at start and at stop (a process that appears in between is counted from its start).
 */
export function measureCpu (groups: ProcessGroups): { stop: () => CpuUsage } {
  const startedAt = performance.now()
  const machineStart = machineBusyTicks()
  const startTicks = new Map<number, number>()
  const startPids = new Map<string, number[]>()
  for (const [name, pids] of Object.entries(groups)) {
    startPids.set(name, pids())
    for (const pid of startPids.get(name)!) startTicks.set(pid, ticksOf(pid))
  }
  return {
    stop () {
      const seconds = (performance.now() - startedAt) / 1000
      const cores: Record<string, number> = {}
      const counted = new Set<number>()
      let ours = 0
      for (const [name, pids] of Object.entries(groups)) {
        let ticks = 0
        for (const pid of new Set([...startPids.get(name)!, ...pids()])) {
          if (counted.has(pid)) continue
          counted.add(pid)
          // A process gone by now counts nothing (its time is in `other`).
          const now = ticksOf(pid)
          if (now > 0) ticks += now - (startTicks.get(pid) ?? 0)
        }
        ours += ticks
        cores[name] = ticks / TICKS_PER_SECOND / seconds
      }
      cores.other = Math.max(0, machineBusyTicks() - machineStart - ours) / TICKS_PER_SECOND / seconds
      return { cores, seconds }
    },
  }
}

/** Processes whose command line contains `fragment` (e.g. a redis-server's port). */
export function pidsMatching (fragment: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(fragment)) pids.push(Number(entry))
    } catch { /* gone */ }
  }
  return pids
}

export function formatCpu (usage: CpuUsage): string {
  return Object.entries(usage.cores).map(([name, cores]) => `${name} ${cores.toFixed(2)}`).join(', ')
}
