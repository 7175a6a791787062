// A real delivery of the simulator for the checks that take one apart: one it already made (the
// webhook check asks for several), or one asked for now.
import type { Delivery, SimulatorRun } from './start.ts'

const WAIT_MS = 15_000

export async function someDelivery (run: SimulatorRun): Promise<Delivery | undefined> {
  if (run.deliveries.length === 0) run.sim.emit?.()
  const until = Date.now() + WAIT_MS
  while (run.deliveries.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100))
  return run.deliveries[0]
}
