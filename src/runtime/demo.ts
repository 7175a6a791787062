// Starts the department simulators the configuration asks for — the demo, and the test kit's
// way to run the whole system against departments that behave like the real ones.
import type { RunningSimulator } from '../adapter-sdk/index.ts'
import type { Config } from '../config/schema.ts'
import type { Logger } from '../log.ts'
import { startSimulator as startHousehold } from '../../adapters/household-registration/simulator.ts'
import { startSimulator as startMarket } from '../../adapters/market-regulation/simulator.ts'
import { residentAt, residentFacts } from '../../adapters/household-registration/data.ts'
import { hasBadCheck } from '../../adapters/market-regulation/data.ts'
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
    ...(household && market.representativesFromHousehold > 0 ? { representative: householdRepresentative(household.seed, household.residents, market.representativesFromHousehold, seededConflict(config)) } : {}),
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
  const seeded = seededConflict(config)
  // Before the simulator's own timer fires, so this is its message number 1 (see seededConflict).
  if (seeded) sim.emit({ residentFrom: seeded.resident, recordsPerMessage: 1, eventType: 'QR' })
  logger.info({ simulator: 'household-registration', url: sim.url, deliversTo: household.deliverTo }, 'department simulator started')
  return [...apps, sim]
}

/** Another way of writing a name, as a second register might have it (王芳 → 王芳芳). */
const nameVariant = (name: string): string => `${name.slice(0, 1)}${name.slice(-1)}${name.slice(-1)}`

/**
 * A conflict the demo town has from its first minute, so `window` has one to resolve: the
 * household register's first message carries a resident of the first configured town, and the
 * first enterprise that is not quarantined names that resident as its legal representative with
 * a variant of the name. Which register's name survives is the household register's (the default
 * survivorship), and the market register's disagreement opens a conflict on `name`. The
 * household simulator gives the records of its message n revision n (where the resident lives
 * then): the resident is one who lives in the town in revision 1.
 */
export function seededConflict (config: Config): { resident: number, enterprise: number, town: string } | undefined {
  const household = config.simulators?.['household-registration']
  const market = config.simulators?.['market-regulation']
  const town = config.towns[0]?.code
  if (!household || !market || market.representativesFromHousehold <= 0 || !town) return undefined
  let resident = -1
  for (let i = 0; i < household.residents && resident < 0; i++) {
    const facts = residentFacts(household.seed, i)
    const adult = facts.birthDate >= '1950' && facts.birthDate < '2000'
    if (!facts.quirk && adult && residentAt(household.seed, i, 1).HJDZ_XZJDDM === town.slice(0, 9)) resident = i
  }
  let enterprise = 0
  while (enterprise < market.enterprises && hasBadCheck(market.seed, enterprise)) enterprise++
  return resident < 0 || enterprise >= market.enterprises ? undefined : { resident, enterprise, town }
}

/**
 * Every `every`-th enterprise is represented by a household-register resident (the simulator's
 * own population), so the demo links them; one in ten of those carries a variant of the name,
 * which opens a conflict once both registers have spoken. The seeded conflict's resident
 * represents its enterprise only: another enterprise giving the right name would settle it.
 */
function householdRepresentative (seed: number, residents: number, every: number, seeded: { resident: number, enterprise: number } | undefined): (index: number) => { FDDBR: string, FDDBRZJHM: string } | undefined {
  return (index) => {
    if (index === seeded?.enterprise) {
      const facts = residentFacts(seed, seeded.resident)
      return { FDDBR: nameVariant(facts.name), FDDBRZJHM: facts.idNumber }
    }
    const resident = (index / every) % residents
    if (index % every !== 0 || resident === seeded?.resident) return undefined
    const facts = residentFacts(seed, resident)
    if (facts.quirk) return undefined
    const variant = resident % 10 === 3
    return { FDDBR: variant ? nameVariant(facts.name) : facts.name, FDDBRZJHM: facts.idNumber }
  }
}
