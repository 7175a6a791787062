// The town's routing table (配合履职事项清单): matter category → lead department and
// co-departments. Versioned in routing_versions: a new version replaces the whole list, the old
// ones stay for the whistles blown under them. A town's first version comes from the configuration
// (whistles.routing), stored the first time the town's table is asked for.
import { TongbanError } from '../errors.ts'
import type { DepartmentConfig, WhistlesConfig } from '../config/whistles.ts'
import type { RoutingRule, WhistleActor } from '../model/whistle.ts'
import type { Queryable } from '../store/db.ts'
import { addRouting, latestRouting, type RoutingVersion } from '../store/whistles.ts'

const CONFIGURATION: WhistleActor = { kind: 'system', id: 'configuration', name: 'whistles.routing' }

/** The town's routing table in force; none when neither the store nor the configuration has one. */
export async function routingOf (db: Queryable, config: WhistlesConfig, town: string, at: string): Promise<RoutingVersion | undefined> {
  const stored = await latestRouting(db, town)
  if (stored) return stored
  const first = config.routing[town]
  if (!first) return undefined
  // Two first readers may race: the loser's insert does nothing and both read the one version 1.
  await addRouting(db, town, first, CONFIGURATION, at, true)
  return await latestRouting(db, town)
}

/** The lead and co-departments the table names for a category, lead first. */
export function departmentsFor (rules: readonly RoutingRule[], category: string): Array<{ code: string, role: 'lead' | 'co' }> {
  const rule = rules.find((r) => r.category === category)
  if (!rule) return []
  return [{ code: rule.lead, role: 'lead' as const }, ...rule.co.filter((c) => c !== rule.lead).map((code) => ({ code, role: 'co' as const }))]
}

/** Why `code` cannot be summoned by `town`, or undefined when it can: known, and of the town's county. */
export function departmentProblem (departments: readonly DepartmentConfig[], code: string, town: string): string | undefined {
  const d = departments.find((x) => x.code === code)
  if (!d) return `no department ${code} in whistles.departments (configured: ${departments.map((x) => x.code).join(', ') || 'none'})`
  if (!town.startsWith(d.county.slice(0, 6))) return `${d.name} (${code}) serves county ${d.county.slice(0, 6)}, not the town's`
  return undefined
}

/** Publishes a new version of the town's table; every department it names must be summonable by the town. */
export async function publishRouting (db: Queryable, config: WhistlesConfig, town: string, rules: readonly RoutingRule[], by: WhistleActor, at: string): Promise<RoutingVersion> {
  const seen = new Set<string>()
  for (const [i, r] of rules.entries()) {
    if (seen.has(r.category)) throw new TongbanError('TB_WHISTLE_ROUTING_INVALID', [town, `rules[${i}]: category ${r.category} is listed twice`])
    seen.add(r.category)
    for (const code of [r.lead, ...r.co]) {
      const problem = departmentProblem(config.departments, code, town)
      if (problem) throw new TongbanError('TB_WHISTLE_ROUTING_INVALID', [town, `rules[${i}] (${r.category}): ${problem}`])
    }
  }
  // The configuration's version 1 first, so a published table is never overtaken by it later.
  await routingOf(db, config, town, at)
  await addRouting(db, town, rules, by, at)
  return (await latestRouting(db, town))!
}
