// Adapters from outside the repository: `path:` to a folder and `package:` from a node_modules
// beside the configuration, loaded with the configuration, checked, and run by the real gateway.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { BUILT_IN_ADAPTERS } from '../src/config/adapters.ts'
import { loadConfig, parseConfig } from '../src/config/load.ts'
import { fromRoot } from '../src/paths.ts'
import { startGateway } from '../src/runtime/gateway.ts'
import { residentIdCheckChar } from '../src/adapter-sdk/testkit/check-characters.ts'
import { pushAdapterJs, writePackage } from './external-adapters.ts'
import { captureLogger, eventually, freshRedis, operatorAuth, postSignedWebhook, tempDir } from './helpers.ts'

const idNumber = (n: number): string => {
  const first17 = `32041219800101${String(n).padStart(3, '0')}`
  return first17 + residentIdCheckChar(first17)
}

const TOWNS = 'towns: [{ code: "320412120000", name: 湟里镇 }]\n'
const SECRET = `whsec_${randomBytes(24).toString('base64')}`
const WEBHOOK = `webhook: { secrets: ["${SECRET}"] }`

async function configIn (dir: string, adapters: string): Promise<string> {
  const file = join(dir, 'tongban.yaml')
  await writeFile(file, `${TOWNS}adapters:\n${adapters}`)
  return file
}

t.test('a folder and a package beside the configuration run through the gateway', async (t) => {
  const dir = await tempDir(t)
  await writePackage(join(dir, 'vendor', 'civil-registry'), { name: 'civil-registry', version: '0.1.0', main: 'index.js' }, { 'index.js': pushAdapterJs('civil-registry', '民政 婚姻登记') })
  await writePackage(join(dir, 'node_modules', '@county', 'elderly-care'), { name: '@county/elderly-care', version: '2.3.4', exports: { '.': { import: './lib/adapter.js' } } }, { 'lib/adapter.js': pushAdapterJs('elderly-care', '卫健 养老服务') })
  const file = await configIn(dir, [
    `  - { id: civil-registry, path: vendor/civil-registry, ${WEBHOOK} }`,
    `  - { id: elderly-care-wujin, package: "@county/elderly-care", adapter: elderly-care, ${WEBHOOK} }`,
    `  - { id: household-registration, adapter: household-registration, ${WEBHOOK} }`,
  ].join('\n'))

  const config = await loadConfig(file, {})
  t.same(config.adapters.map((a) => a.adapter), ['civil-registry', 'elderly-care', 'household-registration'], 'each instance names its loaded adapter')
  t.match(config.loadedAdapters?.get('civil-registry')?.source, { kind: 'path', file: join(dir, 'vendor', 'civil-registry', 'index.js') })
  t.match(config.loadedAdapters?.get('elderly-care')?.source, { kind: 'package', name: '@county/elderly-care', version: '2.3.4' })
  t.match(config.loadedAdapters?.get('household-registration')?.source, { kind: 'built-in' })

  const { logger } = captureLogger()
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), configPath: file, redisUrl: await freshRedis(t, 21), databaseUrl: undefined, adminToken: 'test-admin-token-0123456789',
  }, { config, logger })
  t.teardown(gateway.stop)
  const auth = await operatorAuth(gateway.url)

  for (const [instance, n, name] of [['civil-registry', 1, '张三'], ['elderly-care-wujin', 2, '李四']] as const) {
    const msgId = `msg-${instance}-${Date.now()}`
    const res = await postSignedWebhook(gateway.url, instance, { msgId, records: [{ SFZH: idNumber(n), XM: name }] } as { msgId: string }, SECRET)
    t.equal(res.status, 202, `${instance} accepts a signed webhook`)
    const person = await eventually(async () => {
      const r = await fetch(`${gateway.url}/api/v1/persons/${idNumber(n)}`, { headers: auth })
      return r.status === 200 ? await r.json() as Record<string, any> : undefined
    })
    t.match(person, { idNumber: idNumber(n), name }, `${instance}'s record is unified`)
    t.same(person.provenance.name.adapter, instance)
  }
})

