// Starts the department simulators the configuration asks for — the demo, and the test kit's
// way to run the whole system against departments that behave like the real ones. Each adapter
// declares its simulator; this knows none by name.
import type { DemoContext, RunningSimulator } from '../adapter-sdk/index.ts'
import type { Config } from '../config/schema.ts'
import { configuredSimulators } from '../config/simulators.ts'
import type { Logger } from '../log.ts'

function demoContext (config: Config, simulators: ReturnType<typeof configuredSimulators>): DemoContext {
  return {
    towns: config.towns.map((t) => t.code),
    simulators: Object.fromEntries(simulators.map((s) => [s.adapter.id, s.options])),
  }
}

/** The simulators the gateway calls, first (the pull workers need them up). */
export async function startPullSimulators (config: Config, logger: Logger): Promise<RunningSimulator[]> {
  const simulators = configuredSimulators(config)
  const demo = demoContext(config, simulators)
  const started: RunningSimulator[] = []
  for (const { adapter, simulator, options } of simulators) {
    if (simulator.callsGateway) continue
    const sim = await simulator.start(options, demo)
    started.push(sim)
    logger.info({ simulator: adapter.id, url: sim.url }, 'department simulator started')
  }
  return started
}

/** The simulators that need the gateway's address: those that push to it, and the department apps' CAS sign-in. */
export async function startPushSimulators (config: Config, gatewayUrl: string, logger: Logger): Promise<RunningSimulator[]> {
  const started: RunningSimulator[] = []
  const apps = config.simulators?.['department-apps'] ?? []
  if (apps.length > 0) {
    // Loaded only when asked for: the gateway imports this file and must not load simulator code.
    const { startDepartmentApp } = await import('../adapter-sdk/testkit/department-app.ts')
    for (const app of apps) {
      const sim = await startDepartmentApp({ name: app.name, casUrl: () => `${gatewayUrl}/cas`, port: app.port, host: app.host })
      started.push(sim)
      logger.info({ simulator: 'department-app', name: app.name, url: sim.url }, 'department web app started (signs staff in through /cas)')
    }
  }
  const simulators = configuredSimulators(config)
  const demo = { ...demoContext(config, simulators), gatewayUrl }
  for (const { adapter, simulator, options } of simulators) {
    if (!simulator.callsGateway) continue
    const sim = await simulator.start(options, demo)
    started.push(sim)
    logger.info({ simulator: adapter.id, url: sim.url }, 'department simulator started')
  }
  return started
}
