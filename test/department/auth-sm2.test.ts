// SM2 request signatures checked by the department with sm-crypto-v2 (an independent
// implementation), signer ID 1234567812345678 unless declared, over the request parts the spec lists.
import t from 'tap'
import { sm2 as lib, sm3 as libSm3 } from 'sm-crypto-v2'
import { createDepartmentClient } from '../../src/department/client.ts'
import type { Sm2Auth } from '../../src/adapter-sdk/index.ts'
import { departmentServer, type Received } from './auth-server.ts'

const keys = lib.generateKeyPairHex()
const credentials = async (): Promise<Record<string, string>> => ({ appId: 'T320412120', privateKey: keys.privateKey })
const declare = (encoding: Sm2Auth['encoding'], userId?: string): Sm2Auth => ({
  type: 'sm2', encoding, timestamp: 'yyyyMMddHHmmss', ...(userId ? { userId } : {}),
  canonical: ['appId', 'timestamp', 'nonce', 'method', 'path', 'body-sm3'], separator: '&',
  headers: { appId: 'x-app-id', timestamp: 'x-timestamp', nonce: 'x-nonce', signature: 'x-signature' },
})

function verifies (req: Received, userId: string): boolean {
  const h = req.headers as Record<string, string>
  const signed = `${h['x-app-id']}&${h['x-timestamp']}&${h['x-nonce']}&${req.method}&${req.url.pathname}&${libSm3(new Uint8Array(req.body))}`
  const raw = h['x-signature'] ?? ''
  const signature = /^[0-9a-f]{128}$/.test(raw) ? raw : Buffer.from(raw, 'base64').toString('hex')
  return lib.doVerifySignature(new TextEncoder().encode(signed), signature, keys.publicKey, { hash: true, userId })
}

t.test('SM2 signature in headers, verified with the public key and the default signer ID', async (t) => {
  const dept = await departmentServer(t, (req) => verifies(req, '1234567812345678') ? undefined : { status: 401 })
  const http = createDepartmentClient({ department: 'sm2-dept', baseUrl: dept.url, timeoutMs: 2000, auth: declare('hex'), credentials })
  t.teardown(http.close)
  t.equal((await http.request({ path: '/api/query', json: { sfzh: '320412198001011234', xm: '李䶮' } })).status, 200, 'POST, JSON body')
  t.equal((await http.request({ path: '/api/query' })).status, 200, 'GET, no body')
  t.match(dept.received[0]!.headers['x-signature'], /^[0-9a-f]{128}$/, 'r || s in hex')
  t.match(dept.received[0]!.headers['x-timestamp'], /^\d{14}$/)
})

t.test('a declared signer ID and base64 encoding; another signer ID does not verify', async (t) => {
  const dept = await departmentServer(t, (req) => verifies(req, 'T320412120@mz') ? undefined : { status: 401 })
  const good = createDepartmentClient({ department: 'sm2-dept', baseUrl: dept.url, timeoutMs: 2000, auth: declare('base64', 'T320412120@mz'), credentials })
  const other = createDepartmentClient({ department: 'sm2-dept', baseUrl: dept.url, timeoutMs: 2000, auth: declare('base64'), credentials })
  t.teardown(async () => { await good.close(); await other.close() })
  t.equal((await good.request({ path: '/api/query', form: { sfzh: '320412198001011234' } })).status, 200)
  t.equal((await other.request({ path: '/api/query', form: { sfzh: '320412198001011234' } })).status, 401, 'Z_A depends on the signer ID')
})

t.test('a private key that is not 64 hex digits is refused before anything is sent', async (t) => {
  const dept = await departmentServer(t, () => undefined)
  const http = createDepartmentClient({ department: 'sm2-dept', baseUrl: dept.url, timeoutMs: 2000, auth: declare('hex'), credentials: async () => ({ appId: 'a', privateKey: 'not-a-key' }) })
  t.teardown(http.close)
  const err = await http.request({ path: '/api/query' }).catch((e: Error) => e)
  t.match(err, { code: 'TB_DEPARTMENT_AUTH', message: /privateKey: an SM2 private key: 64 hex digits/ })
  t.notMatch((err as Error).message, /not-a-key/, 'the value is not echoed')
  t.equal(dept.received.length, 0)
})
