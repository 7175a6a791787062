// Hand-made whistle and order histories with known figures, written straight into the event
// tables as the whistle and order services write them (contract items 3 and 4): each whistle's
// clocks in `data.deadlines` of the event that starts or moves them, each answer with its
// department, `close` with its rating. Instants are Beijing (+08:00).
import type { Queryable } from '../../src/store/db.ts'

export const TOWN = '320412120000'
export const OTHER_TOWN = '320412100000'

type Deadlines = Record<string, { respond: string, arrive: string, finish: string }>
interface Ev { action: string, at: string, department?: string, data?: Record<string, unknown> }

const actor = { kind: 'staff', id: '1', name: '李镇长' }
const iso = (s: string): string => new Date(s).toISOString()

/** Deadlines for departments, each `respond`/`arrive`/`finish` a Beijing wall time `MM-DDTHH:mm`. */
export function deadlines (codes: string[], respond: string, arrive: string, finish: string): Deadlines {
  const at = (s: string): string => iso(`2026-${s}:00+08:00`)
  return Object.fromEntries(codes.map((c) => [c, { respond: at(respond), arrive: at(arrive), finish: at(finish) }]))
}

/** `MM-DDTHH:mm` Beijing. */
export const bj = (s: string): string => `2026-${s}:00+08:00`

export async function whistle (db: Queryable, id: string, town: string, events: Ev[]): Promise<void> {
  const blown = iso(events[0]!.at)
  await db.query(
    `INSERT INTO whistles (id, town, type, type_snapshot, source_kind, title, description, state, blown_by, blown_at, updated_at)
     VALUES ($1, $2, 'routine', '{}', 'direct', $1, 'test', 'open', $3, $4, $4)`,
    [id, town, actor, blown])
  let seq = 0
  for (const e of events) {
    await db.query(
      `INSERT INTO whistle_events (whistle_id, seq, department, action, from_state, to_state, actor, at, data)
       VALUES ($1, $2, $3, $4, NULL, 'open', $5, $6, $7)`,
      [id, ++seq, e.department ?? null, e.action, actor, iso(e.at), e.data ?? {}])
  }
  const closes = events.filter((e) => e.action === 'close' || e.action === 'reopen')
  const last = closes.at(-1)
  if (last?.action === 'close') await db.query(`UPDATE whistles SET state = 'closed', closed_at = $2 WHERE id = $1`, [id, iso(last.at)])
}

