// Adapters as they arrive from outside the repository: plain JavaScript in a folder or an npm
// package, default-exporting a definition (they import the SDK of this checkout by file URL, as an
// installed package would import tongban's).
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { fromRoot } from '../src/paths.ts'

const SDK = pathToFileURL(fromRoot('src', 'adapter-sdk', 'index.ts')).href
const NORMALIZE = pathToFileURL(fromRoot('src', 'normalize', 'index.ts')).href
const ZOD = pathToFileURL(fromRoot('node_modules', 'zod', 'index.js')).href

/** A push adapter in plain JavaScript: `{ msgId, records: [{ SFZH, XM }] }` becomes persons. */
export function pushAdapterJs (id: string, department: string): string {
  return `import { z } from '${ZOD}'
import { defineAdapter } from '${SDK}'
import { personName, residentId } from '${NORMALIZE}'

export default defineAdapter({
  id: '${id}',
  department: { name: '${department}', level: 'county' },
  produces: 'person',
  receive: {
    signature: 'standard-webhooks',
    maxBodyBytes: 65536,
    parse (body, meta) {
      const message = JSON.parse(body.toString('utf8'))
      return message.records.map((fields, i) => ({ sourceId: message.msgId + '#' + i, observedAt: meta.receivedAt, fields }))
    },
  },
  fields: { SFZH: ['idNumber', residentId], XM: ['name', personName] },
  instance: z.object({ webhook: z.looseObject({}, { error: 'a pushing department needs webhook.secrets' }) }),
})
`
}

/** A folder with a package.json (ES modules) and the given files, paths relative to it. */
export async function writePackage (dir: string, pkg: Record<string, unknown>, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module', ...pkg }, null, 2))
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true })
    await writeFile(join(dir, name), text)
  }
}
