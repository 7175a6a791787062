// Risk reports through the API, on PostgreSQL and on the embedded PGlite: a grid worker uploads a
// photo and reports; corrections are new events and the view shows the current values with the
// history; only a town leader verifies and closes (a close needs a verification); a department's
// liaison and its system token are refused on every route, and no route deletes or hides a
// report; the store itself refuses to change or delete an event; every report, list, view and
// action is audited; a county admin sees every town's open reports by age.
import t from 'tap'
import { gpsJpeg } from '../photos/images.ts'
import { OTHER_TOWN, OTHER_VILLAGE, VILLAGE, TOWN, call, report, startRisksGateway, upload } from './kit.ts'

const auditOf = async (db: { query: (sql: string, params?: unknown[]) => Promise<{ rows: any[] }> }, action: string, subject: string): Promise<any[]> =>
  (await db.query('SELECT action, subject, outcome, details FROM audit_log WHERE action = $1 AND subject = $2 ORDER BY id', [action, subject])).rows

for (const [store, redisIndex] of [['postgres', 20], ['pglite', 21]] as const) {
  t.test(`risk reports through the API (${store})`, async (t) => {
    const { base, db, auth, departmentToken, liaisonSession } = await startRisksGateway(t, { store, redisIndex })
    const grid = await auth(['grid-staff'])
    const otherGrid = await auth(['grid-staff'])
    const leader = await auth(['town-leader'])
    const window = await auth(['window-staff'])
    const county = await auth(['county-admin'], '320412000000')
    const foreign = await auth(['town-leader'], OTHER_TOWN)
    const liaison = await liaisonSession()
    const deptToken = await departmentToken()

    const photo = await upload(base, grid, gpsJpeg)
    t.equal(photo.status, 201, 'a real JPEG is taken')
    const sha = photo.body.sha256 as string

    const made = await call(base, 'POST', '/api/v1/risks', grid, { ...report([sha]), requestId: 'report-00000001' })
    t.equal(made.status, 201, JSON.stringify(made.body))
    const id = made.body.id as string
    t.match(id, new RegExp(`^FX${TOWN}\\d{8}0001$`))
    t.same(made.body.current.village, { code: VILLAGE, name: '湟里村' })
    t.equal(made.body.state, 'reported')
    t.same(made.body.current.photos, [{ sha256: sha, href: `/api/v1/photos/${sha}` }])
    t.equal((await call(base, 'POST', '/api/v1/risks', grid, { ...report([sha]), requestId: 'report-00000001' })).body.id, id, 'a repeated requestId makes one report')

    t.test('bad input is refused with the field named, nothing stored', async (t) => {
      const bad = await call(base, 'POST', '/api/v1/risks', grid, { ...report(['0'.repeat(64)]), village: '320412102201', category: '闹鬼' })
      t.equal(bad.status, 422)
      t.equal(bad.body.code, 'TB_RISK_INVALID')
      t.same(bad.body.errors.map((e: { field: string }) => e.field), ['village', 'category', 'photos'])
      const far = await call(base, 'POST', '/api/v1/risks', grid, { ...report(), location: { lat: 48.85, lon: 2.35 } })
      t.equal(far.status, 400, 'coordinates outside China')
      const count = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM risks')).rows[0]!.n
      t.equal(count, 1)
    })

    t.test('a correction is a new event; the view shows current values and the history', async (t) => {
      const other = await call(base, 'POST', `/api/v1/risks/${id}/events`, otherGrid, { action: 'correct', changes: { severity: 'low' }, reason: '看错了' })
      t.equal(other.status, 403, 'another grid worker does not correct it')
      t.equal(other.body.code, 'TB_RISK_NOT_YOURS')
      const fixed = await call(base, 'POST', `/api/v1/risks/${id}/events`, grid, { action: 'correct', changes: { severity: 'critical', village: OTHER_VILLAGE }, reason: '复查后发现更严重' })
      t.equal(fixed.status, 200, JSON.stringify(fixed.body))
      t.equal(fixed.body.risk.current.severity, 'critical')
      t.same(fixed.body.risk.current.village, { code: OTHER_VILLAGE, name: '东安村' })
      t.equal(fixed.body.risk.current.address, '湟里村东街 12 号', 'unchanged fields stay')
      t.same(fixed.body.risk.corrected, ['village', 'severity'])
      t.same(fixed.body.risk.events.map((e: { action: string }) => e.action), ['report', 'correct'])
      t.equal(fixed.body.risk.events[0].data.severity, 'high', 'the report as first made stays in the history')
    })

    t.test('the store refuses to change or delete events and reports', async (t) => {
      await t.rejects(db.query('UPDATE risk_events SET data = \'{}\' WHERE risk_id = $1', [id]), /append-only/)
      await t.rejects(db.query('DELETE FROM risk_events WHERE risk_id = $1', [id]), /append-only/)
      await t.rejects(db.query('DELETE FROM risks WHERE id = $1', [id]), /append-only/)
    })

    t.test('a department is refused everywhere; no route deletes or hides a report', async (t) => {
      const tokens = [['liaison staff', liaison], ['department system token', deptToken]] as const
      for (const [who, h] of tokens) {
        for (const [method, path, body] of [
          ['GET', '/api/v1/risks', undefined],
          ['GET', `/api/v1/risks/${id}`, undefined],
          ['POST', '/api/v1/risks', report()],
          ['POST', `/api/v1/risks/${id}/events`, { action: 'close', note: '已处理', verification: '现场已加固' }],
          ['POST', `/api/v1/risks/${id}/events`, { action: 'verify', note: '看过了' }],
          ['POST', `/api/v1/risks/${id}/events`, { action: 'correct', changes: { severity: 'low' }, reason: '不严重' }],
          ['POST', `/api/v1/risks/${id}/events`, { action: 'hide' }],
        ] as const) {
          const res = await call(base, method, path, h, body)
          t.equal(res.status, 403, `${who}: ${method} ${path} ${body && 'action' in body ? body.action : ''}`)
        }
        for (const method of ['DELETE', 'PUT', 'PATCH']) {
          t.equal((await call(base, method, `/api/v1/risks/${id}`, h, method === 'DELETE' ? undefined : { state: 'closed' })).status, 404, `${who}: no ${method} route`)
        }
      }
      t.equal((await call(base, 'GET', `/api/v1/risks/${id}`, leader)).body.state, 'reported', 'still open')
    })

    t.test('only a town leader verifies and closes; a close needs a verification', async (t) => {
      for (const h of [grid, window, county]) {
        t.equal((await call(base, 'POST', `/api/v1/risks/${id}/events`, h, { action: 'close', note: '已处理', verification: '已核查' })).status, 403)
        t.equal((await call(base, 'POST', `/api/v1/risks/${id}/events`, h, { action: 'verify', note: '已核查' })).status, 403)
      }
      t.equal((await call(base, 'POST', `/api/v1/risks/${id}/events`, foreign, { action: 'verify', note: '已核查' })).status, 404, 'another town\'s leader finds nothing')
      const unverified = await call(base, 'POST', `/api/v1/risks/${id}/events`, leader, { action: 'close', note: '已处理' })
      t.equal(unverified.status, 409)
      t.equal(unverified.body.code, 'TB_RISK_NOT_VERIFIED')
      const verified = await call(base, 'POST', `/api/v1/risks/${id}/events`, leader, { action: 'verify', note: '现场核实，已拉警戒线', requestId: 'verify-0000001' })
      t.equal(verified.status, 200)
      t.equal(verified.body.risk.state, 'verified')
      t.same(verified.body.risk.allowed, ['correct', 'whistle', 'close'])
      const again = await call(base, 'POST', `/api/v1/risks/${id}/events`, leader, { action: 'verify', note: '现场核实，已拉警戒线', requestId: 'verify-0000001' })
      t.equal(again.body.replayed, true)
      const closed = await call(base, 'POST', `/api/v1/risks/${id}/events`, leader, { action: 'close', note: '房屋已拆除' })
      t.equal(closed.status, 200)
      t.equal(closed.body.risk.state, 'closed')
      t.ok(closed.body.risk.closedAt)
      const after = await call(base, 'POST', `/api/v1/risks/${id}/events`, grid, { action: 'correct', changes: { severity: 'low' }, reason: '…' })
      t.equal(after.status, 409)
      t.equal(after.body.code, 'TB_RISK_TRANSITION_NOT_ALLOWED')
      t.match(after.body.message, /is closed, where correct is not allowed; allowed now: nothing/)
    })

    t.test('a report closed with a verification note, and the county\'s open list by age', async (t) => {
      const second = await call(base, 'POST', '/api/v1/risks', leader, { ...report(), category: '消防', severity: 'medium' })
      t.equal(second.status, 201)
      const third = await call(base, 'POST', '/api/v1/risks', grid, { ...report(), category: '水域', severity: 'low' })
      // Reports of different ages: the second is a day older than the third.
      await db.query('UPDATE risks SET reported_at = reported_at - interval \'30 hours\' WHERE id = $1', [second.body.id])
      const list = await call(base, 'GET', '/api/v1/risks', county)
      t.equal(list.status, 200)
      t.same(list.body.items.map((i: { id: string }) => i.id), [second.body.id, third.body.id], 'open only, oldest first')
      t.ok(list.body.items[0].ageHours >= 30)
      t.equal(list.body.items[0].town.name, '湟里镇')
      const newest = await call(base, 'GET', '/api/v1/risks?sort=newest&state=all', county)
      t.same(newest.body.items.map((i: { id: string }) => i.id), [third.body.id, id, second.body.id])
      const town = await call(base, 'GET', '/api/v1/risks', grid)
      t.equal(town.body.items.length, 3, 'the town sees all its reports')
      t.equal((await call(base, 'GET', '/api/v1/risks', foreign)).body.items.length, 0, 'another town sees none')
      const closed = await call(base, 'POST', `/api/v1/risks/${third.body.id}/events`, leader, { action: 'close', note: '已设置警示牌', verification: '现场查看，已设置警示牌' })
      t.equal(closed.status, 200)
      t.equal(closed.body.event.data.verification, '现场查看，已设置警示牌')
    })

    t.test('every report, list, view and action is audited', async (t) => {
      await call(base, 'GET', `/api/v1/risks/${id}`, county)
      t.equal((await auditOf(db, 'risk.report', id)).length, 2, 'the report and its replay')
      const reads = await auditOf(db, 'risk.read', id)
      t.ok(reads.length >= 1)
      t.equal(reads.at(-1).outcome, 'ok')
      const denied = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE action = \'risk.read\' AND subject = $1 AND outcome = \'denied\'', [id])).rows[0]!.n
      t.ok(denied >= 1, 'refused views are audited too')
      const events = await auditOf(db, 'risk.event', id)
      t.same(events.filter((e) => e.outcome === 'ok').map((e) => e.details.action), ['correct', 'verify', 'verify', 'close'])
      t.ok((await db.query('SELECT 1 FROM audit_log WHERE action = \'risk.list\'')).rows.length > 0)
      t.equal((await auditOf(db, 'photo.upload', sha)).length, 1)
    })

    t.test('photos: the bytes read back for those who read reports, not for a department', async (t) => {
      const res = await fetch(`${base}/api/v1/photos/${sha}`, { headers: leader })
      t.equal(res.status, 200)
      t.equal(res.headers.get('content-type'), 'image/jpeg')
      t.equal((await res.arrayBuffer()).byteLength, photo.body.size)
      t.equal((await call(base, 'GET', `/api/v1/photos/${'a'.repeat(64)}`, leader)).status, 404)
      t.equal((await call(base, 'GET', `/api/v1/photos/${sha}`, await auth(['auditor']))).status, 403)
    })
  })
}