t.test('what is loaded is checked, and errors name the file or package', async (t) => {
  const dir = await tempDir(t)
  const rejects = async (adapters: string, message: RegExp, why: string): Promise<void> => {
    await t.rejects(loadConfig(await configIn(dir, adapters), {}), { code: 'TB_CONFIG_INVALID', message }, why)
  }
  await writePackage(join(dir, 'not-an-adapter'), { name: 'not-an-adapter', main: 'index.js' }, { 'index.js': 'export const answer = 42\n' })
  await rejects(`  - { id: xx, path: not-an-adapter, ${WEBHOOK} }`, /adapters\[0\]\.path: .*not-an-adapter\/index\.js: does not default-export an adapter/, 'a module without an adapter')

  await writePackage(join(dir, 'bad-field'), { name: 'bad-field', main: 'index.js' }, { 'index.js': pushAdapterJs('bad-field', '某部门').replace("['name', personName]", "['nmae', personName]") })
  await rejects(`  - { id: xx, path: bad-field, ${WEBHOOK} }`, /bad-field\/index\.js cannot be imported \(TypeError: adapter bad-field: field XM maps to nmae, which is no person field\)/, "defineAdapter's checks")

  await writePackage(join(dir, 'broken'), { name: 'broken', main: 'index.js' }, { 'index.js': 'export default {\n' })
  await rejects(`  - { id: xx, path: broken, ${WEBHOOK} }`, /adapters\[0\]\.path: .*broken\/index\.js cannot be imported \(SyntaxError/, 'a module that does not parse')

  await rejects(`  - { id: xx, path: nowhere, ${WEBHOOK} }`, /adapters\[0\]\.path: .*\/nowhere does not exist/, 'relative to the configuration file')
  await rejects(`  - { id: xx, package: no-such-package, ${WEBHOOK} }`, /adapters\[0\]\.package: cannot find package "no-such-package" from /, 'a package that is not installed')

  await writePackage(join(dir, 'impostor'), { name: 'impostor', main: 'index.js' }, { 'index.js': pushAdapterJs('household-registration', '冒名') })
  await rejects(`  - { id: xx, path: impostor, ${WEBHOOK} }`, /adapters\[0\]\.path: path .*impostor\/index\.js defines the adapter "household-registration", which built-in defines too/, 'an id taken by a built-in adapter')
  await writePackage(join(dir, 'twin'), { name: 'twin', main: 'index.js' }, { 'index.js': pushAdapterJs('civil-registry', '民政') })
  await writePackage(join(dir, 'civil-registry'), { name: 'civil-registry', main: 'index.js' }, { 'index.js': pushAdapterJs('civil-registry', '民政') })
  await rejects(`  - { id: aa, path: civil-registry, ${WEBHOOK} }\n  - { id: bb, path: twin, ${WEBHOOK} }`, /adapters\[1\]\.path: .*twin\/index\.js defines the adapter "civil-registry", which path .*civil-registry\/index\.js defines too/, 'two sources of one id')
  t.equal((await loadConfig(await configIn(dir, `  - { id: aa, path: civil-registry, ${WEBHOOK} }\n  - { id: bb, path: ./civil-registry/, ${WEBHOOK} }`), {})).loadedAdapters?.size, BUILT_IN_ADAPTERS.size + 1, 'two instances of one folder load it once')

  const builtInFolder = await loadConfig(await configIn(dir, `  - { id: aa, path: ${fromRoot('adapters', 'household-registration')}, ${WEBHOOK} }`), {})
  t.match(builtInFolder.loadedAdapters.get('household-registration')?.source, { kind: 'built-in' }, "a path to a built-in adapter's own folder is that adapter")
  await rejects(`  - { id: aa, path: civil-registry, adapter: elderly-care, ${WEBHOOK} }`, /adapters\[0\]\.adapter: path .* defines the adapter "civil-registry", not "elderly-care"/, 'adapter: beside path: must agree')
  await rejects('  - { id: aa, path: civil-registry }', /adapters\[0\]\.webhook: a pushing department needs webhook\.secrets/, "the adapter's instance schema applies")
  await rejects(`  - { id: aa, path: civil-registry, package: civil-registry, ${WEBHOOK} }`, /adapters\[0\]\.package: path or package, not both/, 'one source')
  await rejects(`  - { id: aa, ${WEBHOOK} }`, /adapters\[0\]\.adapter: name the adapter/, 'some source')

  t.throws(() => parseConfig(`${TOWNS}adapters:\n  - { id: aa, path: civil-registry, ${WEBHOOK} }\n`, 'x.yaml', {}),
    { code: 'TB_CONFIG_INVALID', message: /adapters\[0\]\.path: an adapter from a path or package is loaded with the configuration file/ }, 'parsing text alone loads nothing')
})
