// The adapters a configuration can run, by id: those this build ships (the one place src/ reaches
// into adapters/), plus those its instances load from a path or an npm package
// (src/config/adapter-loader.ts). Everything else in src/ is handed their definitions from here.
import type { AdapterDefinition } from '../adapter-sdk/index.ts'
import { TongbanError } from '../errors.ts'
import { adapters } from '../../adapters/index.ts'

/** Where an adapter came from: `tongban adapter list` says so, and errors name it. */
export type AdapterSource =
  | { kind: 'built-in' }
  | { kind: 'path', file: string }
  | { kind: 'package', name: string, version: string, file: string }

export interface LoadedAdapter {
  definition: AdapterDefinition
  source: AdapterSource
}

/** Adapters by id. */
export type LoadedAdapters = ReadonlyMap<string, LoadedAdapter>

export { adapters }

export const BUILT_IN_ADAPTERS: LoadedAdapters = new Map(Object.values(adapters).map((definition) => [definition.id, { definition, source: { kind: 'built-in' } }]))

export function describeSource (source: AdapterSource): string {
  switch (source.kind) {
    case 'built-in': return 'built-in'
    case 'path': return `path ${source.file}`
    case 'package': return `package ${source.name}@${source.version}`
  }
}

/**
 * The adapter an instance runs. A configuration built in code, rather than loaded from a file,
 * runs the built-in adapters.
 */
export function adapterOf (config: { loadedAdapters?: LoadedAdapters }, instance: { id: string, adapter?: string | undefined }): AdapterDefinition {
  const loaded = (config.loadedAdapters ?? BUILT_IN_ADAPTERS).get(instance.adapter ?? '')
  if (!loaded) throw new TongbanError('TB_CONFIG_INVALID', ['(configuration)', `adapter instance ${instance.id}: no adapter "${instance.adapter ?? ''}" is loaded`])
  return loaded.definition
}
