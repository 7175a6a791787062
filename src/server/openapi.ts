// The OpenAPI document as a client generator expects it. fastify-type-provider-zod emits every
// named schema twice, as `X` (answers) and `XInput` (requests), even where the two are the same or
// no request uses the input one; and zod 4 bounds every integer by ±(2^53 − 1), true of JavaScript
// numbers but noise in a contract. The document is tidied once, after it is assembled.
import { jsonSchemaTransformObject } from 'fastify-type-provider-zod'

type Json = Record<string, unknown>
type TransformObject = typeof jsonSchemaTransformObject

const REF = '#/components/schemas/'
const SUFFIX = 'Input'

/** Walks every object of a JSON value, children first. */
function walk (value: unknown, visit: (node: Json) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit)
  } else if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) walk(child, visit)
    visit(value as Json)
  }
}

function withoutSafeIntegerBounds (doc: unknown): void {
  walk(doc, (node) => {
    if (node.type !== 'integer') return
    if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum
    if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum
  })
}

function renameRefs (doc: unknown, names: ReadonlyMap<string, string>): void {
  walk(doc, (node) => {
    const ref = node.$ref
    if (typeof ref === 'string' && ref.startsWith(REF)) {
      const to = names.get(ref.slice(REF.length))
      if (to !== undefined) node.$ref = REF + to
    }
  })
}

/** `XInput` becomes `X` where both say the same or there is no `X`; an `XInput` nothing refers to goes. */
function clientSchemaNames (doc: Json): void {
  const schemas = (doc.components as { schemas?: Record<string, unknown> } | undefined)?.schemas
  if (!schemas) return
  const inputs = Object.keys(schemas).filter((name) => name.endsWith(SUFFIX))
  const base = (name: string): string => name.slice(0, -SUFFIX.length)
  // Assume every pair the same, then drop pairs that differ under the remaining assumption,
  // until none does (an input is the same as its output only if what it refers to is too).
  let merged = new Map(inputs.map((name) => [name, base(name)]))
  for (let changed = true; changed;) {
    const assumed = merged
    const same = (schema: unknown): string => {
      const copy = structuredClone(schema)
      renameRefs(copy, assumed)
      return JSON.stringify(copy)
    }
    merged = new Map([...assumed].filter(([name, to]) => schemas[to] === undefined || same(schemas[name]) === same(schemas[to])))
    changed = merged.size !== assumed.size
  }
  for (const [from, to] of merged) {
    schemas[to] ??= schemas[from]
    delete schemas[from]
  }
  renameRefs(doc, merged)
  // An input that stays different is kept only where a request refers to it, directly or through another.
  const refsOf = (value: unknown): string[] => {
    const found: string[] = []
    walk(value, (node) => { if (typeof node.$ref === 'string' && node.$ref.startsWith(REF)) found.push(node.$ref.slice(REF.length)) })
    return found
  }
  const reachable = new Set(refsOf({ ...doc, components: {} }))
  for (const name of reachable) for (const ref of refsOf(schemas[name])) reachable.add(ref)
  for (const name of inputs) if (name in schemas && !reachable.has(name)) delete schemas[name]
}

export const openApiTransformObject: TransformObject = (input) => {
  const doc = jsonSchemaTransformObject(input) as unknown as Json
  clientSchemaNames(doc)
  withoutSafeIntegerBounds(doc)
  return doc as ReturnType<TransformObject>
}
