// The whole loop through a gateway against the matters-exchange simulator: a case opened and
// accepted through the API is reported by the outbox worker; the platform's department decides the
// 联办 case and its signed webhooks (v1sm3) move the case to 办结; the outbox API lists the
// reports for operators only and re-sends only dead rows.
import t from 'tap'
import { startSimulator } from '../../adapters/matters-exchange/simulator.ts'
import { APP_ID } from '../../adapters/matters-exchange/data.ts'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { callApi, captureLogger, eventually, freshPostgresUrl, freshRedis, operatorAuth, tempDir, type Json } from '../helpers.ts'
import { startGateway } from '../../src/runtime/gateway.ts'
import { Config } from '../../src/config/schema.ts'
import { application, TOWN } from './setup.ts'
import { Matter } from '../../src/model/matter.ts'

const APP = { appId: APP_ID, appSecret: 'gateway-test-secret' }
const SECRET = 'whsec_dGVzdC1tYXR0ZXJzLWV4Y2hhbmdlLWV2ZW50cw=='

t.test('a 联办 case through the gateway', async (t) => {
  const sim = await startSimulator({ apps: [APP], rateLimitPerSecond: 0, eventStepMs: 0, maintenanceSeconds: 0, resultFirstRate: 0, returnedRate: 0 })
  t.teardown(async () => { await sim.close() })
  // TEST DATA: a fake 2027 with weekends only (the promised 20 working days of a case opened in December run into it)
  const dir = await tempDir(t)
  await writeFile(join(dir, '2027.json'), JSON.stringify({ year: 2027, source: { title: 'TEST DATA: a fake 2027 with weekends only (not a State Council notice)' }, holidays: [] }))
  const config = Config.parse({
    towns: [{ code: TOWN, name: '武进区湟里镇' }],
    adapters: [{ id: 'matters-exchange', adapter: 'matters-exchange', baseUrl: sim.url, credentials: APP, webhook: { secrets: [SECRET], schemes: ['v1sm3'] }, retries: { backoff: 50 } }],
    calendar: { files: [join(dir, '2027.json')] },
  })
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: dir, configPath: join(dir, 'tongban.yaml'), redisUrl: await freshRedis(t, 5), databaseUrl: await freshPostgresUrl(t), adminToken: 'test-admin-token-0123456789',
  }, { config, logger: captureLogger().logger })
  t.teardown(gateway.stop)
  const auth = await operatorAuth(gateway.url)
  sim.setWebhook({ url: `${gateway.url}/webhooks/matters-exchange`, secret: SECRET })
  const base = gateway.url
  const windowStaff = await operatorAuth(base, { roles: ['window-staff'], town: TOWN })

  // the catalogue sync brings the town's matters; 最低生活保障申请 is decided by the civil-affairs department (联办)
  const listed = await eventually(async () => {
    const res = await callApi(base, 'GET', `/api/v1/matters?town=${TOWN}`, { headers: windowStaff })
    return (res.body.items as Json[] | undefined)?.find((m) => m.name === '最低生活保障申请')
  })
  const detail = await callApi(base, 'GET', `/api/v1/matters/${listed.taskHandleItem as string}?town=${TOWN}`, { headers: windowStaff })
  const matter = Matter.parse(detail.body.inForce.matter)

  const opened = await callApi(base, 'POST', '/api/v1/cases', { headers: windowStaff, body: application(matter) })
  t.equal(opened.status, 201)
  const projectNo = opened.body.projectNo as string
  const accepted = await callApi(base, 'POST', `/api/v1/cases/${projectNo}/transitions`, { headers: windowStaff, body: { action: 'accept', docNo: '湟里受〔2026〕7号' } })
  t.equal(accepted.status, 200)

  const sent = await eventually(async () => {
    const res = await callApi(base, 'GET', `/api/v1/outbox?subject=case:${projectNo}`, { headers: auth })
    const rows = res.body.items as Json[]
    return rows.length > 0 && rows.every((r) => r.state === 'sent') ? rows : undefined
  })
  t.same(sent.map((r) => r.operation), ['accept'])
  t.ok(sim.project(projectNo)?.reports.accept, 'the platform holds the acceptance')

  // the department's steps and result come back by webhook and conclude the case
  const concluded = await eventually(async () => {
    const res = await callApi(base, 'GET', `/api/v1/cases/${projectNo}`, { headers: windowStaff })
    return res.body.state === 'concluded' ? res.body : undefined
  })
  t.equal(concluded.result, 'approved')
  const events = (await callApi(base, 'GET', `/api/v1/cases/${projectNo}/events`, { headers: windowStaff })).body.items as Json[]
  t.same(events.filter((e) => e.actor.kind === 'department').map((e) => e.action), ['step', 'step', 'step', 'conclude'])
  t.same((await callApi(base, 'GET', `/api/v1/outbox?subject=case:${projectNo}`, { headers: auth })).body.items.length, 1, 'nothing reported back for the department\'s steps')

  t.equal((await callApi(base, 'GET', '/api/v1/outbox', { headers: windowStaff })).status, 403, 'operators only')
  const resend = await callApi(base, 'POST', `/api/v1/outbox/${sent[0]!.id as number}/resend`, { headers: auth })
  t.same([resend.status, resend.body.code], [409, 'TB_OUTBOX_NOT_DEAD'])
  t.same((await callApi(base, 'POST', '/api/v1/outbox/999999/resend', { headers: auth })).body.code, 'TB_OUTBOX_NOT_FOUND')
})
