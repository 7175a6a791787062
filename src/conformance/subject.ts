// The adapter a check is about: a built-in adapter by id, or a folder or file whose default export
// is an adapter definition. Nothing beyond its outline is checked on loading (defineAdapter is not
// run again): the checks are what says whether the rest is right, with a report rather than a throw.
import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { AdapterDefinition } from '../adapter-sdk/index.ts'
import { adapters } from '../config/adapters.ts'
import { fromRoot } from '../paths.ts'

export interface Subject {
  adapter: AdapterDefinition
  /** `built-in` or the file imported. */
  source: string
  /** The folder of the adapter's sources, when known: its TB_ codes are read from there. */
  folder: string | undefined
}

/** The adapter cannot be found or is no adapter: a usage error (exit 2). */
export class SubjectError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'SubjectError'
  }
}

const FOLDER_ENTRIES = ['adapter.ts', 'adapter.js', 'index.ts', 'index.js']

function outlineProblem (value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'does not default-export an adapter definition'
  const a = value as Record<string, unknown>
  if (typeof a.id !== 'string') return 'default-exports an object without an adapter id'
  if (a.produces === undefined) {
    if (a.catalogue === undefined && a.operations === undefined) return `adapter ${a.id}: produces is missing, and an adapter producing no records must read a matter catalogue or offer operations`
    return undefined
  }
  if (typeof a.produces !== 'string') return `adapter ${a.id}: produces is not a record kind`
  if (typeof a.fields !== 'object' || a.fields === null) return `adapter ${a.id}: fields is missing`
  return undefined
}

export async function loadSubject (target: string, cwd = process.cwd()): Promise<Subject> {
  const builtIn = adapters[target]
  if (builtIn) {
    const folder = fromRoot('adapters', target)
    return { adapter: builtIn, source: 'built-in', folder: existsSync(folder) ? folder : undefined }
  }
  const path = resolve(cwd, target)
  if (!existsSync(path)) throw new SubjectError(`no built-in adapter "${target}" (known: ${Object.keys(adapters).join(', ')}) and no file or folder ${path}`)
  const folder = statSync(path).isDirectory() ? path : undefined
  const file = folder ? FOLDER_ENTRIES.map((f) => join(folder, f)).find((f) => existsSync(f)) : path
  if (!file) throw new SubjectError(`${path} holds none of ${FOLDER_ENTRIES.join(', ')}`)
  let module: { default?: unknown }
  try {
    module = await import(pathToFileURL(file).href) as { default?: unknown }
  } catch (err) {
    throw new SubjectError(`${file} cannot be imported: ${(err as Error).message}`)
  }
  const problem = outlineProblem(module.default)
  if (problem) throw new SubjectError(`${file} ${problem}`)
  return { adapter: module.default as AdapterDefinition, source: file, folder: folder ?? resolve(file, '..') }
}
