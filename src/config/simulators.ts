// The demo's simulated departments: each adapter declares its simulator's options, and a
// `simulators.<adapter id>` entry is read against that declaration, when the configuration is
// loaded (to stop a bad file at start) and again when the simulators start (a configuration built
// in code has not been loaded).
import type { AdapterDefinition, SimulatorDeclaration } from '../adapter-sdk/index.ts'
import { TongbanError } from '../errors.ts'
import { BUILT_IN_ADAPTERS } from './adapters.ts'
import { formatPath } from './path.ts'
import type { Config } from './schema.ts'

export interface ConfiguredSimulator {
  adapter: AdapterDefinition
  simulator: SimulatorDeclaration
  options: unknown
}

/** The simulators the configuration asks for, in the order it names them, with validated options. */
export function configuredSimulators (config: Config, file = '(configuration)'): ConfiguredSimulator[] {
  const ids = new Set(config.adapters.map((a) => a.id))
  const found: ConfiguredSimulator[] = []
  for (const [id, raw] of Object.entries(config.simulators ?? {})) {
    const adapter = (config.loadedAdapters ?? BUILT_IN_ADAPTERS).get(id)?.definition
    if (!adapter?.simulator) continue
    const result = adapter.simulator.options.safeParse(raw)
    if (!result.success) {
      const issue = result.error.issues[0]!
      throw new TongbanError('TB_CONFIG_INVALID', [file, `${formatPath(['simulators', id, ...issue.path])}: ${issue.message}`])
    }
    const options = result.data as Record<string, unknown>
    for (const key of adapter.simulator.instanceKeys ?? []) {
      const instance = options[key]
      if (typeof instance === 'string' && !ids.has(instance)) {
        throw new TongbanError('TB_CONFIG_INVALID', [file, `simulators.${id}.${key}: no adapter instance "${instance}"`])
      }
    }
    found.push({ adapter, simulator: adapter.simulator, options })
  }
  return found
}
