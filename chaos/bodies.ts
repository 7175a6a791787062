// The bodies the throughput figure's load generator (bench/load.ts, `bodyModule`) sends: message
// n carries one resident, from a random base per generator process, so two generators do not
// update the same persons (the figure is of throughput, not of row-lock waits).
import { randomInt } from 'node:crypto'
import { buildMessage } from '../adapters/household-registration/data.ts'

const BASE = randomInt(1_000_000_000)

export default function body (n: number): string {
  return JSON.stringify(buildMessage(11, n, { records: 1, residents: 2_000_000_000, residentFrom: BASE + n, revision: 0, eventType: 'QR' }))
}
