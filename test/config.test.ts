import t from 'tap'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseConfig, loadConfig } from '../src/config/load.ts'
import { TongbanError } from '../src/errors.ts'

const HR_INSTANCE = '  - { id: household-registration, adapter: household-registration, webhook: { secrets: ["whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ="] } }\n'
const minimal = (adapters: string): string => `towns:\n  - { code: "320412120000", name: 湟里镇 }\nadapters:\n${adapters}`

t.test('the demo and example configurations are valid', async (t) => {
  const demo = await loadConfig(new URL('../config/demo.yaml', import.meta.url).pathname, {})
  t.same(demo.adapters.map((a) => a.adapter), ['household-registration', 'market-regulation', 'civil-affairs', 'matters-exchange', 'hotline-12345', 'social-insurance', 'health-files'])
  t.equal(demo.adapters[0]!.webhook!.secrets[0], 'whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ=', 'the documented default demo secret')
  t.equal(demo.adapters[1]!.every, 15_000, 'durations are read as milliseconds')
  t.same(demo.adapters[1]!.rateLimit, { max: 8, duration: 1000 })
  const example = parseConfig(await readFile(new URL('../config/example.yaml', import.meta.url), 'utf8'), 'example.yaml', {
    HOUSEHOLD_WEBHOOK_SECRET: 'whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ=', MARKET_CLIENT_ID: 'id', MARKET_CLIENT_SECRET: 'secret', SOCIAL_INSURANCE_WEBHOOK_SECRET: 'whsec_c29jaWFsLWluc3VyYW5jZS1leGFtcGxlLXNlY3JldA==',
  })
  t.match(example.adapters[2], { adapter: 'social-insurance', credentials: 'vault', webhook: { schemes: ['v1sm3'] } }, 'a data key is kept in the vault')
  t.equal(example.towns.length, 2)
  t.equal(example.adapters[1]!.breaker.resetTimeout, 30_000)
})

t.test('environment variables are substituted', async (t) => {
  const text = minimal('  - { id: household-registration, adapter: household-registration, webhook: { secrets: ["${SECRET}"] } }')
  const config = parseConfig(text, 'x.yaml', { SECRET: 'whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ=' })
  t.equal(config.adapters[0]!.webhook!.secrets[0], 'whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ=')
  t.throws(() => parseConfig(text, 'x.yaml', {}), { code: 'TB_CONFIG_ENV_MISSING', message: /x\.yaml: adapters\[0\]\.webhook\.secrets\[0\].*SECRET/ })
})

t.test('a bad file names the path of the bad key and why', async (t) => {
  const cases: Array<[string, RegExp]> = [
    [minimal('  - { id: market-regulation, adapter: market-regulation, baseUrl: not-a-url, credentials: { clientId: a, clientSecret: b } }'), /adapters\[0\]\.baseUrl: /],
    [minimal('  - { id: household-registration, adapter: household-registration, webhook: { secrets: ["plain"] } }'), /adapters\[0\]\.webhook\.secrets\[0\]: a Standard Webhooks secret/],
    [minimal('  - { id: x1, adapter: no-such-adapter }'), /adapters\[0\]\.adapter: no adapter "no-such-adapter"/],
    [minimal('  - { id: market-regulation, adapter: market-regulation, baseUrl: "http://x", credentials: { clientId: a, clientSecret: b }, every: soon }'), /adapters\[0\]\.every: /],
    [minimal('  - { id: mr, adapter: market-regulation, baseUrl: "http://x" }'), /adapters\[0\]\.credentials: adapter market-regulation authenticates/],
    ['towns: []\nadapters: []', /towns: /],
    ['towns: [ { code: "32041212", name: x } ]\nadapters: []', /towns\[0\]\.code: a 12-digit division code/],
    ['towns: [\n', /x\.yaml is invalid/],
    [minimal(`${HR_INSTANCE}survivorship:\n  person:\n    name: [civil-affairs]\n`), /survivorship\.person\.name\[0\]: no adapter instance "civil-affairs"/],
    [minimal(`${HR_INSTANCE}survivorship:\n  person:\n    favouriteColour: latest\n`), /survivorship\.person: Unrecognized key: "favouriteColour"/],
    [minimal(`${HR_INSTANCE}survivorship:\n  person:\n    idNumber: latest\n`), /survivorship\.person: Unrecognized key: "idNumber"/],
    [minimal(`${HR_INSTANCE}survivorship:\n  person:\n    name: newest\n`), /survivorship\.person\.name: /],
    [minimal(`${HR_INSTANCE}survivorship:\n  person:\n    name: []\n`), /survivorship\.person\.name: /],
    [minimal(`${HR_INSTANCE}survivorship:\n  vehicle: {}\n`), /survivorship: /],
    [minimal('  - { id: resolution, adapter: household-registration, webhook: { secrets: ["whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ="] } }'), /instance id "resolution" is reserved/],
  ]
  for (const [text, message] of cases) {
    const err = (() => { try { parseConfig(text, 'x.yaml', {}); return undefined } catch (e) { return e } })()
    t.ok(err instanceof TongbanError, String(message))
    t.match(err, { code: 'TB_CONFIG_INVALID', message })
  }
})

t.test('survivorship rules: configuration over the defaults', async (t) => {
  const config = parseConfig(minimal(`${HR_INSTANCE}survivorship:\n  person:\n    phone: [household-registration]\n    name: latest\n`), 'x.yaml', {})
  t.same(config.survivorship, { person: { phone: ['household-registration'], name: 'latest' } })
})