/** The histories of the tests; the figures they give are in EXPECTED. */
export async function seedWhistles (db: Queryable): Promise<void> {
  // in time: A responds, arrives (6 h after opening) and declares done in time; B co-department, no events at all
  await whistle(db, 'W1', TOWN, [
    { action: 'blow', at: bj('11-02T09:00'), data: { deadlines: deadlines(['a', 'b'], '11-02T13:00', '11-03T09:00', '11-10T18:00') } },
    { action: 'respond', department: 'a', at: bj('11-02T10:00') },
    { action: 'arrive', department: 'a', at: bj('11-02T16:00'), data: { who: '张三', arrivedAt: iso(bj('11-02T15:00')) } },
    { action: 'declare-done', department: 'a', at: bj('11-05T10:00') },
    { action: 'close', at: bj('11-06T10:00'), data: { rating: 5, check: '已核查' } },
  ])
  // late: everything after its deadline; arrives 5 h after opening
  await whistle(db, 'W2', TOWN, [
    { action: 'blow', at: bj('11-10T09:00'), data: { deadlines: deadlines(['a'], '11-10T10:00', '11-10T12:00', '11-11T09:00') } },
    { action: 'respond', department: 'a', at: bj('11-10T11:00') },
    { action: 'arrive', department: 'a', at: bj('11-10T14:00'), data: { who: '张三', arrivedAt: iso(bj('11-10T14:00')) } },
    { action: 'declare-done', department: 'a', at: bj('11-12T09:00') },
    { action: 'close', at: bj('11-12T10:00'), data: { rating: 3, check: '已核查' } },
  ])
  // returned: A returns it, the town reroutes to C, which responds in time (its clock from the reroute)
  await whistle(db, 'W3', TOWN, [
    { action: 'blow', at: bj('11-15T09:00'), data: { deadlines: deadlines(['a'], '11-15T13:00', '11-16T09:00', '11-25T18:00') } },
    { action: 'return', department: 'a', at: bj('11-15T10:00'), data: { reason: '非本部门职责' } },
    { action: 'reroute', at: bj('11-15T11:00'), data: { deadlines: deadlines(['c'], '11-15T15:00', '11-16T11:00', '11-25T18:00') } },
    { action: 'respond', department: 'c', at: bj('11-15T12:00') },
  ])
  // extended: done after the first finish deadline, within the one the granted extension gave
  await whistle(db, 'W4', TOWN, [
    { action: 'blow', at: bj('11-20T09:00'), data: { deadlines: deadlines(['a'], '11-20T13:00', '11-21T09:00', '11-21T09:00') } },
    { action: 'respond', department: 'a', at: bj('11-20T10:00') },
    { action: 'request-extension', department: 'a', at: bj('11-20T17:00'), data: { clock: 'finish', span: '3wd' } },
    { action: 'decide-extension', department: 'a', at: bj('11-20T18:00'), data: { grant: true, deadlines: deadlines(['a'], '11-20T13:00', '11-21T09:00', '11-25T09:00') } },
    { action: 'declare-done', department: 'a', at: bj('11-24T09:00') },
    { action: 'close', at: bj('11-24T10:00'), data: { rating: 4, check: '已核查' } },
  ])
  // reopened and done again: the second declaration, within the reopening's new deadline, counts; the last rating (4) too
  await whistle(db, 'W5', TOWN, [
    { action: 'blow', at: bj('11-25T09:00'), data: { deadlines: deadlines(['a'], '11-25T13:00', '11-26T09:00', '11-26T12:00') } },
    { action: 'respond', department: 'a', at: bj('11-25T10:00') },
    { action: 'declare-done', department: 'a', at: bj('11-26T10:00') },
    { action: 'close', at: bj('11-26T11:00'), data: { rating: 2, check: '已核查' } },
    { action: 'reopen', at: bj('11-27T09:00'), data: { reason: '群众不满意', deadlines: deadlines(['a'], '11-27T13:00', '11-28T09:00', '11-30T18:00') } },
    { action: 'declare-done', department: 'a', at: bj('11-29T09:00') },
    { action: 'close', at: bj('11-29T10:00'), data: { rating: 4, check: '已复核' } },
  ])
  // reopened and not done again: neither done nor rated
  await whistle(db, 'W6', TOWN, [
    { action: 'blow', at: bj('11-26T09:00'), data: { deadlines: deadlines(['a'], '11-26T13:00', '11-27T09:00', '11-27T18:00') } },
    { action: 'declare-done', department: 'a', at: bj('11-26T12:00') },
    { action: 'close', at: bj('11-26T14:00'), data: { rating: 5, check: '已核查' } },
    { action: 'reopen', at: bj('11-28T09:00'), data: { reason: '复发', deadlines: deadlines(['a'], '11-28T13:00', '11-29T09:00', '11-30T18:00') } },
  ])
  // blown on 31 October, approved (opened) on 1 November: counts in November
  await whistle(db, 'W7', TOWN, [
    { action: 'blow', at: bj('10-31T23:30') },
    { action: 'approve', at: bj('11-01T00:30'), data: { deadlines: deadlines(['a'], '11-01T04:30', '11-03T00:30', '11-15T00:30') } },
  ])
  // awaiting approval: never opened, not counted
  await whistle(db, 'W8', TOWN, [{ action: 'blow', at: bj('11-20T09:00') }])
  // December
  await whistle(db, 'W9', TOWN, [
    { action: 'blow', at: bj('12-01T09:00'), data: { deadlines: deadlines(['a'], '12-01T13:00', '12-02T09:00', '12-10T18:00') } },
    { action: 'respond', department: 'a', at: bj('12-01T10:00') },
  ])
  // another town of the county
  await whistle(db, 'W10', OTHER_TOWN, [
    { action: 'blow', at: bj('11-05T09:00'), data: { deadlines: deadlines(['a'], '11-05T13:00', '11-06T09:00', '11-15T18:00') } },
    { action: 'respond', department: 'a', at: bj('11-05T10:00') },
  ])
}

