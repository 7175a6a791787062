// Starts the department simulators the configuration asks for — the demo, and the test kit's
// way to run the whole system against departments that behave like the real ones.
import type { RunningSimulator } from '../adapter-sdk/index.ts'
import type { Config } from '../config/schema.ts'
import type { Logger } from '../log.ts'
import { startSimulator as startHousehold } from '../../adapters/household-registration/simulator.ts'
import { startSimulator as startMarket } from '../../adapters/market-regulation/simulator.ts'
import { residentFacts } from '../../adapters/household-registration/data.ts'
import { startDepartmentApp } from '../adapter-sdk/testkit/department-app.ts'

/** Market first (the pull workers need it up); household after the gateway listens. */
export async function startPullSimulators (config: Config, logger: Logger): Promise<RunningSimulator[]> {
  const market = config.simulators?.['market-regulation']
  if (!market) return []
  const household = config.simulators?.['household-registration']
  const sim = await startMarket({
    seed: market.seed,
    enterprises: market.enterprises,
    port: market.port,
    host: market.host,
    clients: [{ clientId: market.clientId, clientSecret: market.clientSecret }],
    unavailableRate: market.unavailableRate,
    churnPerRequest: market.churnPerRequest,
    growPerMinute: market.growPerMinute,
    ...(household && market.representativesFromHousehold > 0 ? { representative: householdRepresentative(household.seed, household.residents, market.representativesFromHousehold) } : {}),
  })
  logger.info({ simulator: 'market-regulation', url: sim.url, enterprises: market.enterprises }, 'department simulator started')
  return [sim]
}

/** The simulators that need the gateway's address: the household register's pushes, the department apps' CAS sign-in. */
export async function startPushSimulators (config: Config, gatewayUrl: string, logger: Logger): Promise<RunningSimulator[]> {
  const apps: RunningSimulator[] = []
  for (const app of config.simulators?.['department-apps'] ?? []) {
    const sim = await startDepartmentApp({ name: app.name, casUrl: () => `${gatewayUrl}/cas`, port: app.port, host: app.host })
    apps.push(sim)
    logger.info({ simulator: 'department-app', name: app.name, url: sim.url }, 'department web app started (signs staff in through /cas)')
  }
  const household = config.simulators?.['household-registration']
  if (!household) return apps
  const sim = await startHousehold({
    seed: household.seed,
    residents: household.residents,
    subscriber: { url: `${gatewayUrl}/webhooks/${household.deliverTo}`, secret: household.secret },
    autoEmitEveryMs: household.everyMs,
    recordsPerMessage: household.recordsPerMessage,
  })
  logger.info({ simulator: 'household-registration', url: sim.url, deliversTo: household.deliverTo }, 'department simulator started')
  return [...apps, sim]
}

/**
 * Every `every`-th enterprise is represented by a household-register resident (the simulator's
 * own population), so the demo links them; one in ten of those carries a variant of the name,
 * which opens a conflict once both registers have spoken.
 */
function householdRepresentative (seed: number, residents: number, every: number): (index: number) => { FDDBR: string, FDDBRZJHM: string } | undefined {
  return (index) => {
    if (index % every !== 0) return undefined
    const facts = residentFacts(seed, (index / every) % residents)
    if (facts.quirk) return undefined
    const variant = (index / every) % 10 === 3
    return { FDDBR: variant ? `${facts.name.slice(0, 1)}${facts.name.slice(-1)}${facts.name.slice(-1)}` : facts.name, FDDBRZJHM: facts.idNumber }
  }
}
