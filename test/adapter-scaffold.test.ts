// `tongban adapter new`: for each mode and auth it offers, the folder it writes typechecks and its
// tests pass at once — the field map, the simulator and the conformance kit against the
// simulator. The folders are written outside the repository (--dir), beside a node_modules.
import { execFile } from 'node:child_process'
import { readdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { fromRoot } from '../src/paths.ts'
import { scaffold } from '../src/cli/scaffold/index.ts'
import type { ScaffoldOptions } from '../src/cli/scaffold/options.ts'
import { tempDir } from './helpers.ts'

t.setTimeout(1_200_000)

const run = promisify(execFile)

const VARIANTS: Array<Omit<ScaffoldOptions, 'department'>> = [
  { id: 'push-json', mode: 'push', transport: 'http-json', auth: 'none' },
  { id: 'push-xml', mode: 'push', transport: 'http-xml', auth: 'none' },
  { id: 'pull-oauth2', mode: 'pull', transport: 'http-json', auth: 'oauth2-client-credentials' },
  { id: 'pull-signed-params', mode: 'pull', transport: 'http-json', auth: 'signed-params' },
  { id: 'pull-hmac-headers', mode: 'pull', transport: 'http-json', auth: 'hmac-headers' },
  { id: 'pull-sm2', mode: 'pull', transport: 'http-json', auth: 'sm2' },
  { id: 'pull-basic', mode: 'pull', transport: 'http-json', auth: 'basic' },
  { id: 'pull-open', mode: 'pull', transport: 'http-json', auth: 'none' },
  { id: 'files-local', mode: 'files', transport: 'local', auth: 'none' },
]

/** Runs a command to its end; its output is the failure message when it does not exit 0. */
async function succeeds (t: Test, what: string, file: string, args: string[]): Promise<void> {
  try {
    await run(file, args, { cwd: fromRoot(), maxBuffer: 64 * 1024 * 1024, timeout: 600_000 })
    t.pass(what)
  } catch (err) {
    const e = err as { stdout?: string, stderr?: string, message: string }
    t.fail(what, { output: `${e.stdout ?? ''}\n${e.stderr ?? e.message}` })
  }
}

t.test('every scaffold typechecks and passes its own tests', async (t) => {
  const root = await tempDir(t)
  await symlink(fromRoot('node_modules'), join(root, 'node_modules'))
  await writeFile(join(root, 'package.json'), JSON.stringify({ type: 'module' }))
  for (const v of VARIANTS) {
    const { dir, files } = await scaffold({ ...v, department: `${v.id} 测试部门` }, join(root, v.id))
    t.same([...files].sort(), ['adapter.test.ts', 'adapter.ts', 'data.ts', 'demo.ts', 'simulator.test.ts', 'simulator.ts'], `${v.id}: the folder's files`)
    t.same((await readdir(dir)).sort(), [...files].sort(), `${v.id}: nothing else`)
  }
  await writeFile(join(root, 'tsconfig.json'), JSON.stringify({
    extends: fromRoot('tsconfig.json'),
    compilerOptions: { rootDir: '/', noEmit: true },
    include: VARIANTS.map((v) => v.id),
  }))
  await succeeds(t, 'tsc --noEmit on the scaffolds', process.execPath, [fromRoot('node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')])
  for (const v of VARIANTS) {
    for (const test of ['simulator.test.ts', 'adapter.test.ts']) {
      await succeeds(t, `${v.id}/${test} passes`, process.execPath, ['--import', 'tsx', join(root, v.id, test)])
    }
  }
})
