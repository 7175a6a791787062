// A staff member's department account placed as an operation declares it, over real HTTP: in the
// query or the form of every request, or beside the signed values sign() returns; the password as
// the department wants it (plain, or a digest in hex, HEX or base64), never part of the signature.
import t from 'tap'
import { createHash } from 'node:crypto'
import type { StaffAccountPlacement } from '../../src/adapter-sdk/index.ts'
import { startSimServer, type SimRequest } from '../../src/adapter-sdk/testkit/index.ts'
import { createDepartmentClient } from '../../src/department/client.ts'
import { withStaffAccount } from '../../src/department/staff-account.ts'

const ACCOUNT = { username: 'czy0412', password: 'Op-Pass-2026' }
const digest = (algorithm: string, encoding: 'hex' | 'base64'): string => createHash(algorithm).update(ACCOUNT.password).digest(encoding)

t.test('the staff account where the operation declares it', async (t) => {
  const seen: Array<{ query: Record<string, string>, form: Record<string, string> }> = []
  const record = (req: SimRequest) => {
    seen.push({ query: Object.fromEntries(req.query), form: req.body.length > 0 ? Object.fromEntries(req.form()) : {} })
    return { json: {} }
  }
  const sim = await startSimServer({ routes: { 'GET /q': record, 'POST /f': record } })
  t.teardown(sim.close)
  const http = createDepartmentClient({
    department: 'test',
    baseUrl: sim.url,
    timeoutMs: 2000,
    auth: { type: 'signed-params', algorithm: 'md5', encoding: 'HEX', timestamp: 'unix-s', canonical: ['appId', 'timestamp', 'params', 'secret'], names: { appId: 'appId', timestamp: 'ts', sign: 'sign' }, placement: 'query' },
    credentials: async () => ({ appId: 'T1', appSecret: 'secret' }),
  })
  t.teardown(http.close)
  const as = (placement: StaffAccountPlacement['placement'], passwordDigest: StaffAccountPlacement['passwordDigest']) =>
    withStaffAccount(http, { names: { username: 'user', password: 'pwd' }, passwordDigest, placement }, ACCOUNT)

  await as('query', { algorithm: 'sha256', encoding: 'base64' }).json({ path: '/q', query: { sfzh: '1' }, signed: { sfzh: '1' } })
  t.match(seen.at(-1)!.query, { sfzh: '1', user: ACCOUNT.username, pwd: digest('sha256', 'base64'), appId: 'T1' }, 'query: SHA-256 in base64, beside the signed values')
  const { ts, sign } = seen.at(-1)!.query
  t.equal(sign, createHash('md5').update(`T1${ts!}1secret`).digest('hex').toUpperCase(), 'the account is not part of the signature')

  await as('form', { algorithm: 'sm3', encoding: 'hex' }).request({ method: 'POST', path: '/f', form: { sfzh: '2' } })
  t.match(seen.at(-1)!.form, { sfzh: '2', user: ACCOUNT.username, pwd: digest('sm3', 'hex') }, 'form: SM3 in lowercase hex')

  await as('query', 'plain').request({ path: '/q' })
  t.match(seen.at(-1)!.query, { pwd: ACCOUNT.password }, 'plain: as kept')

  await t.rejects(as('form', 'plain').request({ method: 'POST', path: '/f', json: { a: 1 } }), TypeError, 'a form placement refuses a JSON request')

  const bodyHttp = as('body', { algorithm: 'md5', encoding: 'HEX' })
  t.match(await bodyHttp.sign!({ sfzh: '3' }), { appId: 'T1', sign: /^[0-9A-F]{32}$/, user: ACCOUNT.username, pwd: digest('md5', 'hex').toUpperCase() }, 'body: returned by sign() with the signed values')
  await bodyHttp.request({ path: '/q' })
  t.notOk('user' in seen.at(-1)!.query, 'body: nothing added to the request itself')
})
