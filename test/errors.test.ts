// Every error code in the catalogue is documented, and the documentation names no code that
// does not exist (as fastify does for FST_ERR_*).
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { errorCatalogue } from '../src/errors.ts'

t.test('docs/errors.md documents every code with its status', async (t) => {
  const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8')
  const documented = new Map([...doc.matchAll(/^\|\s*`(TB_[A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [m[1]!, Number(m[2])]))
  for (const [code, spec] of Object.entries(errorCatalogue)) {
    t.equal(documented.get(code), spec.status, `${code} is documented with status ${spec.status}`)
  }
  for (const code of documented.keys()) t.ok(code in errorCatalogue, `${code} in the docs exists in src/errors.ts`)
})
