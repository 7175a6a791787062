// hmac-headers against departments that check the signature with node:crypto on their own: the
// matters-exchange scheme (HMAC-SM3 over appId, timestamp, nonce, method, path and body) and an
// HMAC-SHA256 scheme over the body's hash.
import t from 'tap'
import { createHash, createHmac } from 'node:crypto'
import { createDepartmentClient } from '../../src/department/client.ts'
import type { HmacHeadersAuth } from '../../src/adapter-sdk/index.ts'
import { departmentServer } from './auth-server.ts'

const APP_ID = 'T320412120'
const APP_SECRET = 'zwfw-app-secret'
const credentials = async (): Promise<Record<string, string>> => ({ appId: APP_ID, appSecret: APP_SECRET })

t.test('matters exchange: x-sign = hex HMAC-SM3 of appId\\ntimestamp\\nnonce\\nMETHOD\\npath\\nbody', async (t) => {
  const auth: HmacHeadersAuth = {
    type: 'hmac-headers', algorithm: 'hmac-sm3', encoding: 'hex', timestamp: 'unix-ms',
    canonical: ['appId', 'timestamp', 'nonce', 'method', 'path', 'body'], separator: '\n',
    headers: { appId: 'x-app-id', timestamp: 'x-timestamp', nonce: 'x-nonce', signature: 'x-sign' },
  }
  const seen = new Set<string>()
  const dept = await departmentServer(t, (req) => {
    const h = req.headers as Record<string, string>
    const stale = Math.abs(Number(h['x-timestamp']) - Date.now()) > 5 * 60_000
    const reused = seen.has(h['x-nonce']!) || !/^[0-9a-f]{16,32}$/.test(h['x-nonce'] ?? '')
    seen.add(h['x-nonce']!)
    const expected = createHmac('sm3', APP_SECRET)
      .update(`${h['x-app-id']}\n${h['x-timestamp']}\n${h['x-nonce']}\n${req.method}\n${req.url.pathname}\n`).update(req.body).digest('hex')
    if (h['x-sign'] !== expected) return { body: '{"code":"1001","msg":"bad signature"}' }
    if (stale || reused) return { body: '{"code":"1002"}' }
    return { body: '{"code":"0","msg":"ok","data":{"received":true}}' }
  })
  const http = createDepartmentClient({ department: 'matters-exchange', baseUrl: dept.url, timeoutMs: 2000, auth, credentials })
  t.teardown(http.close)
  t.same(await http.json({ path: '/api/v1/projects/accept', json: { projectNo: 'P1', applicant: { name: '李䶮' } } }), { code: '0', msg: 'ok', data: { received: true } }, 'POST with a body')
  t.same(await http.json({ path: '/api/v1/tasks', query: { areaCode: '320412120' } }), { code: '0', msg: 'ok', data: { received: true } }, 'GET without a body')
  t.equal(dept.received[0]!.headers['x-app-id'], APP_ID)
  t.not(dept.received[0]!.headers['x-nonce'], dept.received[1]!.headers['x-nonce'], 'never the same nonce')
})

t.test('HMAC-SHA256 over method, path with query, timestamp and the body\'s SHA-256, base64', async (t) => {
  const auth: HmacHeadersAuth = {
    type: 'hmac-headers', algorithm: 'hmac-sha256', encoding: 'base64', timestamp: 'unix-s',
    canonical: ['method', 'path', 'query', 'timestamp', 'nonce', 'body-sha256'], separator: '\n',
    headers: { appId: 'x-ca-key', timestamp: 'x-ca-timestamp', nonce: 'x-ca-nonce', signature: 'x-ca-signature' },
  }
  const dept = await departmentServer(t, (req) => {
    const h = req.headers as Record<string, string>
    const bodyHash = createHash('sha256').update(req.body).digest('hex')
    const expected = createHmac('sha256', APP_SECRET)
      .update([req.method, req.url.pathname, req.url.search.slice(1), h['x-ca-timestamp'], h['x-ca-nonce'], bodyHash].join('\n')).digest('base64')
    return h['x-ca-signature'] === expected && /^\d{10}$/.test(h['x-ca-timestamp'] ?? '') ? undefined : { status: 401 }
  })
  const http = createDepartmentClient({ department: 'hotline', baseUrl: `${dept.url}/gw`, timeoutMs: 2000, auth, credentials })
  t.teardown(http.close)
  t.equal((await http.request({ path: '/api/orders/GD2026112000123/sign', query: { v: 2 }, json: { signer: '王芳', time: '2026-11-20 09:31:05' } })).status, 200, 'the base path is part of the signed path')
  t.equal((await http.request({ path: '/api/orders', form: { page: '1' } })).status, 200, 'a form body is signed as sent')
})
