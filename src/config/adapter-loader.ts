// Adapters from outside this build: an instance naming `path:` (a folder or file, relative to the
// configuration file) or `package:` (an npm package, resolved from the configuration file's folder
// as Node would) has its module imported when the configuration is loaded, its default export
// checked against the adapter contract, and its id given to the instance.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { resolve as resolveModule } from 'import-meta-resolve'
import { adapterOfModule } from '../adapter-sdk/module.ts'
import { TongbanError } from '../errors.ts'
import { BUILT_IN_ADAPTERS, describeSource, type AdapterSource, type LoadedAdapter, type LoadedAdapters } from './adapters.ts'
import type { AdapterInstance, Config } from './schema.ts'

/** What a folder's module is: its package.json's entry, else the file the scaffold writes, else index. */
const FOLDER_ENTRIES = ['adapter.ts', 'adapter.js', 'index.ts', 'index.js']

function readManifest (file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  } catch (err) {
    throw new TongbanError('TB_CONFIG_INVALID', [file, (err as Error).message])
  }
}

function packageEntry (dir: string): string | undefined {
  const file = join(dir, 'package.json')
  if (!existsSync(file)) return undefined
  const pkg = readManifest(file)
  let entry: unknown = pkg['exports']
  if (entry && typeof entry === 'object' && '.' in entry) entry = (entry as Record<string, unknown>)['.']
  if (entry && typeof entry === 'object') entry = (entry as Record<string, unknown>)['import'] ?? (entry as Record<string, unknown>)['default']
  if (typeof entry !== 'string') entry = pkg['main']
  return typeof entry === 'string' ? join(dir, entry) : undefined
}

function folderEntry (dir: string): string | undefined {
  return packageEntry(dir) ?? FOLDER_ENTRIES.map((f) => join(dir, f)).find((f) => existsSync(f))
}

/** The package.json of the package a resolved module belongs to. */
function packageVersion (file: string, name: string): string | undefined {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (!existsSync(manifest)) continue
    const pkg = readManifest(manifest)
    if (pkg['name'] === name) return typeof pkg['version'] === 'string' ? pkg['version'] : undefined
  }
  return undefined
}

type ExternalSource = Exclude<AdapterSource, { kind: 'built-in' }>

/** Where an instance's adapter module is, or why it cannot be found. */
function locate (instance: AdapterInstance, configFile: string): ExternalSource | string {
  if (instance.path !== undefined) {
    const target = resolve(dirname(resolve(configFile)), instance.path)
    if (!existsSync(target)) return `${target} does not exist`
    const file = statSync(target).isDirectory() ? folderEntry(target) : target
    return file ? { kind: 'path', file } : `${target} holds no package.json entry, ${FOLDER_ENTRIES.join(', ')}`
  }
  const name = instance.package!
  let file: string
  try {
    file = fileURLToPath(resolveModule(name, pathToFileURL(resolve(configFile)).href))
  } catch (err) {
    return `cannot find package "${name}" from ${dirname(resolve(configFile))} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): install it beside the configuration`
  }
  return { kind: 'package', name, version: packageVersion(file, name) ?? 'unknown', file }
}

async function importAdapter (source: ExternalSource): Promise<LoadedAdapter | string> {
  let module: unknown
  try {
    module = await import(pathToFileURL(source.file).href)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const hint = e.code === 'ERR_UNKNOWN_FILE_EXTENSION' ? ': a TypeScript adapter runs under tsx (node --import tsx); a package ships JavaScript' : ''
    return `${source.file} cannot be imported (${e.code ?? e.name}: ${e.message})${hint}`
  }
  try {
    return { definition: adapterOfModule(module), source }
  } catch (err) {
    return `${source.file}: ${(err as Error).message}`
  }
}

/**
 * The configuration with the adapters its instances load from a path or package: each such
 * instance gets the loaded adapter's id, and `loadedAdapters` holds them beside the built-in ones.
 */
export async function loadExternalAdapters (config: Config, configFile: string): Promise<Config & { loadedAdapters: LoadedAdapters }> {
  const loaded = new Map(BUILT_IN_ADAPTERS)
  const byFile = new Map<string, LoadedAdapter>()
  const instances: AdapterInstance[] = []
  for (const [i, instance] of config.adapters.entries()) {
    const key = instance.path !== undefined ? 'path' : 'package'
    const fail = (why: string, at = key): never => { throw new TongbanError('TB_CONFIG_INVALID', [configFile, `adapters[${i}].${at}: ${why}`]) }
    if (instance.path === undefined && instance.package === undefined) {
      instances.push(instance)
      continue
    }
    const source = locate(instance, configFile)
    if (typeof source === 'string') return fail(source)
    const adapter = byFile.get(source.file) ?? await importAdapter(source)
    if (typeof adapter === 'string') return fail(adapter)
    byFile.set(source.file, adapter)
    const { id } = adapter.definition
    if (instance.adapter !== undefined && instance.adapter !== id) return fail(`${describeSource(adapter.source)} defines the adapter "${id}", not "${instance.adapter}"`, 'adapter')
    // The same module (a path to a built-in adapter's own folder, two paths to one file) is one adapter.
    const other = loaded.get(id)
    if (other && other.definition !== adapter.definition) return fail(`${describeSource(adapter.source)} defines the adapter "${id}", which ${describeSource(other.source)} defines too: adapter ids are unique`)
    if (!other) loaded.set(id, adapter)
    instances.push({ ...instance, adapter: id })
  }
  return { ...config, adapters: instances, loadedAdapters: loaded }
}
