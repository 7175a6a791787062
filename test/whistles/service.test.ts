// The whistle service against real stores: blowing (routing table, approval), the whole loop with
// its clocks and rungs, who may do what (a department never closes, withdraws, approves, reroutes
// or reopens), returns and re-routing, extensions, sending a done declaration back, reopening,
// idempotent repeats, a close racing a department's answer, and the hotline reply on close.
import t from 'tap'
import { stores } from '../helpers.ts'
import { loadCalendar } from '../../src/calendar/calendar.ts'
import { createWhistleService } from '../../src/whistles/service.ts'
import { sweepLadders } from '../../src/deadlines/ladder.ts'
import { captureLogger } from '../helpers.ts'
import type { WhistlesConfig } from '../../src/config/whistles.ts'
import type { Db } from '../../src/store/db.ts'
import type { WhistleTransitionInput } from '../../src/model/whistle.ts'
import { TOWN, OTHER_TOWN, blowInput, config, countyAdmin, leader, liaison, window } from './fixtures.ts'

const calendar = loadCalendar()
const MONDAY_9 = '2026-03-02T01:00:00.000Z' // Monday 09:00 Beijing

function serviceAt (db: Db, clock: { at: string }, cfg: WhistlesConfig = config()) {
  return createWhistleService({ db, config: () => cfg, calendar: () => calendar, now: () => new Date(clock.at) })
}

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => await p.then(() => undefined, (e: { code?: string }) => e.code)

async function outboxOf (db: Db, id: string): Promise<Array<{ instance: string, operation: string, input: Record<string, unknown> }>> {
  const { rows } = await db.query<{ instance: string, operation: string, input: Record<string, unknown> }>('SELECT instance, operation, input FROM outbox WHERE subject = $1 ORDER BY id', [`whistle:${id}`])
  return rows
}

async function rungStates (db: Db, id: string, party: string): Promise<Record<string, string>> {
  const { rows } = await db.query<{ clock: string, rung: string, state: string }>('SELECT clock, rung, state FROM deadline_rungs WHERE subject = $1 AND party = $2', [`whistle:${id}`, party])
  return Object.fromEntries(rows.map((r) => [`${r.clock}.${r.rung}`, r.state]))
}

