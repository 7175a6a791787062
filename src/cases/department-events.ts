// The department's case events (联办) moving cases: each stored webhook (the inbox keeps it, as
// any webhook) is read by its adapter and applied as the department's transition of the case it
// names — project.process as a step (or the special procedure's start and end), project.result as
// the conclusion, project.returned as the return to the window. The event id is the transition's
// request id, so a repeat is answered, not applied twice. A step that arrives after the result
// (about 1 in 200) is kept in the case's history. An event no case can take is marked failed in
// the inbox with the reason (listed and replayable), never retried forever.
import { createHash } from 'node:crypto'
import type { CaseEventIntake, CaseEventMessage } from '../adapter-sdk/index.ts'
import { isTongbanError } from '../errors.ts'
import type { Logger } from '../log.ts'
import type { Actor, TransitionInput } from '../model/case.ts'
import type { Db } from '../store/db.ts'
import { claimInboxRows, finishInboxRows, unfinishedInboxRows, type InboxOutcome } from '../store/inbox.ts'
import type { CaseService } from './service.ts'

const STAGE: Record<string, 'review' | 'audit' | 'decide'> = { '01': 'review', '02': 'audit', '03': 'decide' }
const RESULT: Record<string, 'approved' | 'refused' | 'withdrawn' | 'terminated'> = { 1: 'approved', 2: 'refused', 3: 'withdrawn', 4: 'terminated' }
const DELIVERY: Record<string, 'window' | 'post' | 'electronic'> = { 1: 'window', 2: 'post', 3: 'electronic' }

/** Answers that no retry changes: the event or the case must be looked at. */
const FINAL_CODES: ReadonlySet<string> = new Set([
  'TB_WEBHOOK_BODY_INVALID', 'TB_CASE_NOT_FOUND', 'TB_CASE_TRANSITION_NOT_ALLOWED', 'TB_CASE_ACTION_NOT_YOURS', 'TB_CASE_ACTION_REFUSED', 'TB_CASE_REQUEST_REUSED',
])

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

/** The transition's request id: the event id when it fits one, else a digest of it. */
function requestIdOf (eventId: string): string {
  return /^[A-Za-z0-9_-]{8,64}$/.test(eventId) ? eventId : `evt-${createHash('sha256').update(eventId).digest('hex').slice(0, 40)}`
}

/** A step in the case's history: the department's step, or a late event the case's state no longer takes otherwise. */
function stepOf (e: CaseEventMessage, stage: 'review' | 'audit' | 'decide'): TransitionInput {
  const name = str(e.data.processName) || '办理'
  return { action: 'step', requestId: requestIdOf(e.eventId), stepName: name.slice(0, 100), stage, explain: (str(e.data.handleExplain) || name).slice(0, 1000) }
}

/** What the event asks of the case. */
export function transitionOf (e: CaseEventMessage): TransitionInput {
  const requestId = requestIdOf(e.eventId)
  const d = e.data
  switch (e.type) {
    case 'project.result':
      return {
        action: 'conclude', requestId, result: RESULT[str(d.resultType)] ?? 'approved', explain: str(d.resultExplain) || '办结', delivery: DELIVERY[str(d.delivery)] ?? 'window',
        ...(d.certName ? { certName: str(d.certName) } : {}), ...(d.certNo ? { certNo: str(d.certNo) } : {}),
      }
    case 'project.returned':
      return { action: 'return', requestId, reason: str(d.reason) }
    case 'project.process': {
      const special = d.special as { specialType?: string, reason?: string, byLaw?: string } | undefined
      const explain = str(d.handleExplain) || str(d.processName)
      switch (str(d.eventName)) {
        case '04': return { action: 'start-special', requestId, specialType: special?.specialType ?? str(d.processName), reason: special?.reason ?? explain, legalBasis: special?.byLaw ?? explain }
        case '05': return { action: 'end-special', requestId, explain }
        // 延期 is the window's act with its approval (§42); the department's is kept as a step
        case '06': return stepOf(e, 'decide')
        default: return stepOf(e, STAGE[str(d.eventName)] ?? 'review')
      }
    }
  }
}

export interface CaseEventDeps {
  db: Db
  cases: Pick<CaseService, 'transition'>
  intake: CaseEventIntake
  /** The department as the cases' actor: {kind: 'department', id: instance, name: department}. */
  actor: Actor
  logger: Logger
}

async function applyOne (deps: CaseEventDeps, body: Buffer): Promise<InboxOutcome> {
  let event: CaseEventMessage | undefined
  try {
    event = deps.intake.parse(body)
    const input = transitionOf(event)
    try {
      await deps.cases.transition(event.projectNo, input, deps.actor, 'department', '')
    } catch (err) {
      // a step after the case moved on (the result came first): kept as a step in its history
      // (or its repeat, which finds the step under the event's id)
      const late = isTongbanError(err) && (err.code === 'TB_CASE_TRANSITION_NOT_ALLOWED' || err.code === 'TB_CASE_REQUEST_REUSED')
      if (!(event.type === 'project.process' && input.action !== 'step' && late)) throw err
      await deps.cases.transition(event.projectNo, stepOf(event, 'review'), deps.actor, 'department', '')
    }
    return { status: 'done', ok: 1, quarantined: 0 }
  } catch (err) {
    if (!isTongbanError(err) || !FINAL_CODES.has(err.code)) throw err
    deps.logger.error({ adapter: deps.actor.id, eventId: event?.eventId, projectNo: event?.projectNo, type: event?.type, code: err.code, err: err.message }, 'case event not applied; kept in the inbox as failed')
    return { status: 'failed', ok: 0, quarantined: 0, error: `${err.code}: ${err.message}` }
  }
}

/** Applies the stored events `inboxIds` not yet finished, each once; a passing fault (the database) is thrown for the job to retry. */
export async function applyCaseEvents (deps: CaseEventDeps, inboxIds: readonly number[]): Promise<void> {
  for (const row of await unfinishedInboxRows(deps.db, inboxIds)) {
    const outcome = await applyOne(deps, row.body)
    await deps.db.transaction(async (tx) => {
      if ((await claimInboxRows(tx, [row.id])).length > 0) await finishInboxRows(tx, [{ id: row.id, ...outcome }])
    })
  }
}