t.test('outside the demo, the demo configuration\'s published secrets are refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tongban-config-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const demo = await readFile(new URL('../config/demo.yaml', import.meta.url), 'utf8')
  const file = join(dir, 'town.yaml')
  await writeFile(file, demo)
  await t.rejects(loadConfig(file, {}), { code: 'TB_CONFIG_INSECURE', message: /seedStaff\[0\]\.password/ }, 'the demo staff passwords')
  await writeFile(file, demo.replace(/password: Tongban-Demo-2026/g, 'password: Our-Own-Staff-2026'))
  await t.rejects(loadConfig(file, {}), { code: 'TB_CONFIG_INSECURE', message: /seedStaff\[0\]\.accounts\[0\]\.password/ }, "the demo staff member's department account")
  await writeFile(file, demo.replace(/^seedStaff:[\s\S]*?\n\n/m, ''))
  await t.rejects(loadConfig(file, {}), { code: 'TB_CONFIG_INSECURE', message: /adapters\[0\]\.webhook\.secrets\[0\]/ })
  await t.rejects(loadConfig(file, { TONGBAN_DEMO_HOUSEHOLD_SECRET: 'whsec_b3duLXNlY3JldC1vZi10aGUtdG93bi0xMjM0NTY=' }), { code: 'TB_CONFIG_INSECURE', message: /adapters\[1\]\.credentials\.clientSecret/ })
  const ownMarket = { TONGBAN_DEMO_HOUSEHOLD_SECRET: 'whsec_b3duLXNlY3JldC1vZi10aGUtdG93bi0xMjM0NTY=', TONGBAN_DEMO_MARKET_SECRET: 'a-secret-of-our-own' }
  await t.rejects(loadConfig(file, ownMarket), { code: 'TB_CONFIG_INSECURE', message: /adapters\[2\]\.credentials\.appSecret/ })
  const ownCivil = { ...ownMarket, TONGBAN_DEMO_CIVIL_SECRET: 'another-secret-of-our-own' }
  await t.rejects(loadConfig(file, ownCivil), { code: 'TB_CONFIG_INSECURE', message: /adapters\[3\]\.webhook\.secrets\[0\]/ }, 'the demo platform\'s case-event secret')
  const ownEvents = { ...ownCivil, TONGBAN_DEMO_MATTERS_EVENTS_SECRET: 'whsec_b3VyLW93bi1tYXR0ZXJzLWV2ZW50cy1zZWNyZXQ=' }
  await t.rejects(loadConfig(file, ownEvents), { code: 'TB_CONFIG_INSECURE', message: /adapters\[3\]\.credentials\.appSecret/ })
  const ownMatters = { ...ownEvents, TONGBAN_DEMO_MATTERS_SECRET: 'a-third-secret-of-our-own' }
  await t.rejects(loadConfig(file, ownMatters), { code: 'TB_CONFIG_INSECURE', message: /adapters\[4\]\.webhook\.secrets\[0\]/ }, 'the demo hotline\'s work-order secret')
  const ownOrders = { ...ownMatters, TONGBAN_DEMO_HOTLINE_EVENTS_SECRET: 'whsec_b3VyLW93bi1ob3RsaW5lLW9yZGVycy1zZWNyZXQ=' }
  await t.rejects(loadConfig(file, ownOrders), { code: 'TB_CONFIG_INSECURE', message: /adapters\[4\]\.credentials\.clientSecret/ })
  const ownHotline = { ...ownOrders, TONGBAN_DEMO_HOTLINE_SECRET: 'a-fourth-secret-of-our-own' }
  await t.rejects(loadConfig(file, ownHotline), { code: 'TB_CONFIG_INSECURE', message: /adapters\[5\]\.webhook\.secrets\[0\]/ }, 'the demo social-insurance secret')
  const ownSocial = { ...ownHotline, TONGBAN_DEMO_SOCIAL_SECRET: 'whsec_b3VyLW93bi1zb2NpYWwtaW5zdXJhbmNlLXNlY3JldA==' }
  await t.rejects(loadConfig(file, ownSocial), { code: 'TB_CONFIG_INSECURE', message: /adapters\[5\]\.credentials\.dataKey/ }, "the demo's SM4 data key")
  const ownKey = { ...ownSocial, TONGBAN_DEMO_SOCIAL_KEY: '00112233445566778899aabbccddeeff' }
  await t.rejects(loadConfig(file, ownKey), { code: 'TB_CONFIG_INSECURE', message: /adapters\[6\]\.credentials\.privateKey/ }, "the demo's SFTP private key")
  const demoKey = /    credentials:\n      username: hlz320412120\n      privateKey: \|\n(?: {8}.*\n)+/
  await writeFile(file, (await readFile(file, 'utf8')).replace(demoKey, '    credentials: vault\n'))
  const own = await loadConfig(file, ownKey)
  t.equal(own.adapters.length, 7, 'with secrets of its own the same file starts')
  t.equal((await loadConfig(new URL('../config/demo.yaml', import.meta.url).pathname, {})).adapters.length, 7, 'the demo itself may use them')
})

t.test('a missing file says so', async (t) => {
  await t.rejects(loadConfig('/nonexistent/tongban.yaml', {}), { code: 'TB_CONFIG_INVALID', message: /cannot be read \(ENOENT\)/ })
})
