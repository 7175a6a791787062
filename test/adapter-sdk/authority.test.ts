// Adapters declare the fields they are the authority for; the survivorship defaults come from the
// loaded adapters, and the configuration's `survivorship:` still overrides them field by field.
import t from 'tap'
import householdRegistration from '../../adapters/household-registration/adapter.ts'
import marketRegulation from '../../adapters/market-regulation/adapter.ts'
import type { AdapterDefinition } from '../../src/adapter-sdk/index.ts'
import { parseConfig } from '../../src/config/load.ts'
import { createLogger } from '../../src/log.ts'
import { createPlatform } from '../../src/platform.ts'
import type { Db } from '../../src/store/db.ts'
import { defaultSurvivorship, survivorshipRules } from '../../src/unify/survivorship.ts'
import { freshRedis } from '../helpers.ts'

t.test('the household register declares what the README says it is the authority for', async (t) => {
  t.same(householdRegistration.authority, ['name', 'gender', 'birthDate', 'address'])
  t.equal((marketRegulation as AdapterDefinition).authority, undefined, 'market regulation claims nothing: its fields are latest')
  t.same(defaultSurvivorship([{ instance: 'household-registration', kind: 'person', fields: householdRegistration.authority }]), {
    person: { name: ['household-registration'], gender: ['household-registration'], birthDate: ['household-registration'], address: ['household-registration'] },
    enterprise: {},
  })
})

t.test('several instances claiming a field rank in configuration order; configuration overrides', async (t) => {
  const authorities = [
    { instance: 'hr-north', kind: 'person', fields: ['name', 'address'] },
    { instance: 'mr', kind: 'enterprise', fields: [] },
    { instance: 'hr-south', kind: 'person', fields: ['name'] },
  ] as const
  t.same(defaultSurvivorship(authorities), { person: { name: ['hr-north', 'hr-south'], address: ['hr-north'] }, enterprise: {} })
  t.same(survivorshipRules({ person: { name: 'latest', phone: ['hr-south'] } }, authorities), {
    person: { name: 'latest', address: ['hr-north'], phone: ['hr-south'] },
    enterprise: {},
  })
})

t.test('the platform takes the defaults from its configured instances, disabled ones included', async (t) => {
  const secrets = 'webhook: { secrets: ["whsec_dG9uZ2Jhbi1kZW1vLWhvdXNlaG9sZC1zZWNyZXQ="] }'
  const config = parseConfig([
    'towns:\n  - { code: "320412120000", name: 湟里镇 }',
    'adapters:',
    `  - { id: hr-city, adapter: household-registration, ${secrets} }`,
    `  - { id: hr-old, adapter: household-registration, enabled: false, ${secrets} }`,
    '  - { id: mr, adapter: market-regulation, baseUrl: "http://127.0.0.1:1", credentials: { clientId: a, clientSecret: b } }',
    'survivorship:\n  person:\n    gender: latest\n  enterprise:\n    name: [mr]',
  ].join('\n'), 'x.yaml', {})
  const platform = createPlatform({ config, db: {} as Db, redisUrl: await freshRedis(t, 11), logger: createLogger({ level: 'silent' }) })
  t.teardown(async () => { await platform.close() })
  t.same(platform.survivorship, {
    person: { name: ['hr-city', 'hr-old'], birthDate: ['hr-city', 'hr-old'], address: ['hr-city', 'hr-old'], gender: 'latest' },
    enterprise: { name: ['mr'] },
  })
})
