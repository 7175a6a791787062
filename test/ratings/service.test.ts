// 好差评 on PGlite and PostgreSQL: one-time links (spent once, refused after expiry), a rating
// stored with the case's town, matter and the staff member of the rated step and reported through
// the outbox in the same transaction, a 差评's rectification due in working days (or shown as
// uncomputable past the calendar), follow-ups and the re-rating, and appeals decided once.
import t from 'tap'
import { stores } from '../helpers.ts'
import { loadCalendar } from '../../src/calendar/calendar.ts'
import { createRatingService } from '../../src/ratings/service.ts'
import { listRatings, listRectifications, listAppeals } from '../../src/store/ratings.ts'
import type { Db } from '../../src/store/db.ts'
import type { Actor } from '../../src/model/case.ts'
import { LI, TOWN, WANG, seedCase } from './fixtures.ts'

const calendar = loadCalendar()
const LEADER: Actor = { kind: 'staff', id: '9', name: '赵镇长' }
const COUNTY: Actor = { kind: 'staff', id: '10', name: '县管理员' }
const tokenOf = (url: string): string => url.split('/').pop()!

function service (db: Db, clock: { now: Date }, reportTo: string | null = 'matters-exchange') {
  return createRatingService({ db, calendar: () => calendar, settings: { rectifyWithin: 5, linkMinutes: 30 }, reportTo: reportTo ?? undefined, now: () => clock.now })
}

async function outboxOf (db: Db, projectNo: string): Promise<Array<{ subject: string, instance: string, operation: string, input: Record<string, unknown>, state: string }>> {
  const { rows } = await db.query<{ subject: string, instance: string, operation: string, input: Record<string, unknown>, state: string }>(
    'SELECT subject, instance, operation, input, state FROM outbox WHERE subject = $1 ORDER BY id', [`case:${projectNo}`])
  return rows
}

