// `tongban adapter list` and `tongban adapter new` as an integrator runs them: the real CLI in a
// child process.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { fromRoot } from '../src/paths.ts'
import { pushAdapterJs, writePackage } from './external-adapters.ts'
import { tempDir } from './helpers.ts'

t.setTimeout(600_000)

const run = promisify(execFile)

/** `tongban <args>`: its exit code and output. */
async function tongban (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', fromRoot('src', 'cli', 'main.ts'), ...args], {
      cwd: fromRoot(), env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env }, maxBuffer: 16 * 1024 * 1024,
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

const WEBHOOK = `webhook: { secrets: ["whsec_${randomBytes(24).toString('base64')}"] }`

t.test('adapter list: what the configuration loads and from where', async (t) => {
  const dir = await tempDir(t)
  await writePackage(join(dir, 'vendor', 'civil-registry'), { name: 'civil-registry', version: '0.1.0', main: 'index.js' }, { 'index.js': pushAdapterJs('civil-registry', '民政 婚姻登记') })
  await writePackage(join(dir, 'node_modules', 'elderly-care'), { name: 'elderly-care', version: '2.3.4', main: 'index.js' }, { 'index.js': pushAdapterJs('elderly-care', '卫健 养老服务') })
  const config = join(dir, 'tongban.yaml')
  await writeFile(config, [
    'towns: [{ code: "320412120000", name: 湟里镇 }]',
    'adapters:',
    `  - { id: civil-registry, path: vendor/civil-registry, ${WEBHOOK} }`,
    `  - { id: elderly-care-wujin, package: elderly-care, ${WEBHOOK} }`,
    `  - { id: elderly-care-jintan, package: elderly-care, ${WEBHOOK} }`,
    `  - { id: hr, adapter: household-registration, ${WEBHOOK} }`,
    '',
  ].join('\n'))

  const json = await tongban(['adapter', 'list', '--config', config, '--json'])
  t.equal(json.code, 0, json.stderr)
  const listed = JSON.parse(json.stdout) as Array<Record<string, any>>
  const byId = new Map(listed.map((a) => [a.id, a]))
  t.match(byId.get('civil-registry'), {
    department: { name: '民政 婚姻登记', level: 'county' }, modes: ['webhook'], produces: 'person', operations: [], instances: ['civil-registry'],
    source: { kind: 'path', file: join(dir, 'vendor', 'civil-registry', 'index.js') },
  })
  t.match(byId.get('elderly-care'), { instances: ['elderly-care-wujin', 'elderly-care-jintan'], source: { kind: 'package', name: 'elderly-care', version: '2.3.4' } })
  t.match(byId.get('household-registration'), { modes: ['webhook'], instances: ['hr'], source: { kind: 'built-in' } })
  t.match(byId.get('market-regulation'), { modes: ['pull'], produces: 'enterprise', instances: [], source: { kind: 'built-in' } }, 'built-in adapters no instance runs are listed too')

  const text = await tongban(['adapter', 'list'], { TONGBAN_CONFIG: config })
  t.equal(text.code, 0, text.stderr)
  t.match(text.stdout, /^civil-registry {2}民政 婚姻登记 \(county\)\n {2}modes {7}webhook\n {2}produces {4}person\n {2}operations {2}—\n {2}instances {3}civil-registry\n {2}from {8}path .*vendor\/civil-registry\/index\.js$/m)
  t.match(text.stdout, /^elderly-care {2}.*\n(.*\n){3} {2}instances {3}elderly-care-wujin, elderly-care-jintan\n {2}from {8}package elderly-care@2\.3\.4$/m)
  t.match(text.stdout, /^market-regulation {2}.*\n {2}modes {7}pull\n {2}produces {4}enterprise\n/m)

  await writeFile(config, `towns: [{ code: "320412120000", name: 湟里镇 }]\nadapters:\n  - { id: broken, path: nowhere, ${WEBHOOK} }\n`)
  const bad = await tongban(['adapter', 'list', '--config', config])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /TB_CONFIG_INVALID: .*adapters\[0\]\.path: .*nowhere does not exist/)
  t.equal((await tongban(['adapter', 'list', '--bogus'])).code, 2, 'a usage error')
})

t.test('adapter new: writes the folder, refuses what it cannot do', async (t) => {
  const dir = await tempDir(t)
  const where = join(dir, 'elderly-care')
  const args = ['adapter', 'new', 'elderly-care', '--mode', 'pull', '--transport', 'http-json', '--auth', 'signed-params', '--department', '卫健 养老服务', '--dir', where]
  const made = await tongban(args)
  t.equal(made.code, 0, made.stderr)
  t.match(made.stdout, `wrote ${where}: adapter.ts, data.ts, simulator.ts, demo.ts, adapter.test.ts, simulator.test.ts`)
  t.match(made.stdout, `configure an instance: { id: elderly-care, path: ${where}, … }`)
  t.match(await readFile(join(where, 'adapter.ts'), 'utf8'), /department: \{ name: '卫健 养老服务', level: 'county' \}[\s\S]*type: 'signed-params'/)

  const again = await tongban(args)
  t.equal(again.code, 1)
  t.match(again.stderr, `tongban: ${where} exists: choose another id or --dir (nothing was written)`)

  const refused = async (extra: string[], message: string | RegExp, why: string): Promise<void> => {
    const r = await tongban(['adapter', 'new', ...extra, '--dir', join(dir, 'never')])
    t.equal(r.code, 2, why)
    t.match(r.stderr, message, why)
  }
  await refused(['Elderly_Care', '--mode', 'pull', '--transport', 'http-json', '--auth', 'none'], '"Elderly_Care" is no adapter id: lowercase letters, digits and dashes', 'a bad id')
  await refused(['--mode', 'pull'], 'name the adapter: tongban adapter new <id>', 'no id')
  await refused(['x1', '--mode', 'poll', '--transport', 'http-json', '--auth', 'none'], '--mode must be one of push, pull, files (not "poll")', 'a bad mode')
  await refused(['x1', '--mode', 'pull', '--transport', 'http-json'], '--auth must be one of', 'no auth')
  await refused(['x1', '--mode', 'push', '--transport', 'http-json', '--auth', 'basic'], '--mode push --auth basic: a pushing department signs its webhooks', 'auth on a push adapter')
  await refused(['x1', '--mode', 'pull', '--transport', 'sftp', '--auth', 'none'], '--mode pull --transport sftp:', 'a transport the mode does not use')
  await refused(['x1', '--mode', 'files', '--transport', 'sftp', '--auth', 'basic'], '--mode files --transport sftp: the scaffold writes a local directory drop', 'an SFTP drop')
  t.notOk(existsSync(join(dir, 'never')), 'nothing written when refused')
})
