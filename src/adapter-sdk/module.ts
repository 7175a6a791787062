// An adapter arriving as a module (a folder under adapters/, a path or a package named in the
// configuration): its default export is checked against the contract before anything runs it,
// since a JavaScript package has no compiler to do that and defineAdapter may never have run.
import { entitySchemas } from '../model/index.ts'
import { defineAdapter, type AdapterDefinition } from './index.ts'

/** An adapter id: the default instance id, so a URL segment and a queue name. */
export const ADAPTER_ID = /^[a-z][a-z0-9-]{1,62}$/

const LEVELS = new Set(['national', 'provincial', 'city', 'county'])

/** Why a value is not an adapter definition, or undefined when its outline is one. */
function outlineProblem (value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'does not default-export an adapter (export default defineAdapter({ ... }))'
  const a = value as Partial<Record<keyof AdapterDefinition, unknown>>
  if (typeof a.id !== 'string' || !ADAPTER_ID.test(a.id)) return `default-exports no adapter id (id must be lowercase letters, digits and dashes; got ${JSON.stringify(a.id)})`
  const department = a.department as { name?: unknown, level?: unknown } | undefined
  if (typeof department?.name !== 'string' || !LEVELS.has(String(department.level))) return `adapter ${a.id}: department must be { name, level: ${[...LEVELS].join(' | ')} }`
  // no produces: an adapter yielding no records (a matter catalogue, operations), which defineAdapter checks
  if (a.produces !== undefined) {
    if (typeof a.produces !== 'string' || !Object.hasOwn(entitySchemas, a.produces)) return `adapter ${a.id}: produces must be ${Object.keys(entitySchemas).join(' or ')}, or left out by an adapter that produces no records`
    if (typeof a.fields !== 'object' || a.fields === null) return `adapter ${a.id}: fields must map department fields to [canonicalField, normaliser]`
  }
  if (typeof (a.instance as { safeParse?: unknown } | undefined)?.safeParse !== 'function') return `adapter ${a.id}: instance must be the zod schema of an instance's options`
  return undefined
}

// defineAdapter's checks without its literal typing, which a value of unknown shape has no use for.
const check = defineAdapter as (adapter: AdapterDefinition) => AdapterDefinition

/** The adapter a module default-exports; a TypeError saying what is wrong otherwise. */
export function adapterOfModule (module: unknown): AdapterDefinition {
  const value = (module as { default?: unknown } | null)?.default
  const problem = outlineProblem(value)
  if (problem) throw new TypeError(problem)
  return check(value as AdapterDefinition)
}
