// HTTP basic authentication, decoded by the department on its own.
import t from 'tap'
import { createDepartmentClient } from '../../src/department/client.ts'
import { departmentServer } from './auth-server.ts'

t.test('basic: Authorization carries base64 of username:password in UTF-8', async (t) => {
  const dept = await departmentServer(t, (req) => {
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ')
    const ok = scheme === 'Basic' && Buffer.from(encoded ?? '', 'base64').toString('utf8') === '武进湟里:口令:含冒号'
    return ok ? undefined : { status: 401 }
  })
  const http = createDepartmentClient({
    department: 'basic-dept', baseUrl: dept.url, timeoutMs: 2000, auth: { type: 'basic' },
    credentials: async () => ({ username: '武进湟里', password: '口令:含冒号' }),
  })
  t.teardown(http.close)
  t.equal((await http.request({ path: '/x' })).status, 200)
  await t.rejects(http.sign(), TypeError, 'basic hands no signed values to an adapter')
})
