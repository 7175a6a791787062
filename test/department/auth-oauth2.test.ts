// OAuth2 client credentials against a real token endpoint: one token for concurrent requests,
// cached until shortly before it expires, fetched afresh after a reset, and the token endpoint's
// failures told apart.
import t from 'tap'
import { createDepartmentClient } from '../../src/department/client.ts'
import { DepartmentAuthError, DepartmentUnavailableError } from '../../src/adapter-sdk/index.ts'
import { departmentServer } from './auth-server.ts'

const AUTH = { type: 'oauth2-client-credentials', tokenPath: '/oauth/token' } as const
const credentials = async (): Promise<Record<string, string>> => ({ clientId: 'town', clientSecret: 's3cret' })

t.test('one token, shared, cached, and renewed after a reset', async (t) => {
  let issued = 0
  const dept = await departmentServer(t, (req) => {
    if (req.url.pathname === '/oauth/token') {
      const f = new URLSearchParams(req.body.toString())
      if (f.get('grant_type') !== 'client_credentials' || f.get('client_id') !== 'town' || f.get('client_secret') !== 's3cret') return { status: 401, body: '{}' }
      return { body: JSON.stringify({ access_token: `token-${++issued}`, expires_in: 7200 }) }
    }
    return req.headers.authorization === `Bearer token-${issued}` ? undefined : { status: 401 }
  })
  const http = createDepartmentClient({ department: 'mr', baseUrl: dept.url, timeoutMs: 2000, auth: AUTH, credentials })
  t.teardown(http.close)
  const answers = await Promise.all([1, 2, 3].map(async () => (await http.request({ path: '/api' })).status))
  t.same(answers, [200, 200, 200])
  t.equal(issued, 1, 'concurrent requests wait on one token request')
  await http.request({ path: '/api' })
  t.equal(issued, 1, 'the token is cached')
  http.resetAuth()
  t.equal((await http.request({ path: '/api' })).status, 200)
  t.equal(issued, 2, 'after a reset a new token is fetched')
})

t.test('the token endpoint refusing is an auth error; answering non-JSON is unavailability', async (t) => {
  const dept = await departmentServer(t, (req) => req.url.pathname === '/oauth/token'
    ? (req.url.searchParams.has('broken') ? { body: '<html>' } : { status: 401, body: '{"error":"invalid_client"}' })
    : undefined)
  const http = createDepartmentClient({ department: 'mr', baseUrl: dept.url, timeoutMs: 2000, auth: AUTH, credentials })
  const broken = createDepartmentClient({ department: 'mr', baseUrl: dept.url, timeoutMs: 2000, auth: { ...AUTH, tokenPath: '/oauth/token?broken=1' }, credentials })
  t.teardown(async () => { await http.close(); await broken.close() })
  t.ok(await http.request({ path: '/api' }).catch((e: unknown) => e instanceof DepartmentAuthError), 'DepartmentAuthError')
  t.ok(await broken.request({ path: '/api' }).catch((e: unknown) => e instanceof DepartmentUnavailableError), 'DepartmentUnavailableError')
})
