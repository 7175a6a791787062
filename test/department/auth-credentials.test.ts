// Credentials in the configuration: checked against the adapter's strategy at start-up, and which
// fields are secrets (a published secret is refused by these, never an identifier such as an app id).
import t from 'tap'
import { AUTH_CREDENTIALS, secretCredentials } from '../../src/adapter-sdk/index.ts'
import { parseConfig } from '../../src/config/load.ts'

t.test('secret credential fields, per strategy', async (t) => {
  t.same(secretCredentials({ clientId: 'town', clientSecret: 's' }), [['clientSecret', 's']])
  t.same(secretCredentials({ appId: 'T320412120', appSecret: 'a' }), [['appSecret', 'a']])
  t.same(secretCredentials({ appId: 'T320412120', privateKey: 'k' }), [['privateKey', 'k']])
  t.same(secretCredentials({ username: 'u', password: 'p' }), [['password', 'p']])
  t.same(secretCredentials('vault'), [])
  t.same(secretCredentials(undefined), [])
  t.same(secretCredentials({ username: 'u', privateKey: 'k', passphrase: 'p' }), [['privateKey', 'k'], ['passphrase', 'p']])
  t.same(Object.keys(AUTH_CREDENTIALS).sort(), ['basic', 'hmac-headers', 'json-token', 'oauth2-client-credentials', 'sftp-key', 'signed-params', 'sm2'], 'one credential shape per strategy')
})

t.test('credentials in the configuration file are checked against the adapter\'s strategy at start-up', async (t) => {
  const config = (credentials: string): string => `towns:\n  - { code: "320412120000", name: 湟里镇 }\nadapters:\n  - { id: mr, adapter: market-regulation, baseUrl: "http://x", credentials: ${credentials} }\n`
  t.throws(() => parseConfig(config('{ appId: a, appSecret: b }'), 'x.yaml', {}), {
    code: 'TB_CONFIG_INVALID',
    message: /adapters\[0\]\.credentials\.clientId: oauth2-client-credentials needs clientId and clientSecret/,
  })
  t.throws(() => parseConfig(config('{ clientId: a }'), 'x.yaml', {}), { message: /adapters\[0\]\.credentials\.clientSecret: / })
  t.equal(parseConfig(config('{ clientId: a, clientSecret: b }'), 'x.yaml', {}).adapters.length, 1)
  t.equal(parseConfig(config('vault'), 'x.yaml', {}).adapters.length, 1, 'from the vault: checked at each use')
})
