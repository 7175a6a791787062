// 好差评: rating links made at the window, the rating the tablet sends through one, and what a
// 差评 starts — a rectification (整改) due in working days, its follow-up contacts and a
// re-rating — and appeals (申诉) the county decides. A rating, its spent link, its rectification
// and its report to the provincial platform (an outbox row) are committed in one transaction.
import type { Db } from '../store/db.ts'
import { TongbanError, isTongbanError } from '../errors.ts'
import type { Actor } from '../model/case.ts'
import type { Principal } from '../auth/principal.ts'
import type { WorkingCalendar } from '../calendar/calendar.ts'
import { computeDeadline } from '../calendar/deadline.ts'
import { getCase, lockCase, type CaseRow } from '../store/cases.ts'
import { addOutbox } from '../store/outbox.ts'
import { subjectOf } from '../cases/reports.ts'
import {
  appealOfRating, firstRating, followUpsOf, getAppeal, getRating, getRectification, insertAppeal, insertAppealDecision, insertFollowUp,
  insertRating, insertRatingLink, insertRectification, lockRatingLink, ratingLinkByHash, spendRatingLink, stageActor,
  type AppealRow, type FollowUpRow, type RatingRow, type RatingStage, type RectificationRow,
} from '../store/ratings.ts'
import { EVAL_STAGE, TABLET_CHANNEL, isBad, maskName, stageReached } from './levels.ts'
import { newToken, ratePath, tokenHash } from './links.ts'

export interface RatingSettings {
  /** Working days a rectification has. */
  rectifyWithin: number
  /** Minutes a rating link is good for. */
  linkMinutes: number
}

export interface RatingServiceDeps {
  db: Db
  calendar: () => WorkingCalendar
  settings: RatingSettings
  /** The adapter instance ratings are reported to (`evaluation`); undefined: kept without reports. */
  reportTo: string | undefined
  now?: () => Date
}

export const actorRef = (a: Actor): string => `${a.kind}:${a.id}`

/** Who acts, as case events and rating rows name them: a staff member, or an API client. */
export const actorOf = (p: Principal): Actor => ({ kind: p.kind === 'staff' ? 'staff' : 'token', id: p.id, name: p.name })

/** What the tablet page may show about its link: never more than the matter and a masked name. */
export type LinkView =
  | { status: 'unknown' }
  | { status: 'used', at: string }
  | { status: 'expired', at: string }
  | { status: 'open', stage: RatingStage, matterName: string, applicant: string, rerating: boolean, expiresAt: string }

export interface RatingInput { level: number, comment?: string | undefined }

const STAGE_STEP: Record<RatingStage, string> = { accept: 'accepted', conclude: 'concluded' }

