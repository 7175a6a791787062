// Social insurance end to end through a whole gateway (PGlite, Redis, the ingest workers): the
// simulator POSTs batches signed v1sm3 with the ID number and phone SM4-encrypted; the gateway
// verifies, answers a repeat 409 (which the simulator takes as delivered), decrypts with the
// instance's data key, and unifies persons, their enrolment entries and the employers they name.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config/load.ts'
import { startGateway } from '../../src/runtime/gateway.ts'
import { startSimulator } from './simulator.ts'
import { insuranceTypes } from './adapter.ts'
import { BOOTSTRAP_TOKEN, callApi, captureLogger, eventually, freshRedis, operatorAuth, tempDir, type Json } from '../../test/helpers.ts'

const TOWN = '320412120000'
const SECRET = 'whsec_' + Buffer.from('social-insurance-e2e-secret').toString('base64')
const DATA_KEY = '8f1e2d3c4b5a69788796a5b4c3d2e1f0'

t.test('social insurance through the gateway', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'tongban.yaml')
  await writeFile(file, `towns: [{ code: "${TOWN}", name: 武进区湟里镇 }]
adapters:
  - id: social-insurance
    adapter: social-insurance
    webhook: { secrets: ["${SECRET}"], schemes: [v1sm3] }
    credentials: { dataKey: "${DATA_KEY}" }
`)
  const { logger } = captureLogger()
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), configPath: file, redisUrl: await freshRedis(t, 28), databaseUrl: undefined, adminToken: BOOTSTRAP_TOKEN,
  }, { config: await loadConfig(file, {}), logger })
  t.teardown(gateway.stop)
  const county = await operatorAuth(gateway.url)
  const get = async (path: string): Promise<{ status: number, body: Json }> => await callApi(gateway.url, 'GET', `/api/v1${path}`, { headers: county })

  // every batch delivered twice: the second copy is a repeated webhook-id
  const sim = await startSimulator({ persons: 200, employers: 10, dataKey: DATA_KEY, duplicateRate: 1, retryScheduleMs: [200, 200], subscriber: { url: `${gateway.url}/webhooks/social-insurance`, secret: SECRET } })
  t.teardown(sim.close)
  const { batchNos } = sim.emit({ batches: 2, items: 40 })
  await sim.settled()
  t.match(sim.stats(), { emitted: 2, delivered: 2, alreadyHad: 2, duplicatesSent: 2, failedAttempts: 0, gaveUp: 0 }, 'each repeat answered 409 and taken as delivered')

  const batch = sim.batch(batchNos[0]!)!
  const person = batch.items[0]!
  const rows = batch.items.filter((i) => i.AAC002 === person.AAC002)
  const found = await eventually(async () => { const r = await get(`/persons/${person.AAC002}`); return r.status === 200 ? r.body : undefined })
  t.equal(found.name, person.AAC003, 'the person, by the decrypted ID number')
  t.equal(found.phone, person.AAE005, 'the decrypted phone')
  t.match(found.facets, [{ name: 'insurance-enrolment', sensitivity: 'ordinary', entries: rows.length }])
  const entries = await get(`/persons/${person.AAC002}/facets/insurance-enrolment`)
  t.equal(entries.status, 200)
  t.same(entries.body.items.map((i: Json) => i.data.insuranceType).sort(), rows.map((r) => (insuranceTypes as Record<string, string>)[r.AAE140]).sort(), 'one entry per insurance type')
  t.match(entries.body.items[0].source, { adapter: 'social-insurance' })

  const employee = batch.items.find((i) => i.AAB998 !== '')!
  const employer = await eventually(async () => { const r = await get(`/enterprises/${employee.AAB998}`); return r.status === 200 ? r.body : undefined })
  t.equal(employer.name, employee.AAB004, 'the employer, linked as an enterprise')

  const { rows: inbox } = await gateway.platform.db.query<{ n: number, quarantined: number }>("SELECT count(*)::int AS n, coalesce(sum(records_quarantined), 0)::int AS quarantined FROM inbox WHERE adapter = 'social-insurance'")
  t.same(inbox[0], { n: 2, quarantined: 0 }, 'two batches stored once each, nothing quarantined')
})
