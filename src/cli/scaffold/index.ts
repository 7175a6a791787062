// `tongban adapter new`: a new department's folder — adapter, data generator, simulator, demo
// options and tests that pass at once — written where asked (adapters/<id>/ by default, where the
// build finds it without any other edit; elsewhere, a configuration names it with path:).
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { fromRoot } from '../../paths.ts'
import { AUTH_TEMPLATES } from './auth.ts'
import { dataTs } from './data.ts'
import { filesAdapterTs, filesDemoTs, filesSimulatorTs } from './files.ts'
import { namesOf } from './names.ts'
import type { ScaffoldOptions } from './options.ts'
import { pullAdapterTs, pullDemoTs, pullSimulatorTs } from './pull.ts'
import { pushAdapterTs, pushDemoTs, pushSimulatorTs } from './push.ts'
import { adapterTestTs, filesAdapterTestTs, filesSimulatorTestTs, pullSimulatorTestTs, pushSimulatorTestTs } from './tests.ts'

/** The folder exists already: nothing is written. */
export class FolderExistsError extends Error {}

/** An import path from `dir` to the repository's src/, as TypeScript writes it. */
function srcFrom (dir: string): string {
  const path = relative(dir, fromRoot('src')).split(sep).join('/')
  return path.startsWith('.') ? path : `./${path}`
}

function files (options: ScaffoldOptions, dir: string): Record<string, string> {
  const n = namesOf(options, srcFrom(dir))
  if (options.mode === 'files') {
    return {
      'adapter.ts': filesAdapterTs(n),
      'data.ts': dataTs(n),
      'simulator.ts': filesSimulatorTs(n),
      'demo.ts': filesDemoTs(n),
      'adapter.test.ts': filesAdapterTestTs(n),
      'simulator.test.ts': filesSimulatorTestTs(n),
    }
  }
  if (options.mode === 'push') {
    const secret = `whsec_${randomBytes(24).toString('base64')}`
    return {
      'adapter.ts': pushAdapterTs(n, options.transport),
      'data.ts': dataTs(n),
      'simulator.ts': pushSimulatorTs(n, options.transport),
      'demo.ts': pushDemoTs(n),
      'adapter.test.ts': adapterTestTs(n, 'push', { instance: { webhook: { secrets: [secret] } }, simulator: { secret, instance: n.id } }),
      'simulator.test.ts': pushSimulatorTestTs(n, secret),
    }
  }
  const auth = AUTH_TEMPLATES[options.auth]
  const { instance, simulator } = auth.credentials()
  return {
    'adapter.ts': pullAdapterTs(n, auth),
    'data.ts': dataTs(n),
    'simulator.ts': pullSimulatorTs(n, auth),
    'demo.ts': pullDemoTs(n, auth),
    // baseUrl: the conformance run points it at the simulator it starts.
    'adapter.test.ts': adapterTestTs(n, 'pull', { instance: { baseUrl: 'http://127.0.0.1:1/', ...(instance ? { credentials: instance } : {}) }, simulator }),
    'simulator.test.ts': pullSimulatorTestTs(n, auth.check !== '', simulator),
  }
}

/** Writes the folder; answers it and the files written. */
export async function scaffold (options: ScaffoldOptions, where?: string): Promise<{ dir: string, files: string[] }> {
  const dir = resolve(where ?? fromRoot('adapters', options.id))
  if (existsSync(dir)) throw new FolderExistsError(`${dir} exists: choose another id or --dir (nothing was written)`)
  const written = files(options, dir)
  await mkdir(dir, { recursive: true })
  for (const [name, text] of Object.entries(written)) await writeFile(join(dir, name), text, { flag: 'wx' })
  return { dir, files: Object.keys(written) }
}