export function createRatingService (deps: RatingServiceDeps) {
  const { db, settings } = deps
  const nowMs = (): number => (deps.now?.() ?? new Date()).getTime()

  async function caseInScope (projectNo: string, townPrefix: string): Promise<CaseRow> {
    const c = await getCase(db, projectNo)
    if (!c || !c.town.startsWith(townPrefix)) throw new TongbanError('TB_CASE_NOT_FOUND', [projectNo])
    return c
  }

  async function addLink (projectNo: string, stage: RatingStage, reratingOf: number | null, actor: Actor): Promise<{ url: string, expiresAt: string }> {
    const token = newToken()
    const at = nowMs()
    const expiresAt = new Date(at + settings.linkMinutes * 60_000).toISOString()
    await insertRatingLink(db, tokenHash(token), { projectNo, stage, reratingOf, createdBy: actor, createdAt: new Date(at).toISOString(), expiresAt })
    return { url: ratePath(token), expiresAt }
  }

  /** A link for the resident to rate the case at `stage` on the window's tablet; `url` is a path. */
  async function createLink (projectNo: string, stage: RatingStage, actor: Actor, townPrefix: string): Promise<{ url: string, expiresAt: string }> {
    const c = await caseInScope(projectNo, townPrefix)
    if (!stageReached(c, stage)) throw new TongbanError('TB_RATING_STAGE_NOT_REACHED', [projectNo, c.state, stage, STAGE_STEP[stage]])
    const rated = await firstRating(db, projectNo, stage)
    if (rated) throw new TongbanError('TB_RATING_EXISTS', [projectNo, stage, rated.id])
    return await addLink(projectNo, stage, null, actor)
  }

  async function rectificationInScope (id: number, townPrefix: string): Promise<RectificationRow> {
    const x = await getRectification(db, id)
    if (!x || !x.town.startsWith(townPrefix)) throw new TongbanError('TB_RECTIFICATION_NOT_FOUND', [id])
    return x
  }

  /** The re-rating link of a rectification, once someone has followed up with the resident. */
  async function createRerateLink (rectificationId: number, actor: Actor, townPrefix: string): Promise<{ url: string, expiresAt: string }> {
    const x = await rectificationInScope(rectificationId, townPrefix)
    if (x.status !== 'open') throw new TongbanError('TB_RECTIFICATION_CLOSED', [x.id, x.status])
    if (x.followUps === 0) throw new TongbanError('TB_RECTIFICATION_NO_FOLLOW_UP', [x.id, x.id])
    return await addLink(x.projectNo, x.stage, x.ratingId, actor)
  }

  function linkState (link: { usedAt: string | null, expiresAt: string }): LinkView | undefined {
    if (link.usedAt) return { status: 'used', at: link.usedAt }
    if (Date.parse(link.expiresAt) <= nowMs()) return { status: 'expired', at: link.expiresAt }
    return undefined
  }

  async function viewLink (token: string): Promise<LinkView> {
    const link = await ratingLinkByHash(db, tokenHash(token))
    if (!link) return { status: 'unknown' }
    const closed = linkState(link)
    if (closed) return closed
    const c = await getCase(db, link.projectNo)
    return { status: 'open', stage: link.stage, matterName: c!.matterName, applicant: maskName(c!.applicant.name), rerating: link.reratingOf !== null, expiresAt: link.expiresAt }
  }

  /** 差评 at the first rating: the rectification, due `rectifyWithin` working days on; no date (and why) past the calendar. */
  function rectificationDue (ratedAt: string): { due: string | null, dueProblem: string | null } {
    try {
      const d = computeDeadline(deps.calendar(), { start: ratedAt, limit: { amount: settings.rectifyWithin, unit: 'working-days' } })
      return d.state === 'running' ? { due: d.due, dueProblem: null } : { due: null, dueProblem: 'the clock is stopped' }
    } catch (err) {
      if (isTongbanError(err) && err.code === 'TB_CALENDAR_NOT_COVERED') return { due: null, dueProblem: err.message }
      throw err
    }
  }

  /** The tablet's rating through a link: spends the link, stores the rating, opens a rectification for a 差评 and reports it. */
  async function rate (token: string, input: RatingInput): Promise<{ rating: RatingRow, case: CaseRow, rectificationId: number | null }> {
    const hash = tokenHash(token)
    const { ratingId, c, rectificationId } = await db.transaction(async (tx) => {
      const link = await lockRatingLink(tx, hash)
      if (!link) throw new TongbanError('TB_RATING_LINK_UNKNOWN', [])
      const closed = linkState(link)
      if (closed?.status === 'used') throw new TongbanError('TB_RATING_LINK_USED', [closed.at])
      if (closed?.status === 'expired') throw new TongbanError('TB_RATING_LINK_EXPIRED', [closed.at])
      // The case's lock makes two links of one case and stage take turns: the second finds the first's rating.
      const c = (await lockCase(tx, link.projectNo))!
      if (link.reratingOf === null) {
        const rated = await firstRating(tx, link.projectNo, link.stage)
        if (rated) throw new TongbanError('TB_RATING_EXISTS', [link.projectNo, link.stage, rated.id])
      } else {
        const first = await getRating(tx, link.reratingOf)
        if (first?.reratedBy) throw new TongbanError('TB_RATING_EXISTS', [link.projectNo, link.stage, first.reratedBy])
      }
      const at = new Date(nowMs()).toISOString()
      const staff = await stageActor(tx, c.projectNo, link.stage) ?? c.receivedBy
      const comment = input.comment?.trim() || null
      const ratingId = await insertRating(tx, {
        projectNo: c.projectNo, stage: link.stage, level: input.level, channel: TABLET_CHANNEL, comment, town: c.town,
        taskHandleItem: c.taskHandleItem, matterName: c.matterName, staff, staffId: actorRef(staff), ratedAt: at, reratingOf: link.reratingOf,
      })
      await spendRatingLink(tx, link.id, ratingId, at)
      let rectificationId: number | null = null
      if (isBad(input.level) && link.reratingOf === null) {
        rectificationId = await insertRectification(tx, { ratingId, projectNo: c.projectNo, town: c.town, openedAt: at, withinDays: settings.rectifyWithin, ...rectificationDue(at) })
      }
      if (deps.reportTo !== undefined) {
        await addOutbox(tx, [{
          subject: subjectOf(c.projectNo),
          instance: deps.reportTo,
          operation: 'evaluation',
          input: { projectNo: c.projectNo, evalStage: EVAL_STAGE[link.stage], level: input.level, channel: TABLET_CHANNEL, ...(comment ? { comment } : {}), evalTime: at },
        }], at)
      }
      return { ratingId, c, rectificationId }
    })
    return { rating: (await getRating(db, ratingId))!, case: c, rectificationId }
  }

  async function ratingInScope (id: number, townPrefix: string, ownStaffId?: string): Promise<RatingRow> {
    const r = await getRating(db, id)
    if (!r || !r.town.startsWith(townPrefix) || (ownStaffId !== undefined && r.staffId !== ownStaffId)) throw new TongbanError('TB_RATING_NOT_FOUND', [id])
    return r
  }

  async function rectification (id: number, townPrefix: string, ownStaffId?: string): Promise<RectificationRow & { followUpList: FollowUpRow[], appeal: AppealRow | null }> {
    const x = await rectificationInScope(id, townPrefix)
    if (ownStaffId !== undefined && actorRef(x.staff) !== ownStaffId) throw new TongbanError('TB_RECTIFICATION_NOT_FOUND', [id])
    const [followUpList, appeal] = await Promise.all([followUpsOf(db, id), appealOfRating(db, x.ratingId)])
    return { ...x, followUpList, appeal: appeal ?? null }
  }

  /** Who called the resident, when, and what was done: kept, never changed. */
  async function followUp (id: number, input: { contactedBy: string, contactedAt: string, action: string }, actor: Actor, townPrefix: string): Promise<FollowUpRow> {
    const x = await rectificationInScope(id, townPrefix)
    if (x.status !== 'open') throw new TongbanError('TB_RECTIFICATION_CLOSED', [x.id, x.status])
    const recordedAt = new Date(nowMs()).toISOString()
    const followUpId = await insertFollowUp(db, { rectificationId: id, contactedBy: input.contactedBy, contactedAt: new Date(input.contactedAt).toISOString(), action: input.action, recordedBy: actor, recordedAt })
    return (await followUpsOf(db, id)).find((f) => f.id === followUpId)!
  }

  /** An appeal of a 差评 judged abusive, to the county. */
  async function appeal (ratingId: number, reason: string, actor: Actor, townPrefix: string, ownStaffId?: string): Promise<AppealRow> {
    const r = await ratingInScope(ratingId, townPrefix, ownStaffId)
    if (!isBad(r.level)) throw new TongbanError('TB_RATING_NOT_APPEALABLE', [r.id, r.level])
    const id = await insertAppeal(db, { ratingId, town: r.town, reason, appealedBy: actor, appealedAt: new Date(nowMs()).toISOString() })
    if (id === undefined) throw new TongbanError('TB_APPEAL_EXISTS', [r.id, (await appealOfRating(db, r.id))!.id])
    return (await getAppeal(db, id))!
  }

  /** The county's decision: upheld (the rating no longer counts and its rectification is void) or dismissed (it stands). */
  async function decide (appealId: number, decision: 'upheld' | 'dismissed', reason: string, actor: Actor, townPrefix: string): Promise<AppealRow> {
    const a = await getAppeal(db, appealId)
    if (!a || !a.town.startsWith(townPrefix)) throw new TongbanError('TB_APPEAL_NOT_FOUND', [appealId])
    if (!await insertAppealDecision(db, { appealId, decision, reason, decidedBy: actor, decidedAt: new Date(nowMs()).toISOString() })) {
      throw new TongbanError('TB_APPEAL_DECIDED', [appealId, (await getAppeal(db, appealId))!.decision!.decision])
    }
    return (await getAppeal(db, appealId))!
  }

  return { createLink, createRerateLink, viewLink, rate, rating: ratingInScope, rectification, followUp, appeal, decide, caseInScope }
}

export type RatingService = ReturnType<typeof createRatingService>
