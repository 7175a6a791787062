// A department's own JSON token call against a real server: the credentials under the department's
// names, the token and its lifetime read at the declared paths, one token for concurrent requests,
// renewed after a reset, and an answer without a token told apart from one that is not JSON.
import t from 'tap'
import { createDepartmentClient } from '../../src/department/client.ts'
import { DepartmentAuthError, DepartmentUnavailableError, type JsonTokenAuth } from '../../src/adapter-sdk/index.ts'
import { departmentServer } from './auth-server.ts'

const AUTH: JsonTokenAuth = { type: 'json-token', tokenPath: '/api/token', names: { clientId: 'appKey', clientSecret: 'appSecret' }, answer: { token: 'data.token', expiresIn: 'data.expiresIn' } }
const credentials = async (): Promise<Record<string, string>> => ({ clientId: 'town', clientSecret: 's3cret' })

t.test('one token from the JSON call, shared, cached, and renewed after a reset', async (t) => {
  let issued = 0
  const dept = await departmentServer(t, (req) => {
    if (req.url.pathname === '/api/token') {
      const body = JSON.parse(req.body.toString()) as Record<string, unknown>
      if (req.headers['content-type']?.startsWith('application/json') !== true || body.appKey !== 'town' || body.appSecret !== 's3cret') return { body: '{"success":false,"errCode":"E_AUTH"}' }
      return { body: JSON.stringify({ success: true, data: { token: `token-${++issued}`, expiresIn: 7200 } }) }
    }
    return req.headers.authorization === `Bearer token-${issued}` ? undefined : { status: 401 }
  })
  const http = createDepartmentClient({ department: 'hotline', baseUrl: dept.url, timeoutMs: 2000, auth: AUTH, credentials })
  t.teardown(http.close)
  t.same(await Promise.all([1, 2, 3].map(async () => (await http.request({ path: '/api' })).status)), [200, 200, 200])
  t.equal(issued, 1, 'concurrent requests wait on one token call')
  await http.request({ path: '/api' })
  t.equal(issued, 1, 'the token is cached')
  http.resetAuth()
  t.equal((await http.request({ path: '/api' })).status, 200)
  t.equal(issued, 2, 'after a reset a new token is fetched')
})

t.test('an answer without a token is an auth error; an answer that is not JSON is unavailability', async (t) => {
  const dept = await departmentServer(t, (req) => req.url.pathname === '/api/token'
    ? (req.url.searchParams.has('broken') ? { body: '<html>' } : { body: '{"success":false,"errCode":"E_AUTH","errMsg":"认证失败"}' })
    : undefined)
  const http = createDepartmentClient({ department: 'hotline', baseUrl: dept.url, timeoutMs: 2000, auth: AUTH, credentials })
  const broken = createDepartmentClient({ department: 'hotline', baseUrl: dept.url, timeoutMs: 2000, auth: { ...AUTH, tokenPath: '/api/token?broken=1' }, credentials })
  t.teardown(async () => { await http.close(); await broken.close() })
  const refused = await http.request({ path: '/api' }).catch((e: unknown) => e)
  t.ok(refused instanceof DepartmentAuthError, 'DepartmentAuthError')
  t.match((refused as Error).message, /without a token at data\.token/)
  t.ok(await broken.request({ path: '/api' }).catch((e: unknown) => e instanceof DepartmentUnavailableError), 'DepartmentUnavailableError')
})
