// The adapters this build ships, by id: every folder here holding an adapter.ts (adapter.js once
// compiled) whose default export is that folder's adapter. A new department's folder is found
// without editing this file or anything in src/.
import { existsSync, readdirSync } from 'node:fs'
import { extname } from 'node:path'
import type { AdapterDefinition } from '../src/adapter-sdk/index.ts'
import { adapterOfModule } from '../src/adapter-sdk/module.ts'

/** .ts under tsx, .js in the build: the adapters are beside this module, compiled alike. */
const EXT = extname(new URL(import.meta.url).pathname)
const HERE = new URL('./', import.meta.url)

async function discover (): Promise<Record<string, AdapterDefinition>> {
  const found: Record<string, AdapterDefinition> = {}
  const folders = readdirSync(HERE, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()
  for (const folder of folders) {
    const file = new URL(`${folder}/adapter${EXT}`, HERE)
    if (!existsSync(file)) continue
    let adapter: AdapterDefinition
    try {
      adapter = adapterOfModule(await import(file.href))
    } catch (err) {
      throw new TypeError(`adapters/${folder}/adapter${EXT}: ${(err as Error).message}`, { cause: err })
    }
    if (adapter.id !== folder) throw new TypeError(`adapters/${folder}/adapter${EXT} defines the adapter "${adapter.id}": a folder holds the adapter of its own name`)
    found[adapter.id] = adapter
  }
  return found
}

export const adapters: Readonly<Record<string, AdapterDefinition>> = await discover()
