// `tongban adapter list [--config <file>] [--json]`: the adapters the configuration loads — built
// in, from a path or from a package — what each does and which instances run it.
import { parseArgs } from 'node:util'
import type { AdapterDefinition } from '../adapter-sdk/index.ts'
import { describeSource, type AdapterSource } from '../config/adapters.ts'
import { loadConfig } from '../config/load.ts'
import { readSettings } from '../runtime/settings.ts'

export const ADAPTER_LIST_USAGE = `Usage: tongban adapter list [--config <file>] [--json]
  --config <file>  the configuration whose adapters are listed (default: TONGBAN_CONFIG, else config/demo.yaml)
  --json           print the list as JSON`

interface Streams { stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream }

export interface AdapterListing {
  id: string
  department: AdapterDefinition['department']
  modes: Array<'webhook' | 'pull' | 'files' | 'catalogue'>
  produces: AdapterDefinition['produces']
  facet: { name: string, sensitivity: string } | undefined
  operations: string[]
  /** The configured instances that run it. */
  instances: string[]
  source: AdapterSource
}

function listing (adapter: AdapterDefinition, source: AdapterSource, instances: string[]): AdapterListing {
  const modes: AdapterListing['modes'] = []
  if (adapter.receive) modes.push('webhook')
  if (adapter.pull) modes.push('pull')
  if (adapter.files) modes.push('files')
  if (adapter.catalogue) modes.push('catalogue')
  const facet = adapter.facet?.declaration
  return {
    id: adapter.id,
    department: adapter.department,
    modes,
    produces: adapter.produces,
    facet: facet ? { name: facet.name, sensitivity: facet.sensitivity } : undefined,
    operations: Object.keys(adapter.operations ?? {}),
    instances,
    source,
  }
}

function text (a: AdapterListing): string {
  const produces = a.produces === undefined ? 'no records' : a.facet ? `${a.produces} + facet ${a.facet.name} (${a.facet.sensitivity})` : a.produces
  return [
    `${a.id}  ${a.department.name} (${a.department.level})`,
    `  modes       ${a.modes.join(', ') || '—'}`,
    `  produces    ${produces}`,
    `  operations  ${a.operations.join(', ') || '—'}`,
    `  instances   ${a.instances.join(', ') || '—'}`,
    `  from        ${describeSource(a.source)}`,
  ].join('\n')
}

/** Returns the exit code. */
export async function adapterListCommand (args: readonly string[], io: Streams, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values
  try {
    values = parseArgs({ args: [...args], options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } }).values
  } catch (err) {
    io.stderr.write(`tongban: ${(err as Error).message}\n${ADAPTER_LIST_USAGE}\n`)
    return 2
  }
  const config = await loadConfig(values.config ?? readSettings(env).configPath, env)
  const listings = [...config.loadedAdapters.values()].map(({ definition, source }) =>
    listing(definition, source, config.adapters.filter((i) => i.adapter === definition.id).map((i) => i.id)))
  io.stdout.write(values.json ? `${JSON.stringify(listings, null, 2)}\n` : `${listings.map(text).join('\n\n')}\n`)
  return 0
}
