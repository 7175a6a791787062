// The demo's story across two departments: enterprises of the market register are run by
// residents of the household register, and one of them gives the town a conflict from its first
// minute. Both simulators read it from the demo's options, so it holds only when both run.
import { z } from 'zod'
import type { DemoContext } from '../src/adapter-sdk/index.ts'
import { residentAt, residentFacts } from './household-registration/data.ts'
import { enterpriseAt, hasBadCheck } from './market-regulation/data.ts'
import { COUNTIES } from '../src/adapter-sdk/testkit/geography.ts'

// The options of each simulator this story reads (already validated against their declarations).
const Household = z.object({ seed: z.number(), residents: z.number() })
const Market = z.object({ seed: z.number(), enterprises: z.number(), representativesFromHousehold: z.number() })
const CivilAffairs = z.object({ beneficiariesFromHousehold: z.number() })
const SocialInsurance = z.object({ insuredFromHousehold: z.number(), employersFromMarket: z.boolean(), employerNameVariantEvery: z.number() })

function bothRegisters (demo: DemoContext): { household: z.infer<typeof Household>, market: z.infer<typeof Market> } | undefined {
  const household = Household.safeParse(demo.simulators['household-registration'])
  const market = Market.safeParse(demo.simulators['market-regulation'])
  if (!household.success || !market.success || market.data.representativesFromHousehold <= 0) return undefined
  return { household: household.data, market: market.data }
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
export function seededConflict (demo: DemoContext): { resident: number, enterprise: number, town: string } | undefined {
  const both = bothRegisters(demo)
  const town = demo.towns[0]
  if (!both || !town) return undefined
  const { household, market } = both
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
 * Every `representativesFromHousehold`-th enterprise is represented by a household-register
 * resident (the simulator's own population), so the demo links them; one in ten of those carries
 * a variant of the name, which opens a conflict once both registers have spoken. The seeded
 * conflict's resident represents its enterprise only: another enterprise giving the right name
 * would settle it.
 */
export function householdRepresentative (demo: DemoContext): ((index: number) => { FDDBR: string, FDDBRZJHM: string } | undefined) | undefined {
  const both = bothRegisters(demo)
  if (!both) return undefined
  const { seed, residents } = both.household
  const every = both.market.representativesFromHousehold
  const seeded = seededConflict(demo)
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

const STREET_OFFICES = new Set(COUNTIES.flatMap((county) => county.towns.filter((town) => town.street).map((town) => town.code)))

/**
 * The household residents another department's story may name: not the seeded conflict's (a
 * third source naming them would change its story) and none with a quirk; `inTown`, those who
 * live in the demo's first town in the household simulator's revision 1; `inCounty`, the rest of
 * that town's county (by their revision-0 county).
 */
function storyResidents (demo: DemoContext, seed: number, residents: number): { usable: (i: number) => boolean, inTown: number[], inCounty: number[] } {
  const town = demo.towns[0]?.slice(0, 9)
  const conflicted = seededConflict(demo)?.resident
  const usable = (i: number): boolean => i !== conflicted && residentFacts(seed, i).quirk === undefined
  const inTown: number[] = []
  const inCounty: number[] = []
  for (let i = 0; i < residents && town !== undefined; i++) {
    if (!usable(i)) continue
    if (residentAt(seed, i, 1).HJDZ_XZJDDM === town) inTown.push(i)
    else if (residentAt(seed, i, 0).HJDZ_XZQHDM === town.slice(0, 6)) inCounty.push(i)
  }
  return { usable, inTown, inCounty }
}

/**
 * Every `beneficiariesFromHousehold`-th case of the social-assistance register concerns a resident
 * of the household register, so the demo's residents carry assistance facets: every other one a
 * resident who lives in the demo's first town in the household simulator's revision 1 (as the
 * seeded conflict's does), the rest spread over the whole population. The household is the
 * resident's town, with a residents' committee (street office) or a village committee (town).
 */
export function householdBeneficiary (demo: DemoContext): ((slot: number) => { idNumber: string, name: string, division: string } | undefined) | undefined {
  const household = Household.safeParse(demo.simulators['household-registration'])
  const civil = CivilAffairs.safeParse(demo.simulators['civil-affairs'])
  if (!household.success || !civil.success || civil.data.beneficiariesFromHousehold <= 0) return undefined
  const { seed, residents } = household.data
  const every = civil.data.beneficiariesFromHousehold
  const { usable, inTown } = storyResidents(demo, seed, residents)
  return (slot) => {
    if (slot % every !== 0) return undefined
    const n = slot / every
    const resident = n % 2 === 0 && inTown.length > 0 ? inTown[(n / 2) % inTown.length]! : (n * 7919) % residents
    if (!usable(resident)) return undefined
    const facts = residentFacts(seed, resident)
    const where = residentAt(seed, resident, 1)
    const townCode = where.HJDZ_XZJDDM ?? `${where.HJDZ_XZQHDM}000`
    const committee = STREET_OFFICES.has(townCode) ? String(1 + (resident % 30)).padStart(3, '0') : String(201 + (resident % 30))
    return { idNumber: facts.idNumber, name: facts.name, division: townCode + committee }
  }
}

/**
 * Every `insuredFromHousehold`-th insured person of the social-insurance register is a resident of
 * the household register, in the register's order (nearly everyone is insured: with 1 and as many
 * insured persons as residents, every resident of the demo town carries insurance-enrolment
 * facets). The gender is the register's code (1 male, 2 female); the birth date the household
 * register's, which the enrolments fit.
 */
export function householdInsured (demo: DemoContext): ((person: number) => { idNumber: string, name: string, gender: '1' | '2', phone: '', birthDate: string } | undefined) | undefined {
  const household = Household.safeParse(demo.simulators['household-registration'])
  const insurance = SocialInsurance.safeParse(demo.simulators['social-insurance'])
  if (!household.success || !insurance.success || insurance.data.insuredFromHousehold <= 0) return undefined
  const { seed, residents } = household.data
  const every = insurance.data.insuredFromHousehold
  // the seeded conflict's resident stays out: a third source naming them would change its story
  const conflicted = seededConflict(demo)?.resident
  return (person) => {
    const resident = (person / every) % residents
    if (person % every !== 0 || resident === conflicted) return undefined
    const facts = residentFacts(seed, resident)
    if (facts.quirk !== undefined) return undefined
    // no phone (AAE005 empty): the household register's phone changes with every message the
    // demo sends, and a second department's would open a conflict on nearly every resident
    return { idNumber: facts.idNumber, name: facts.name, gender: facts.gender === 'male' ? '1' : '2', phone: '', birthDate: facts.birthDate }
  }
}

/** The market register's way of writing a name, as the social-insurance agency has it in 1 case in N: 有限公司 → 有限责任公司. */
const agencyVariant = (name: string): string => name.includes('有限公司') ? name.replace('有限公司', '有限责任公司') : `${name}（社保）`

/**
 * With `employersFromMarket`, social-insurance employer `e` is enterprise `e` of the market
 * register (skipping one whose credit code is quarantined there), so enrolment rows link to the
 * demo's enterprises; every `employerNameVariantEvery`-th of them under a variant of the name,
 * which opens a conflict on the enterprise's name once both registers have spoken.
 */
export function marketEmployer (demo: DemoContext): ((employer: number) => { name: string, creditCode: string } | undefined) | undefined {
  const market = Market.safeParse(demo.simulators['market-regulation'])
  const insurance = SocialInsurance.safeParse(demo.simulators['social-insurance'])
  if (!market.success || !insurance.success || !insurance.data.employersFromMarket) return undefined
  const { seed, enterprises } = market.data
  const every = insurance.data.employerNameVariantEvery
  return (employer) => {
    const index = employer % enterprises
    if (hasBadCheck(seed, index)) return undefined
    const row = enterpriseAt(seed, index)
    const name = row.QYMC.trim()
    return { creditCode: row.TYSHXYDM, name: every > 0 && employer % every === every - 1 ? agencyVariant(name) : name }
  }
}

const HealthFiles = z.object({ residentsFromHousehold: z.number() })

/**
 * Every `residentsFromHousehold`-th slot of the health commission's contract files is a resident
 * of the household register, so the demo's residents carry family-doctor facets: every other one
 * a resident of the demo's first town, the rest spread over the whole population; `town` is the
 * resident's town (9 digits), the demo town's clinic for the former. The household simulator moves
 * a resident to a town of their own county in most of its messages (another county in the rest),
 * so whoever lives in the demo town a few minutes into the demo is mostly one of that county's
 * residents, not who lived there in revision 1: the town's share cycles through those who do in
 * revision 1 (as householdBeneficiary picks) and then the rest of the county's, a new ~100 of
 * them with each day of files in the demo, so most of the town has a contract within minutes.
 */
export function householdContracted (demo: DemoContext): ((slot: number) => { idNumber: string, name: string, town: string, birthDate: string } | undefined) | undefined {
  const household = Household.safeParse(demo.simulators['household-registration'])
  const health = HealthFiles.safeParse(demo.simulators['health-files'])
  if (!household.success || !health.success || health.data.residentsFromHousehold <= 0) return undefined
  const { seed, residents } = household.data
  const every = health.data.residentsFromHousehold
  const town = demo.towns[0]?.slice(0, 9)
  const { usable, inTown, inCounty } = storyResidents(demo, seed, residents)
  const townShare = [...inTown, ...inCounty]
  return (slot) => {
    if (slot % every !== 0) return undefined
    const n = slot / every
    const local = n % 2 === 0 && townShare.length > 0
    const resident = local ? townShare[(n / 2) % townShare.length]! : (n * 7919) % residents
    if (!usable(resident)) return undefined
    const facts = residentFacts(seed, resident)
    const where = residentAt(seed, resident, 1)
    return { idNumber: facts.idNumber, name: facts.name, town: local ? town! : where.HJDZ_XZJDDM ?? `${where.HJDZ_XZQHDM}000`, birthDate: facts.birthDate }
  }
}
