// The portal's static files, read once at start and served from memory under a name that carries
// a hash of the content (`portal.3f2a91c0.css`), so browsers may keep them for a year. htmx comes
// from node_modules: nothing is loaded from a CDN (town hall intranets have no internet).
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { extname, join } from 'node:path'

export interface Asset { name: string, type: string, body: Buffer }

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8' }

/** Source files live in src/portal/static; the compiled gateway (dist/src/portal) reads them from there. */
function staticDir (): string {
  const beside = fileURLToPath(new URL('./static/', import.meta.url))
  if (existsSync(join(beside, 'portal.css'))) return beside
  return fileURLToPath(new URL('../../../src/portal/static/', import.meta.url))
}

function load (logical: string, path: string): Asset {
  const body = readFileSync(path)
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10)
  const ext = extname(logical)
  return { name: `${logical.slice(0, -ext.length)}.${hash}${ext}`, type: TYPES[ext] ?? 'application/octet-stream', body }
}

export type AssetName = 'portal.css' | 'login.js' | 'matters.js' | 'htmx.js' | 'risks.js' | 'risks.css' | 'whistles.js'

export class Assets {
  readonly byLogical: Record<AssetName, Asset>
  readonly byName = new Map<string, Asset>()

  constructor () {
    const dir = staticDir()
    const require = createRequire(import.meta.url)
    this.byLogical = {
      'portal.css': load('portal.css', join(dir, 'portal.css')),
      'login.js': load('login.js', join(dir, 'login.js')),
      'matters.js': load('matters.js', join(dir, 'matters.js')),
      'risks.js': load('risks.js', join(dir, 'risks.js')),
      'risks.css': load('risks.css', join(dir, 'risks.css')),
      'whistles.js': load('whistles.js', join(dir, 'whistles.js')),
      'htmx.js': load('htmx.js', require.resolve('htmx.org/dist/htmx.min.js')),
    }
    for (const asset of Object.values(this.byLogical)) this.byName.set(asset.name, asset)
  }

  url (logical: AssetName): string {
    return `${ASSET_PREFIX}${this.byLogical[logical].name}`
  }
}

export const ASSET_PREFIX = '/portal/static/'
