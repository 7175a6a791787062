// A gateway for the departments tests: 湟里镇 with three departments of 武进区 (two with a system,
// signed v1 and v1sm3, one without) and one of another county, a seeded liaison, and tokens.
import { Config } from '../../src/config/schema.ts'
import { startGateway } from '../../src/runtime/gateway.ts'
import { BOOTSTRAP_TOKEN, captureLogger, freshPostgresUrl, freshRedis, operatorAuth, tempDir } from '../helpers.ts'

interface Teardown { teardown: (fn: () => unknown) => void }

export const TOWN = '320412120000'
export const PASSWORD = 'Liaison-Test-2026!'

export const DEPARTMENTS = [
  { code: 'wj-urban', name: '武进区城市管理局', county: '320412', head: { name: '刘志强' }, webhook: { scheme: 'v1' } },
  { code: 'wj-emergency', name: '武进区应急管理局', county: '320412', webhook: { scheme: 'v1sm3' } },
  { code: 'wj-water', name: '武进区水利局', county: '320412' },
  { code: 'xb-urban', name: '新北区城市管理局', county: '320411', webhook: { scheme: 'v1' } },
]

export async function startDepartmentsGateway (t: Teardown, opts: { redisIndex: number, store: 'postgres' | 'pglite', simulators?: unknown, workers?: boolean }) {
  const dataDir = await tempDir(t)
  const config = Config.parse({
    towns: [{ code: TOWN, name: '武进区湟里镇' }],
    adapters: [],
    seedStaff: [{ username: 'urban', name: '赵磊', town: TOWN, roles: ['department-liaison'], department: 'wj-urban', password: PASSWORD }],
    whistles: { departments: DEPARTMENTS },
    ...(opts.simulators ? { simulators: opts.simulators } : {}),
  })
  const { logger, lines } = captureLogger()
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir, configPath: '(test)', redisUrl: await freshRedis(t, opts.redisIndex),
    databaseUrl: opts.store === 'postgres' ? await freshPostgresUrl(t) : undefined, adminToken: BOOTSTRAP_TOKEN,
  }, { config, logger, ...(opts.workers === false ? { workers: false } : {}) })
  t.teardown(gateway.stop)
  return { gateway, base: gateway.url, lines, bootstrap: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, security: await operatorAuth(gateway.url, { roles: ['security-admin'], town: TOWN }) }
}
