// The bodies bench/drain sends: household-registration message n carries 1 to 40 residents of a
// 100,000-resident town, each message a minute after the one before (so later details win).
import { buildMessage } from '../adapters/household-registration/data.ts'

export const RESIDENTS = 100_000

/** How many records message n carries: 1..40, spread evenly (mean 20.5). */
export function recordsOf (n: number): number {
  return 1 + ((n * 7919) % 40)
}

export default function drainBody (n: number): string {
  return JSON.stringify(buildMessage(1, n, { records: recordsOf(n), residents: RESIDENTS }))
}
