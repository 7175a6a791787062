// The outbox sender against the matters-exchange simulator on PostgreSQL: each case's reports in
// order while cases go in parallel, one send per row under concurrent senders, the nightly 503
// window only delaying reports, a 2001 answer dead at once with the platform's field errors, and
// a dead report re-sent.
import t from 'tap'
import adapter from '../../adapters/matters-exchange/adapter.ts'
import { startSimulator } from '../../adapters/matters-exchange/simulator.ts'
import { APP_ID } from '../../adapters/matters-exchange/data.ts'
import { freshPostgres, freshRedis, captureLogger } from '../helpers.ts'
import { connectRedis } from '../../src/platform.ts'
import { loadCalendar } from '../../src/calendar/calendar.ts'
import { AdapterInstance } from '../../src/config/schema.ts'
import { AuditWriter } from '../../src/audit/index.ts'
import { createMetrics } from '../../src/metrics.ts'
import { createOperations } from '../../src/department/operations.ts'
import { departmentConnections } from '../../src/department/connections.ts'
import { listOutbox, resendOutbox, outboxStats } from '../../src/store/outbox.ts'
import { sendDueOutbox, drainOutbox, type OutboxDeps } from '../../src/outbox/send.ts'
import { INSTANCE, TOWN, application, caseService, simulatorMatter, staff } from './setup.ts'

const APP = { appId: APP_ID, appSecret: 'outbox-test-secret' }
const BEIJING_MS = 8 * 3_600_000