// One database per store (migrating is the slow part); each test has cases of its own.
for (const store of ['pglite', 'postgres'] as const) {
  t.test(store, async (t) => {
    const { db } = await stores[store](t)
    await t.test(`a link rates once, at a stage the case has reached`, async (t) => {
      const clock = { now: new Date('2026-12-07T02:00:00Z') }
      const ratings = service(db, clock)
      const received = await seedCase(db, { seq: 11, receivedAt: '2026-12-07T01:00:00Z' })
      await t.rejects(ratings.createLink(received, 'accept', WANG, TOWN.slice(0, 9)), { code: 'TB_RATING_STAGE_NOT_REACHED' }, 'not before acceptance')
      const accepted = await seedCase(db, { seq: 12, receivedAt: '2026-12-07T01:00:00Z', acceptedAt: '2026-12-07T01:30:00Z', acceptedBy: LI })
      await t.rejects(ratings.createLink(accepted, 'conclude', WANG, TOWN.slice(0, 9)), { code: 'TB_RATING_STAGE_NOT_REACHED' }, 'not at 办结 before it is concluded')
      await t.rejects(ratings.createLink(accepted, 'accept', WANG, '320412121'), { code: 'TB_CASE_NOT_FOUND' }, 'not outside the scope')

      const link = await ratings.createLink(accepted, 'accept', WANG, TOWN.slice(0, 9))
      t.match(link.url, /^\/rate\/[A-Za-z0-9_-]{32}$/)
      t.equal(link.expiresAt, '2026-12-07T02:30:00.000Z', 'good for 30 minutes')
      const { rows: stored } = await db.query<{ token_hash: string }>('SELECT token_hash FROM rating_links')
      t.not(stored[0]!.token_hash, tokenOf(link.url), 'only the hash is stored')
      t.match(await ratings.viewLink(tokenOf(link.url)), { status: 'open', stage: 'accept', matterName: '临时救助申请', applicant: '邓**', rerating: false })

      const { rating, rectificationId } = await ratings.rate(tokenOf(link.url), { level: 5, comment: ' 很好 ' })
      t.match(rating, { projectNo: accepted, stage: 'accept', level: 5, channel: '01', comment: '很好', town: TOWN, matterName: '临时救助申请', staff: LI, staffId: 'staff:8', reratingOf: null })
      t.equal(rectificationId, null, 'a good rating opens no rectification')
      t.same(await outboxOf(db, accepted), [{
        subject: `case:${accepted}`, instance: 'matters-exchange', operation: 'evaluation', state: 'pending',
        input: { projectNo: accepted, evalStage: '1', level: 5, channel: '01', comment: '很好', evalTime: '2026-12-07T02:00:00.000Z' },
      }], 'reported through the outbox with the rating')

      await t.rejects(ratings.rate(tokenOf(link.url), { level: 1 }), { code: 'TB_RATING_LINK_USED' }, 'used twice: refused')
      t.match(await ratings.viewLink(tokenOf(link.url)), { status: 'used' })
      t.equal((await outboxOf(db, accepted)).length, 1, 'the refused second use reported nothing')
      await t.rejects(ratings.createLink(accepted, 'accept', WANG, TOWN.slice(0, 9)), { code: 'TB_RATING_EXISTS' }, 'one rating per case and stage')
      await t.rejects(ratings.rate('A'.repeat(32), { level: 3 }), { code: 'TB_RATING_LINK_UNKNOWN' })
    })

    await t.test(`an expired link is refused`, async (t) => {
      const clock = { now: new Date('2026-12-07T02:00:00Z') }
      const ratings = service(db, clock)
      const projectNo = await seedCase(db, { seq: 21, receivedAt: '2026-12-07T01:00:00Z', acceptedAt: '2026-12-07T01:30:00Z' })
      const link = await ratings.createLink(projectNo, 'accept', WANG, TOWN)
      clock.now = new Date('2026-12-07T02:30:00Z')
      await t.rejects(ratings.rate(tokenOf(link.url), { level: 4 }), { code: 'TB_RATING_LINK_EXPIRED' })
      t.match(await ratings.viewLink(tokenOf(link.url)), { status: 'expired', at: '2026-12-07T02:30:00.000Z' })
      t.same(await listRatings(db, { townPrefix: TOWN, projectNo, limit: 10 }), [], 'nothing stored')
    })

    await t.test(`two links of one stage — the second rating is refused`, async (t) => {
      const ratings = service(db, { now: new Date('2026-12-07T02:00:00Z') })
      const projectNo = await seedCase(db, { seq: 31, receivedAt: '2026-12-07T01:00:00Z', acceptedAt: '2026-12-07T01:30:00Z' })
      const a = await ratings.createLink(projectNo, 'accept', WANG, TOWN)
      const b = await ratings.createLink(projectNo, 'accept', WANG, TOWN)
      const results = await Promise.allSettled([ratings.rate(tokenOf(a.url), { level: 4 }), ratings.rate(tokenOf(b.url), { level: 2 })])
      t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one wins')
      t.match(results.find((r) => r.status === 'rejected'), { reason: { code: 'TB_RATING_EXISTS' } })
      t.equal((await listRatings(db, { townPrefix: TOWN, projectNo, limit: 10 })).length, 1)
      t.equal((await outboxOf(db, projectNo)).length, 1, 'one report')
    })

    await t.test(`a 差评 opens a rectification due in working days; follow-up, re-rating`, async (t) => {
      // Monday 7 December 2026, Beijing: five working days on is Monday 14 December.
      const clock = { now: new Date('2026-12-07T02:00:00Z') }
      const ratings = service(db, clock)
      const projectNo = await seedCase(db, { seq: 41, receivedAt: '2026-12-01T01:00:00Z', acceptedAt: '2026-12-01T02:00:00Z', concludedAt: '2026-12-04T02:00:00Z', concludedBy: LI })
      const link = await ratings.createLink(projectNo, 'conclude', WANG, TOWN)
      const { rating, rectificationId } = await ratings.rate(tokenOf(link.url), { level: 2, comment: '等了很久' })
      t.equal(rating.staffId, 'staff:8', 'the staff member who concluded it')
      t.ok(rectificationId)
      const x = await ratings.rectification(rectificationId!, TOWN)
      t.match(x, { ratingId: rating.id, projectNo, stage: 'conclude', level: 2, due: '2026-12-14', dueProblem: null, withinDays: 5, status: 'open', followUps: 0, followUpList: [], appeal: null })
      t.match((await outboxOf(db, projectNo))[0], { operation: 'evaluation', input: { evalStage: '2', level: 2, comment: '等了很久' } })

      await t.rejects(ratings.createRerateLink(x.id, WANG, TOWN), { code: 'TB_RECTIFICATION_NO_FOLLOW_UP' }, 'no re-rating before someone followed up')
      const f = await ratings.followUp(x.id, { contactedBy: '王窗口', contactedAt: '2026-12-08T10:00:00+08:00', action: '电话致歉，说明办理进度，已加急' }, WANG, TOWN)
      t.match(f, { contactedBy: '王窗口', contactedAt: '2026-12-08T02:00:00.000Z', action: '电话致歉，说明办理进度，已加急', recordedBy: WANG })
      const again = await ratings.createRerateLink(x.id, WANG, TOWN)
      t.match(await ratings.viewLink(tokenOf(again.url)), { status: 'open', stage: 'conclude', rerating: true })
      const re = await ratings.rate(tokenOf(again.url), { level: 4 })
      t.match(re.rating, { reratingOf: rating.id, level: 4, stage: 'conclude' })
      t.equal(re.rectificationId, null, 'a re-rating opens no rectification of its own')
      t.match(await ratings.rectification(x.id, TOWN), { status: 're-rated', rerating: { id: re.rating.id, level: 4 }, followUps: 1 })
      t.match(await ratings.rating(rating.id, TOWN), { reratedBy: re.rating.id })
      t.equal((await outboxOf(db, projectNo)).length, 2, 'the re-rating is reported too')
      await t.rejects(ratings.followUp(x.id, { contactedBy: '王窗口', contactedAt: '2026-12-09T10:00:00+08:00', action: '再次回访' }, WANG, TOWN), { code: 'TB_RECTIFICATION_CLOSED' })
      t.notOk((await listRectifications(db, { townPrefix: TOWN, open: true, limit: 100 })).some((r) => r.id === x.id), 'no longer listed as open')
    })

    await t.test(`past the calendar's years the rectification has no date, and says why`, async (t) => {
      const ratings = service(db, { now: new Date('2026-12-28T02:00:00Z') })
      const projectNo = await seedCase(db, { seq: 51, receivedAt: '2026-12-28T01:00:00Z', acceptedAt: '2026-12-28T01:30:00Z' })
      const link = await ratings.createLink(projectNo, 'accept', WANG, TOWN)
      const { rectificationId } = await ratings.rate(tokenOf(link.url), { level: 1 })
      const x = await ratings.rectification(rectificationId!, TOWN)
      t.equal(x.due, null, 'never guessed')
      t.match(x.dueProblem, /does not cover 2027/)
    })

    await t.test(`without a reporting instance the rating is kept unreported`, async (t) => {
      const ratings = service(db, { now: new Date('2026-12-07T02:00:00Z') }, null)
      const projectNo = await seedCase(db, { seq: 61, receivedAt: '2026-12-07T01:00:00Z', acceptedAt: '2026-12-07T01:30:00Z' })
      await ratings.rate(tokenOf((await ratings.createLink(projectNo, 'accept', WANG, TOWN)).url), { level: 3 })
      t.equal((await outboxOf(db, projectNo)).length, 0)
      t.equal((await listRatings(db, { townPrefix: TOWN, projectNo, limit: 10 })).length, 1)
    })

    await t.test(`appeals — of a 差评 only, once, decided once`, async (t) => {
      const ratings = service(db, { now: new Date('2026-12-07T02:00:00Z') })
      const good = await seedCase(db, { seq: 71, receivedAt: '2026-12-07T01:00:00Z', acceptedAt: '2026-12-07T01:30:00Z' })
      const bad = await seedCase(db, { seq: 72, receivedAt: '2026-12-07T01:00:00Z', acceptedAt: '2026-12-07T01:30:00Z' })
      const g = await ratings.rate(tokenOf((await ratings.createLink(good, 'accept', WANG, TOWN)).url), { level: 4 })
      const b = await ratings.rate(tokenOf((await ratings.createLink(bad, 'accept', WANG, TOWN)).url), { level: 1, comment: '骂人的话' })
      await t.rejects(ratings.appeal(g.rating.id, '不是差评', LEADER, TOWN), { code: 'TB_RATING_NOT_APPEALABLE' })
      await t.rejects(ratings.appeal(b.rating.id, '恶意差评', LI, TOWN, 'staff:8'), { code: 'TB_RATING_NOT_FOUND' }, 'window staff appeal the ratings of their own steps only')
      const appeal = await ratings.appeal(b.rating.id, '评价内容为辱骂，与办件无关', WANG, TOWN, 'staff:7')
      t.match(appeal, { ratingId: b.rating.id, projectNo: bad, level: 1, reason: '评价内容为辱骂，与办件无关', appealedBy: WANG, decision: null })
      await t.rejects(ratings.appeal(b.rating.id, '再申诉', LEADER, TOWN), { code: 'TB_APPEAL_EXISTS' })
      t.ok((await listAppeals(db, { townPrefix: TOWN, pending: true, limit: 100 })).some((a) => a.id === appeal.id), 'pending')
      await t.rejects(ratings.decide(appeal.id, 'upheld', '属实', COUNTY, '320413'), { code: 'TB_APPEAL_NOT_FOUND' }, 'another county sees no such appeal')
      const decided = await ratings.decide(appeal.id, 'upheld', '经核实为恶意评价', COUNTY, '320412')
      t.match(decided.decision, { decision: 'upheld', reason: '经核实为恶意评价', decidedBy: COUNTY })
      await t.rejects(ratings.decide(appeal.id, 'dismissed', '改判', COUNTY, '320412'), { code: 'TB_APPEAL_DECIDED' }, 'the first decision stands')
      t.notOk((await listAppeals(db, { townPrefix: TOWN, pending: true, limit: 100 })).some((a) => a.id === appeal.id), 'no longer pending')
      t.match(await ratings.rating(b.rating.id, TOWN), { appeal: 'upheld' })
      t.match(await ratings.rectification(b.rectificationId!, TOWN), { status: 'void', appeal: { id: appeal.id } })
      await t.rejects(ratings.createRerateLink(b.rectificationId!, WANG, TOWN), { code: 'TB_RECTIFICATION_CLOSED' })
    })
  })
}
