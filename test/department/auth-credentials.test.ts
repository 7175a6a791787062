// Which credential fields are secrets: the configuration refuses a published secret by these, and
// never an identifier such as an app id.
import t from 'tap'
import { AUTH_CREDENTIALS, secretCredentials } from '../../src/adapter-sdk/index.ts'

t.test('secret credential fields, per strategy', async (t) => {
  t.same(secretCredentials({ clientId: 'town', clientSecret: 's' }), [['clientSecret', 's']])
  t.same(secretCredentials({ appId: 'T320412120', appSecret: 'a' }), [['appSecret', 'a']])
  t.same(secretCredentials({ appId: 'T320412120', privateKey: 'k' }), [['privateKey', 'k']])
  t.same(secretCredentials({ username: 'u', password: 'p' }), [['password', 'p']])
  t.same(secretCredentials('vault'), [])
  t.same(secretCredentials(undefined), [])
  t.same(Object.keys(AUTH_CREDENTIALS).sort(), ['basic', 'hmac-headers', 'oauth2-client-credentials', 'signed-params', 'sm2'], 'one credential shape per strategy')
})