t.test('the outbox against the platform', async (t) => {
  // The simulator's clock runs `offset` ahead: inside its nightly window (an hour from now, Beijing) while offset is set.
  const offset = { ms: 0 }
  const minuteOfDay = (ms: number): number => Math.floor((((ms + BEIJING_MS) % 86_400_000) + 86_400_000) % 86_400_000 / 60_000)
  const windowAt = (minuteOfDay(Date.now()) + 60) % 1440
  const sim = await startSimulator({ apps: [APP], rateLimitPerSecond: 0, eventStepMs: 0, maintenanceSeconds: 600, maintenanceAtMinute: windowAt, now: () => Date.now() + offset.ms })
  t.teardown(async () => { await sim.close() })
  const { db } = await freshPostgres(t)
  const redis = connectRedis(await freshRedis(t, 3))
  t.teardown(() => { redis.disconnect() })
  const { logger, lines } = captureLogger()
  const metrics = createMetrics()
  const audit = new AuditWriter(db)
  const config = AdapterInstance.parse({ id: INSTANCE, adapter: INSTANCE, baseUrl: sim.url, credentials: APP, retries: { backoff: 10 }, breaker: { volumeThreshold: 1000 } })
  const instances = new Map([[INSTANCE, { config, adapter }]])
  const connections = departmentConnections({ db, vault: undefined, audit, redis, logger, metrics })
  t.teardown(connections.close)
  const operations = createOperations({ db, vault: undefined, audit, instances, logger, metrics, connections })
  const deps: OutboxDeps = { db, operations, logger, attempts: 4 }

  const day = new Date().toISOString().slice(0, 10)
  const m = simulatorMatter('临时救助申请', day)
  const clock = { at: new Date().toISOString() }
  const cases = await caseService(db, clock, { current: loadCalendar() }, [m, { ...m, version: 99, effectiveFrom: '2099-01-01' }])
  const calls = (route: string): number => sim.stats().requests[route]?.calls ?? 0

  async function acceptedCase (): Promise<string> {
    const { projectNo } = await cases.open(application(m), staff, TOWN)
    await cases.transition(projectNo, { action: 'accept' }, staff, 'window', '')
    await cases.transition(projectNo, { action: 'step', stepName: '审查', stage: 'review', explain: '材料齐全' }, staff, 'window', '')
    await cases.transition(projectNo, { action: 'conclude', result: 'approved', explain: '准予', delivery: 'window' }, staff, 'window', '')
    return projectNo
  }

  t.test('each case in order, cases in parallel, one send per row under two senders', async (t) => {
    const a = await acceptedCase()
    const b = await acceptedCase()
    const rowsOf = async (p: string) => await listOutbox(db, { subject: `case:${p}`, limit: 10 })
    const first = await sendDueOutbox(deps)
    const heads = [(await rowsOf(a))[0]!.id, (await rowsOf(b))[0]!.id]
    t.same([...first.keys()].sort(), heads.sort(), 'one round takes the first report of each case, and only it')
    t.same([...first.values()], ['sent', 'sent'])
    t.same((await rowsOf(a)).map((r) => r.state), ['sent', 'pending', 'pending'])
    // two senders at once: every row goes exactly once
    const before = calls('POST /api/v1/projects/process') + calls('POST /api/v1/projects/result')
    await Promise.all([drainOutbox(deps), drainOutbox(deps)])
    for (const p of [a, b]) {
      t.same((await rowsOf(p)).map((r) => r.state), ['sent', 'sent', 'sent'])
      t.same(Object.keys(sim.project(p)!.reports).length, 3, 'the platform holds the three reports')
    }
    t.equal(calls('POST /api/v1/projects/process') + calls('POST /api/v1/projects/result') - before, 4, 'four reports, four calls')
  })

  t.test('the nightly 503 window only delays reports', async (t) => {
    const p = await acceptedCase()
    offset.ms = ((windowAt + 1) * 60_000 - ((Date.now() + BEIJING_MS) % 86_400_000) + 86_400_000) % 86_400_000
    const now = Date.now()
    const round = await sendDueOutbox(deps, now)
    t.same([...round.values()], ['retry'])
    const [acc] = await listOutbox(db, { subject: `case:${p}`, limit: 10 })
    t.match(acc, { state: 'pending', attempts: 1, lastError: /503|unavailable/i })
    t.ok(Date.parse(acc!.nextAt) > now, 'tried again later')
    t.same((await sendDueOutbox(deps, now)).size, 0, 'not before its time, and the rest of the case waits')
    t.ok((await outboxStats(db, new Date(now + 60_000).toISOString())).oldestPendingSeconds >= 60)
    offset.ms = 0
    await drainOutbox(deps, () => now + 15 * 60_000)
    t.same((await listOutbox(db, { subject: `case:${p}`, limit: 10 })).map((r) => r.state), ['sent', 'sent', 'sent'])
    t.ok(sim.project(p)!.reports.accept, 'the acceptance reached the platform after the window')
  })

  t.test('2001 keeps the platform\'s field errors and is dead at once; resend', async (t) => {
    // version 99 of the matter is the window's mistake: the platform knows no such version
    const { projectNo } = await cases.open(application(m), staff, TOWN)
    await db.query('UPDATE cases SET task_version = 99 WHERE project_no = $1', [projectNo])
    await cases.transition(projectNo, { action: 'accept' }, staff, 'window', '')
    await cases.transition(projectNo, { action: 'step', stepName: '审查', stage: 'review', explain: '材料齐全' }, staff, 'window', '')
    await drainOutbox(deps)
    const [acc, step] = await listOutbox(db, { subject: `case:${projectNo}`, limit: 10 })
    t.match(acc, { state: 'dead', attempts: 1, lastError: /TB_DEPARTMENT_FIELDS_REFUSED.*taskVersion/ })
    t.equal(step!.state, 'pending', 'the case\'s later report waits behind the dead one')
    t.ok(lines.some((l) => l.includes('a report is dead')), 'logged for a person')
    // mended (here: the version the platform knows), then re-sent
    await db.query(`UPDATE outbox SET input = jsonb_set(input, '{taskVersion}', $2::jsonb) WHERE id = $1`, [acc!.id, JSON.stringify(m.version)])
    t.match(await resendOutbox(db, acc!.id, new Date().toISOString()), { state: 'pending', attempts: 0 })
    t.equal(await resendOutbox(db, acc!.id, new Date().toISOString()), undefined, 'only a dead row is re-sent')
    await drainOutbox(deps)
    t.same((await listOutbox(db, { subject: `case:${projectNo}`, limit: 10 })).map((r) => r.state), ['sent', 'sent'])
  })

  t.test('out of tries: dead', async (t) => {
    const p = await acceptedCase()
    offset.ms = ((windowAt + 1) * 60_000 - ((Date.now() + BEIJING_MS) % 86_400_000) + 86_400_000) % 86_400_000
    t.teardown(() => { offset.ms = 0 })
    let now = Date.now()
    for (let i = 0; i < deps.attempts; i++) {
      await sendDueOutbox(deps, now)
      now += 20 * 60_000
    }
    const [acc] = await listOutbox(db, { subject: `case:${p}`, limit: 10 })
    t.match(acc, { state: 'dead', attempts: deps.attempts })
  })
})