for (const [storeName, open] of Object.entries(stores)) {
  t.test(storeName, async (t) => {
    t.test('a leader blows: numbered, routed by the table, clocks and rungs, the blown notice to a department with a system', async (t) => {
      const { db } = await open(t)
      const whistles = serviceAt(db, { at: MONDAY_9 })
      const { id } = await whistles.blow(blowInput(), leader)
      t.equal(id, `CS${TOWN}202603020001`)
      const v = await whistles.view(id, leader)
      t.equal(v.whistle.state, 'open')
      t.equal(v.whistle.routingVersion, 1)
      t.strictSame(v.whistle.targets.map((x) => [x.department, x.role, x.state, x.departmentName]), [
        ['wj-urban', 'lead', 'whistled', '武进区城市管理局'], ['wj-housing', 'co', 'whistled', '武进区住房和城乡建设局'],
      ])
      const deadlines = { respond: '2026-03-03T01:00:00.000Z', arrive: '2026-03-05T01:00:00.000Z', finish: '2026-03-16T01:00:00.000Z' }
      t.strictSame(v.events[0]!.data.deadlines, { 'wj-urban': deadlines, 'wj-housing': deadlines })
      t.equal(v.rungs.length, 18)
      const respond = v.rungs.filter((r) => r.department === 'wj-urban' && r.clock === 'respond').map((r) => [r.rung, r.dueAt])
      t.strictSame(respond, [['liaison', '2026-03-02T19:00:00.000Z'], ['head', '2026-03-03T01:00:00.000Z'], ['supervision', '2026-03-03T13:00:00.000Z']])
      t.strictSame((await outboxOf(db, id)).map((o) => [o.instance, o.operation]), [['department:wj-urban', 'whistle.blown']])
      t.same(v.allowed, ['reroute', 'decide-extension', 'reject-done', 'close'])
      const second = await whistles.blow(blowInput({ departments: [{ code: 'wj-market', role: 'lead' }], category: undefined }), leader)
      t.equal(second.id, `CS${TOWN}202603020002`)
    })

    t.test('bad blows: unknown type, unknown or foreign department, no route, a source not in the town, no permission', async (t) => {
      const { db } = await open(t)
      const whistles = serviceAt(db, { at: MONDAY_9 })
      t.equal(await codeOf(whistles.blow(blowInput({ type: 'loud' }), leader)), 'TB_WHISTLE_TYPE_UNKNOWN')
      t.equal(await codeOf(whistles.blow(blowInput({ departments: [{ code: 'nobody', role: 'lead' }] }), leader)), 'TB_WHISTLE_DEPARTMENT_UNKNOWN')
      t.equal(await codeOf(whistles.blow(blowInput({ departments: [{ code: 'xb-urban', role: 'lead' }] }), leader)), 'TB_WHISTLE_DEPARTMENT_UNKNOWN')
      t.equal(await codeOf(whistles.blow(blowInput({ category: '9999' }), leader)), 'TB_WHISTLE_NO_ROUTE')
      t.equal(await codeOf(whistles.blow(blowInput({ source: { kind: 'order', id: 'GD404' } }), leader)), 'TB_WHISTLE_SOURCE_NOT_FOUND')
      t.equal(await codeOf(whistles.blow(blowInput(), liaison('wj-urban'))), 'TB_FORBIDDEN')
      t.equal(await codeOf(whistles.blow(blowInput(), countyAdmin)), 'TB_FORBIDDEN')
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM whistles')
      t.equal(Number(rows[0]!.n), 0)
    })

    t.test('a window worker\'s whistle waits for a leader: no clocks until approved; a department cannot approve', async (t) => {
      const { db } = await open(t)
      const clock = { at: MONDAY_9 }
      const whistles = serviceAt(db, clock)
      const { id } = await whistles.blow(blowInput({ type: 'emergency' }), window)
      t.equal((await whistles.view(id)).whistle.state, 'awaiting-approval')
      t.equal((await whistles.view(id)).rungs.length, 0)
      t.equal(await codeOf(whistles.transition(id, { action: 'approve' }, window)), 'TB_FORBIDDEN')
      t.equal(await codeOf(whistles.transition(id, { action: 'approve' }, liaison('wj-urban'))), 'TB_FORBIDDEN')
      t.equal(await codeOf(whistles.transition(id, { action: 'respond' }, liaison('wj-urban'))), 'TB_WHISTLE_TRANSITION_NOT_ALLOWED')
      clock.at = '2026-03-02T02:00:00.000Z'
      const { event } = await whistles.transition(id, { action: 'approve' }, leader)
      t.strictSame(event.data.deadlines, {
        'wj-urban': { respond: '2026-03-02T02:30:00.000Z', arrive: '2026-03-02T04:00:00.000Z', finish: '2026-03-03T02:00:00.000Z' },
        'wj-housing': { respond: '2026-03-02T02:30:00.000Z', arrive: '2026-03-02T04:00:00.000Z', finish: '2026-03-03T02:00:00.000Z' },
      })
      const v = await whistles.view(id)
      t.equal(v.whistle.state, 'open')
      t.equal(v.whistle.openedAt, clock.at)
      t.equal(await codeOf(whistles.transition(id, { action: 'withdraw', reason: '误发' }, leader)), 'TB_WHISTLE_TRANSITION_NOT_ALLOWED')
      const other = await whistles.blow(blowInput(), window)
      await whistles.transition(other.id, { action: 'withdraw', reason: '镇里自行解决' }, leader)
      t.equal((await whistles.view(other.id)).whistle.state, 'withdrawn')
    })

    t.test('the loop: respond, arrive, progress, declare done, a return, close with rating; clocks met stop their rungs', async (t) => {
      const { db } = await open(t)
      const clock = { at: MONDAY_9 }
      const whistles = serviceAt(db, clock)
      const { id } = await whistles.blow(blowInput(), leader)
      const urban = liaison('wj-urban')
      const housing = liaison('wj-housing', 'token')
      clock.at = '2026-03-02T03:00:00.000Z'
      await whistles.transition(id, { action: 'respond', note: '已收到' }, urban)
      t.strictSame(await rungStates(db, id, 'wj-urban'), {
        'respond.liaison': 'stopped', 'respond.head': 'stopped', 'respond.supervision': 'stopped',
        'arrive.liaison': 'pending', 'arrive.head': 'pending', 'arrive.supervision': 'pending',
        'finish.liaison': 'pending', 'finish.head': 'pending', 'finish.supervision': 'pending',
      })
      const arrived = await whistles.transition(id, { action: 'arrive', who: '张队长等3人', at: '2026-03-02T13:00:00+08:00' }, urban)
      t.strictSame(arrived.event.data, { who: '张队长等3人', arrivedAt: '2026-03-02T05:00:00.000Z' })
      await whistles.transition(id, { action: 'progress', text: '已清理一半摊位', photos: [] }, urban)
      t.equal(await codeOf(whistles.transition(id, { action: 'close', check: '现场核查', rating: 5 }, leader)), 'TB_WHISTLE_ACTION_REFUSED', 'not before every department is done')
      await whistles.transition(id, { action: 'declare-done', text: '摊位已全部清退', photos: [] }, urban)
      t.equal((await rungStates(db, id, 'wj-urban'))['finish.head'], 'stopped')
      await whistles.transition(id, { action: 'return', reason: '不涉及住建职责' }, housing)
      t.equal((await rungStates(db, id, 'wj-housing'))['arrive.head'], 'stopped')
      const v0 = await whistles.view(id, leader)
      const closed = await whistles.transition(id, { action: 'close', check: '现场核查，通道已畅通', rating: 4, version: v0.whistle.version }, leader)
      t.strictSame(closed.event.data, { rating: 4, check: '现场核查，通道已畅通' })
      const v = await whistles.view(id, leader)
      t.equal(v.whistle.state, 'closed')
      t.equal(v.whistle.rating, 4)
      t.strictSame(v.whistle.targets.map((x) => [x.department, x.state]), [['wj-urban', 'finished'], ['wj-housing', 'returned']])
      t.ok(v.rungs.every((r) => r.state === 'stopped'))
      t.strictSame(v.events.map((e) => [e.action, e.department, e.fromState, e.toState]), [
        ['blow', null, null, 'open'], ['respond', 'wj-urban', 'whistled', 'responded'], ['arrive', 'wj-urban', 'responded', 'arrived'],
        ['progress', 'wj-urban', 'arrived', 'arrived'], ['declare-done', 'wj-urban', 'arrived', 'done-declared'],
        ['return', 'wj-housing', 'whistled', 'returned'], ['close', null, 'open', 'closed'],
      ])
      t.strictSame(v.events[1]!.actor, { kind: 'department', id: 'staff-wj-urban', name: 'wj-urban 联络员', department: 'wj-urban' })
      t.strictSame((await outboxOf(db, id)).map((o) => o.operation), ['whistle.blown', 'whistle.closed'])
      t.same(v.allowed, ['reopen'])
      t.strictSame((await whistles.view(id, urban)).allowed, [])
    })

    t.test('a department answers for itself only, and never takes a town action (staff liaison and API token alike)', async (t) => {
      const { db } = await open(t)
      const whistles = serviceAt(db, { at: MONDAY_9 })
      const { id } = await whistles.blow(blowInput(), leader)
      t.equal(await codeOf(whistles.transition(id, { action: 'respond' }, leader)), 'TB_FORBIDDEN', 'the town cannot answer for a department')
      t.equal(await codeOf(whistles.transition(id, { action: 'respond' }, liaison('wj-market'))), 'TB_WHISTLE_NOT_FOUND', 'a department not summoned does not see it')
      t.equal(await codeOf(whistles.view(id, liaison('wj-market'))), 'TB_WHISTLE_NOT_FOUND')
      const other = await serviceAt(db, { at: MONDAY_9 }).blow(blowInput({ departments: [{ code: 'wj-urban', role: 'lead' }] }), { ...leader, town: OTHER_TOWN })
      t.equal(await codeOf(whistles.view(other.id, leader)), 'TB_WHISTLE_NOT_FOUND', 'another town\'s whistle')
      t.equal((await whistles.view(other.id, countyAdmin)).whistle.id, other.id, 'the county sees it')
      const town: WhistleTransitionInput[] = [
        { action: 'close', check: '核查', rating: 5 }, { action: 'withdraw', reason: 'x' }, { action: 'approve' },
        { action: 'reroute', departments: [{ code: 'wj-market', role: 'co' }], reason: 'x' }, { action: 'reopen', reason: 'x' },
        { action: 'decide-extension', department: 'wj-urban', grant: true }, { action: 'reject-done', department: 'wj-urban', reason: 'x' },
      ]
      for (const kind of ['staff', 'token'] as const) {
        for (const input of town) t.equal(await codeOf(whistles.transition(id, input, liaison('wj-urban', kind))), 'TB_FORBIDDEN', `${kind} ${input.action}`)
      }
      t.equal((await whistles.view(id)).events.length, 1, 'nothing happened')
    })

    t.test('returned by all: the town re-routes; an extension asked and granted moves the clock; a done declaration sent back', async (t) => {
      const { db } = await open(t)
      const clock = { at: MONDAY_9 }
      const whistles = serviceAt(db, clock)
      const { id } = await whistles.blow(blowInput(), leader)
      await whistles.transition(id, { action: 'return', reason: '非本部门职责' }, liaison('wj-urban'))
      await whistles.transition(id, { action: 'return', reason: '非本部门职责' }, liaison('wj-housing'))
      t.match(await whistles.transition(id, { action: 'close', check: 'x', rating: 3 }, leader).catch((e: Error) => e.message), /every department returned/)
      t.equal(await codeOf(whistles.transition(id, { action: 'reroute', departments: [{ code: 'wj-urban', role: 'lead' }, { code: 'wj-market', role: 'lead' }], reason: 'x' }, liaison('wj-urban'))), 'TB_FORBIDDEN')
      clock.at = '2026-03-03T01:00:00.000Z'
      const rerouted = await whistles.transition(id, { action: 'reroute', departments: [{ code: 'wj-market', role: 'lead' }], reason: '食品摊位，市场监管牵头' }, leader)
      t.strictSame(rerouted.event.data.deadlines, { 'wj-market': { respond: '2026-03-04T01:00:00.000Z', arrive: '2026-03-06T01:00:00.000Z', finish: '2026-03-17T01:00:00.000Z' } })
      t.equal(await codeOf(whistles.transition(id, { action: 'reroute', departments: [{ code: 'wj-market', role: 'lead' }], reason: 'x' }, leader)), 'TB_WHISTLE_ACTION_REFUSED')
      const market = liaison('wj-market', 'token')
      await whistles.transition(id, { action: 'arrive', who: '市场所', at: '2026-03-03T10:00:00+08:00' }, market)
      t.equal(await codeOf(whistles.transition(id, { action: 'decide-extension', department: 'wj-market', grant: true }, leader)), 'TB_WHISTLE_ACTION_REFUSED', 'nothing asked')
      await whistles.transition(id, { action: 'request-extension', clock: 'finish', span: '5wd', reason: '需检测报告' }, market)
      t.equal(await codeOf(whistles.transition(id, { action: 'request-extension', clock: 'finish', span: '2wd', reason: '再延' }, market)), 'TB_WHISTLE_ACTION_REFUSED')
      t.notOk((await whistles.view(id, market)).allowed.includes('request-extension'))
      const decided = await whistles.transition(id, { action: 'decide-extension', department: 'wj-market', grant: true, reason: '同意' }, leader)
      t.strictSame(decided.event.data.deadlines, { 'wj-market': { respond: '2026-03-04T01:00:00.000Z', arrive: '2026-03-06T01:00:00.000Z', finish: '2026-03-24T01:00:00.000Z' } })
      const v = await whistles.view(id, leader)
      t.strictSame(v.whistle.targets.find((x) => x.department === 'wj-market')!.extended, { finish: '5wd' })
      t.equal(v.rungs.find((r) => r.department === 'wj-market' && r.clock === 'finish' && r.rung === 'head')!.deadline, '2026-03-24T01:00:00.000Z')
      await whistles.transition(id, { action: 'declare-done', text: '已整改', photos: [] }, market)
      t.equal((await rungStates(db, id, 'wj-market'))['finish.head'], 'stopped')
      await whistles.transition(id, { action: 'reject-done', department: 'wj-market', reason: '现场仍有摊位' }, leader)
      t.equal((await rungStates(db, id, 'wj-market'))['finish.head'], 'pending', 'the finish clock runs again')
      t.equal((await whistles.view(id)).whistle.targets.find((x) => x.department === 'wj-market')!.state, 'arrived')
    })

    t.test('reopen: the finish clock starts again; requestIds make repeats idempotent', async (t) => {
      const { db } = await open(t)
      const clock = { at: MONDAY_9 }
      const whistles = serviceAt(db, clock)
      const { id } = await whistles.blow(blowInput({ departments: [{ code: 'wj-urban', role: 'lead' }], category: undefined, requestId: 'blow-0001' }), leader)
      t.strictSame(await whistles.blow(blowInput({ requestId: 'blow-0001' }), leader), { id, replayed: true })
      const urban = liaison('wj-urban')
      await whistles.transition(id, { action: 'arrive', who: '城管中队', at: MONDAY_9 }, urban)
      const first = await whistles.transition(id, { action: 'declare-done', text: '已处理', photos: [], requestId: 'done-0001' }, urban)
      const again = await whistles.transition(id, { action: 'declare-done', text: '已处理', photos: [], requestId: 'done-0001' }, urban)
      t.equal(again.replayed, true)
      t.equal(again.event.seq, first.event.seq)
      t.equal(await codeOf(whistles.transition(id, { action: 'progress', text: 'x', photos: [], requestId: 'done-0001' }, urban)), 'TB_WHISTLE_REQUEST_REUSED')
      await whistles.transition(id, { action: 'close', check: '核查通过', rating: 5 }, leader)
      clock.at = '2026-03-04T01:00:00.000Z'
      const reopened = await whistles.transition(id, { action: 'reopen', reason: '群众反映问题复发' }, leader)
      t.strictSame(reopened.event.data.deadlines, { 'wj-urban': { respond: '2026-03-03T01:00:00.000Z', arrive: '2026-03-05T01:00:00.000Z', finish: '2026-03-18T01:00:00.000Z' } })
      const v = await whistles.view(id, urban)
      t.equal(v.whistle.state, 'open')
      t.equal(v.whistle.rating, null)
      t.equal(v.whistle.targets[0]!.state, 'arrived')
      t.ok(v.allowed.includes('declare-done'))
      t.strictSame((await outboxOf(db, id)).map((o) => o.operation), ['whistle.blown', 'whistle.closed', 'whistle.reopened'])
    })

    t.test('a close racing a department\'s answer: exactly one wins, the other is 409, never both', async (t) => {
      const { db } = await open(t)
      const whistles = serviceAt(db, { at: MONDAY_9 })
      const urban = liaison('wj-urban')
      for (let i = 0; i < 12; i++) {
        const { id } = await whistles.blow(blowInput({ departments: [{ code: 'wj-urban', role: 'lead' }], category: undefined }), leader)
        await whistles.transition(id, { action: 'arrive', who: '中队', at: MONDAY_9 }, urban)
        await whistles.transition(id, { action: 'declare-done', text: '完成', photos: [] }, urban)
        const { version } = (await whistles.view(id)).whistle
        const results = await Promise.allSettled([
          whistles.transition(id, { action: 'close', check: '核查', rating: 5, version }, leader),
          whistles.transition(id, { action: 'progress', text: '补充照片', photos: [] }, urban),
        ])
        const won = results.filter((r) => r.status === 'fulfilled')
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        t.equal(won.length, 1, `round ${i}: one wins`)
        t.ok(['TB_WHISTLE_TRANSITION_NOT_ALLOWED', 'TB_WHISTLE_CHANGED'].includes((lost[0]?.reason as { code: string }).code), 'the other is 409')
        const events = (await whistles.view(id)).events.map((e) => e.action)
        t.notOk(events.includes('close') && events.includes('progress'), 'never both')
      }
    })

    t.test('the ladder: two sweepers in small batches fire every due rung exactly once; the list shows the overdue', async (t) => {
      const { db } = await open(t)
      const cfg = config()
      const whistles = serviceAt(db, { at: MONDAY_9 }, cfg)
      const ids: string[] = []
      for (let i = 0; i < 8; i++) ids.push((await whistles.blow(blowInput({ type: 'emergency', departments: [{ code: 'wj-urban', role: 'lead' }, { code: 'wj-emergency', role: 'co' }], category: undefined }), leader)).id)
      await whistles.transition(ids[0]!, { action: 'respond' }, liaison('wj-urban'))
      const counted: string[] = []
      const deps = { db, config: () => cfg, logger: captureLogger().logger, metrics: { whistleRungsFired: { inc: ({ rung }: { rung: string }) => { counted.push(rung) } } } as never, batch: 3 }
      // 40 minutes on: each respond clock (30 min) is past its liaison and head rungs
      const at = Date.parse(MONDAY_9) + 40 * 60_000
      const [a, b] = await Promise.all([sweepLadders(deps, at), sweepLadders(deps, at)])
      t.equal(a.length + b.length, 8 * 2 * 2 - 2, 'every due rung once (the one department that responded has none due)')
      t.equal(new Set([...a, ...b].map((r) => `${r.subject}/${r.party}/${r.clock}/${r.rung}`)).size, a.length + b.length)
      t.equal(counted.length, a.length + b.length)
      t.equal((await sweepLadders(deps, at)).length, 0)
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM whistle_events WHERE action = 'escalate'`)
      t.equal(Number(rows[0]!.n), 30)
      const v = await whistles.view(ids[1]!)
      t.strictSame(v.events.filter((e) => e.action === 'escalate').map((e) => [e.department, e.data.clock, e.data.rung, e.data.deadline]).sort(), [
        ['wj-emergency', 'respond', 'head', '2026-03-02T01:30:00.000Z'], ['wj-emergency', 'respond', 'liaison', '2026-03-02T01:30:00.000Z'],
        ['wj-urban', 'respond', 'head', '2026-03-02T01:30:00.000Z'], ['wj-urban', 'respond', 'liaison', '2026-03-02T01:30:00.000Z'],
      ])
      t.equal((await outboxOf(db, ids[1]!)).filter((o) => o.operation === 'whistle.reminder').length, 4, 'both departments have systems')
      const overdue = await whistles.list({ townPrefix: '320412120', overdueAt: new Date(at).toISOString(), limit: 50 })
      t.equal(overdue.length, 8, 'the first still waits for wj-emergency')
      const urbanOverdue = await whistles.list({ townPrefix: '320412120', department: 'wj-urban', states: ['open'], limit: 50 })
      t.equal(urbanOverdue.length, 8)
      t.equal((await whistles.list({ townPrefix: '320412120', overdueAt: MONDAY_9, limit: 50 })).length, 0, 'nothing is overdue at once')
    })

    t.test('closing a whistle from a work order replies to the hotline in the same step; the view shows the revisit', async (t) => {
      const { db } = await open(t)
      const at = MONDAY_9
      await db.query(
        `INSERT INTO orders (order_no, instance, town, state, body, received_at, updated_at, revisit) VALUES ('GD2026030200001', 'hotline', $1, 'signed', '{}', $2, $2, '{"satisfaction":"满意"}')`, [TOWN, at])
      const whistles = serviceAt(db, { at })
      const { id } = await whistles.blow(blowInput({ source: { kind: 'order', id: 'GD2026030200001' }, departments: [{ code: 'wj-housing', role: 'lead' }] }), leader)
      const housing = liaison('wj-housing')
      await whistles.transition(id, { action: 'arrive', who: '住建', at }, housing)
      await whistles.transition(id, { action: 'declare-done', text: '已修复', photos: [] }, housing)
      await whistles.transition(id, { action: 'close', check: '路面已修复', rating: 5, replyResult: '1' }, leader)
      const { rows } = await db.query<{ instance: string, operation: string, input: Record<string, unknown> }>(`SELECT instance, operation, input FROM outbox WHERE subject = 'order:GD2026030200001'`)
      t.strictSame(rows, [{ instance: 'hotline', operation: 'reply', input: { orderNo: 'GD2026030200001', result: '1', text: '路面已修复', handler: '李镇长', time: at } }])
      const v = await whistles.view(id)
      t.strictSame(v.order, { orderNo: 'GD2026030200001', revisit: { satisfaction: '满意' } })
      await whistles.reopenForOrder('GD2026030200001', '重办')
      t.equal((await whistles.view(id)).whistle.state, 'open')
      t.equal((await whistles.view(id)).events.at(-1)!.actor.kind, 'system')
      await whistles.reopenForOrder('GD-none', '重办')
    })
  })
}
