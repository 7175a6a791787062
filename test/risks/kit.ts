// A gateway for the risk report tests: two towns of 武进区 with their villages, a department whose
// liaison and system token must be refused everywhere, and API tokens of each role.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { startGateway } from '../../src/runtime/gateway.ts'
import { BOOTSTRAP_TOKEN, captureLogger, freshPostgresUrl, freshRedis, operatorAuth, tempDir } from '../helpers.ts'

interface Teardown { teardown: (fn: () => unknown) => void }

export const TOWN = '320412120000'
export const OTHER_TOWN = '320412102000'
export const VILLAGE = '320412120201'
export const OTHER_VILLAGE = '320412120202'
export const DEPARTMENT = 'wj-urban'
const PASSWORD = 'Risks-Liaison-2026'

export async function startRisksGateway (t: Teardown, opts: { redisIndex: number, store: 'postgres' | 'pglite', extra?: string }) {
  const dir = await tempDir(t)
  const file = join(dir, 'tongban.yaml')
  await writeFile(file, `towns:
  - code: "${TOWN}"
    name: 湟里镇
    villages: [{ code: "${VILLAGE}", name: 湟里村 }, { code: "${OTHER_VILLAGE}", name: 东安村 }]
  - code: "${OTHER_TOWN}"
    name: 雪堰镇
    villages: [{ code: "320412102201", name: 雪堰村 }]
adapters: []
whistles:
  departments: [{ code: ${DEPARTMENT}, name: 区城管局, county: "320412" }]
${opts.extra ?? ''}
`)
  const config = await loadConfig(file, {})
  const { logger } = captureLogger()
  const databaseUrl = opts.store === 'postgres' ? await freshPostgresUrl(t) : undefined
  const dataDir = join(dir, 'data')
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir, configPath: file, redisUrl: await freshRedis(t, opts.redisIndex), databaseUrl, adminToken: BOOTSTRAP_TOKEN,
  }, { config, logger })
  t.teardown(gateway.stop)
  const base = gateway.url
  const auth = async (roles: string[], town = TOWN): Promise<Record<string, string>> => await operatorAuth(base, { roles, town })
  /** A department system's API token (department-liaison of DEPARTMENT). */
  const departmentToken = async (): Promise<Record<string, string>> => {
    const res = await fetch(`${base}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `dept-${randomBytes(4).toString('hex')}`, roles: ['department-liaison'], town: TOWN, department: DEPARTMENT }),
    })
    if (res.status !== 201) throw new Error(`creating a department token: ${res.status} ${await res.text()}`)
    return { authorization: `Bearer ${(await res.json() as { token: string }).token}` }
  }
  /** A department liaison's staff account, signed in: its session cookie and CSRF token as headers. */
  const liaisonSession = async (): Promise<Record<string, string>> => {
    const username = `liaison-${randomBytes(3).toString('hex')}`
    const made = await fetch(`${base}/api/v1/staff`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username, name: '城管联络员', town: TOWN, roles: ['department-liaison'], department: DEPARTMENT, password: PASSWORD }),
    })
    if (made.status !== 201) throw new Error(`creating a liaison: ${made.status} ${await made.text()}`)
    const res = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })
    if (res.status !== 200) throw new Error(`liaison sign-in: ${res.status} ${await res.text()}`)
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('tb_session='))!.split(';')[0]!
    return { cookie, 'x-csrf-token': (await res.json() as { csrfToken: string }).csrfToken }
  }
  return { gateway, base, db: gateway.platform.db, dataDir, auth, departmentToken, liaisonSession }
}

/** A JSON request; answers the status and the parsed body. */
export async function call (base: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number, body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text }
}

/** Uploads raw bytes as a photo. */
export async function upload (base: string, headers: Record<string, string>, bytes: Buffer, type = 'image/jpeg', query = ''): Promise<{ status: number, body: any }> {
  const res = await fetch(`${base}/api/v1/photos${query}`, { method: 'POST', headers: { ...headers, 'content-type': type }, body: new Uint8Array(bytes) })
  const text = await res.text()
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text }
}

export const report = (photos: string[] = []) => ({
  category: '危房', village: VILLAGE, address: '湟里村东街 12 号', location: { lat: 31.62, lon: 119.75 },
  description: '老屋外墙开裂，雨后有倒塌危险', photos, severity: 'high',
})
