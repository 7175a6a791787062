// Gateway and worker processes load the adapters (and with them each simulator's declaration) but
// not the simulators: those are imported when the demo starts one. Checked by loading the two
// entry modules in a child process with a resolve hook that writes down every module resolved.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { tempDir } from './helpers.ts'

// The simulator kit's data tables, which the adapters' data generators (and the demo story) use.
const DATA_MODULES = new Set(['random.ts', 'check-characters.ts', 'geography.ts', 'people.ts', 'beijing-time.ts'])

t.test('the gateway and the worker load no simulator', async (t) => {
  const dir = await tempDir(t)
  const log = join(dir, 'resolved.txt')
  await writeFile(join(dir, 'hook.mjs'), `import { appendFileSync } from 'node:fs'
export async function resolve (specifier, context, next) {
  const resolved = await next(specifier, context)
  appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n')
  return resolved
}
`)
  await writeFile(join(dir, 'register.mjs'), `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)})\n`)
  await writeFile(log, '')
  await promisify(execFile)(process.execPath, [
    '--import', 'tsx', '--import', join(dir, 'register.mjs'),
    '--input-type=module', '-e', "await import('./src/runtime/gateway.ts'); await import('./src/runtime/worker.ts')",
  ], { cwd: join(import.meta.dirname, '..') })

  const resolved = (await readFile(log, 'utf8')).split('\n').filter((u) => u.startsWith('file:'))
  t.ok(resolved.some((u) => u.endsWith('/adapters/household-registration/demo.ts')), 'the simulator declarations are loaded')
  t.same(resolved.filter((u) => /\/adapters\/[^/]+\/simulator\.ts$/.test(u)), [], 'no department simulator')
  const kit = resolved.filter((u) => u.includes('/src/adapter-sdk/testkit/')).map((u) => u.slice(u.lastIndexOf('/') + 1))
  t.same([...new Set(kit)].filter((m) => !DATA_MODULES.has(m)), [], 'of the simulator kit, only its data tables')
})