/** The town's November figures per department, as counts. */
export const EXPECTED_NOVEMBER = {
  a: { whistled: 7, respondedInTime: 3, arrivedInTime: 1, arrived: 2, arriveHours: 11, done: 4, doneInTime: 3, returned: 1, rated: 4, ratingSum: 16 },
  b: { whistled: 1, respondedInTime: 0, arrivedInTime: 0, arrived: 0, arriveHours: 0, done: 0, doneInTime: 0, returned: 0, rated: 1, ratingSum: 5 },
  c: { whistled: 1, respondedInTime: 1, arrivedInTime: 0, arrived: 0, arriveHours: 0, done: 0, doneInTime: 0, returned: 0, rated: 0, ratingSum: 0 },
}

async function order (db: Queryable, no: string, town: string, signDeadline: string, events: Array<{ type: string, at: string, data?: Record<string, unknown> }>): Promise<void> {
  const received = iso(events[0]!.at)
  await db.query(
    `INSERT INTO orders (order_no, instance, town, state, body, received_at, updated_at, sign_deadline)
     VALUES ($1, 'hotline-12345', $2, 'dispatched', $3, $4, $4, $5)`,
    [no, town, { orderNo: no }, received, iso(signDeadline)])
  let n = 0
  for (const e of events) {
    await db.query(
      `INSERT INTO order_events (order_no, instance, event_id, type, at, actor, data, applied_at) VALUES ($1, 'hotline-12345', $2, $3, $4, $5, $6, $4)`,
      [no, e.type.startsWith('town.') ? null : `${no}-${++n}`, e.type, iso(e.at), { kind: 'system', id: 'hotline', name: '12345' }, { orderNo: no, ...e.data }])
  }
}

const revisit = (solved: boolean, satisfied: number): Record<string, unknown> => ({ revisit: { contacted: true, solved, satisfied, comment: '' } })

export async function seedOrders (db: Queryable): Promise<void> {
  // signed in time, revisited solved and satisfied
  await order(db, 'GD2026110300001', TOWN, bj('11-03T12:00'), [
    { type: 'order.dispatched', at: bj('11-03T09:00') },
    { type: 'town.sign', at: bj('11-03T10:00') },
    { type: 'town.reply', at: bj('11-04T10:00') },
    { type: 'order.revisited', at: bj('11-05T10:00'), data: revisit(true, 5) },
  ])
  // signed late; the first revisit unsolved and unsatisfied, reopened, the last revisit solved and satisfied
  await order(db, 'GD2026110400002', TOWN, bj('11-04T12:00'), [
    { type: 'order.dispatched', at: bj('11-04T09:00') },
    { type: 'town.sign', at: bj('11-04T15:00') },
    { type: 'order.revisited', at: bj('11-06T10:00'), data: revisit(false, 2) },
    { type: 'order.reopened', at: bj('11-06T11:00') },
    { type: 'order.revisited', at: bj('11-09T10:00'), data: revisit(true, 4) },
  ])
  // never signed, never revisited
  await order(db, 'GD2026110500003', TOWN, bj('11-05T12:00'), [{ type: 'order.dispatched', at: bj('11-05T09:00') }])
  // December
  await order(db, 'GD2026120100004', TOWN, bj('12-01T12:00'), [{ type: 'order.dispatched', at: bj('12-01T09:00') }, { type: 'town.sign', at: bj('12-01T10:00') }])
  // another town
  await order(db, 'GD2026110600005', OTHER_TOWN, bj('11-06T12:00'), [{ type: 'order.dispatched', at: bj('11-06T09:00') }, { type: 'town.sign', at: bj('11-06T10:00') }])
}

export const EXPECTED_HOTLINE_NOVEMBER = { dispatched: 3, signedInTime: 1, revisited: 2, solved: 2, satisfied: 2 }
