// Sends the outbox: the calls committed steps owe department systems, each through its adapter
// operation as the service. One subject's rows go strictly in order (the store claims only the
// first unsent row of each subject); different subjects go in parallel. A department that is
// away (the nightly 503 window, rate limits, busy) only delays a row: it is tried again with
// exponential backoff and jitter. A refusal a person must mend (the platform's 2001 field errors,
// an input that does not fit the operation) makes it `dead` at once, with the reason kept.
import { isTongbanError } from '../errors.ts'
import type { Principal } from '../auth/principal.ts'
import type { Logger } from '../log.ts'
import type { Operations } from '../department/operations.ts'
import type { Queryable } from '../store/db.ts'
import { claimDueOutbox, killOutbox, markOutboxSent, retryOutbox, type OutboxRow } from '../store/outbox.ts'
import { DeliveryFailure, type DepartmentWebhooks } from './department-webhooks.ts'

/** Whom the outbox calls as: the service account of each instance (its operations act as the service). */
export const OUTBOX_PRINCIPAL: Principal = { kind: 'token', id: 'outbox', username: 'outbox', name: 'outbox', town: null, roles: [] }

/** Answers no retry can change: the input or the case must be mended first. */
const FINAL_CODES: ReadonlySet<string> = new Set([
  'TB_DEPARTMENT_FIELDS_REFUSED', 'TB_OPERATION_INPUT_INVALID', 'TB_DEPARTMENT_CONFLICT', 'TB_DEPARTMENT_FORBIDDEN', 'TB_DEPARTMENT_ERROR', 'TB_DEPARTMENT_STATE',
])

/** How long a claimed row is its sender's: longer than an operation call with its own retries can take. */
export const LEASE_MS = 5 * 60_000
const BACKOFF_BASE_MS = 2000
const BACKOFF_CAP_MS = 10 * 60_000

export interface OutboxDeps {
  db: Queryable
  operations: Pick<Operations, 'find' | 'call'>
  logger: Logger
  /** Tries before a row is left `dead`. */
  attempts: number
  /** Rows for `department:<code>` go to the department's own system as signed webhooks (with their own tries). */
  departmentWebhooks?: DepartmentWebhooks
  /** Rows claimed per round. */
  batch?: number
  random?: () => number
}

export type SendOutcome = 'sent' | 'retry' | 'dead'

/** The delay before try `attempt + 1`: doubling from 2 s up to 10 min, with jitter (half to all of it). */
export function backoffMs (attempt: number, random: () => number = Math.random): number {
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)) * (0.5 + random() / 2)
}

/** What a failure says, for `last_error`: the code and message, and the department's field errors when it named them. */
function describe (err: unknown): string {
  if (!isTongbanError(err)) return (err as Error).message
  const fields = (err.details as { fields?: Array<{ field: string, message: string }> } | undefined)?.fields
  const text = `${err.code}: ${err.message}`
  return fields?.length ? `${text} ${JSON.stringify(fields)}` : text
}

async function sendOne (deps: OutboxDeps, row: OutboxRow, now: number): Promise<SendOutcome> {
  const log = { outbox: row.id, subject: row.subject, instance: row.instance, operation: row.operation, attempt: row.attempts }
  const webhook = deps.departmentWebhooks?.handles(row) === true ? deps.departmentWebhooks : undefined
  try {
    const { output } = webhook
      ? await webhook.deliver(row)
      : await deps.operations.call(deps.operations.find(row.instance, row.operation), row.input, OUTBOX_PRINCIPAL)
    await markOutboxSent(deps.db, row.id, output, new Date().toISOString())
    return 'sent'
  } catch (err) {
    const error = describe(err)
    const final = (isTongbanError(err) && FINAL_CODES.has(err.code)) || (err instanceof DeliveryFailure && err.final)
    // A department without an endpoint in the vault waits for one: its whistle is never dead for that.
    const waits = err instanceof DeliveryFailure && err.waits
    if (!waits && (final || row.attempts >= (webhook?.attempts ?? deps.attempts))) {
      await killOutbox(deps.db, row.id, error)
      deps.logger.error({ ...log, err: error, final }, 'outbox: a report is dead; mend it and re-send it (POST /api/v1/outbox/:id/resend)')
      return 'dead'
    }
    const nextAt = new Date(now + backoffMs(row.attempts, deps.random)).toISOString()
    await retryOutbox(deps.db, row.id, error, nextAt)
    deps.logger.warn({ ...log, err: error, nextAt }, 'outbox: report not sent; tried again later')
    return 'retry'
  }
}

/**
 * One round: claims the rows due at `now` (the first unsent row of each subject) and sends them
 * in parallel, one per subject. Returns the outcomes by row id; a sent row lets its subject's
 * next row go in the next round.
 */
export async function sendDueOutbox (deps: OutboxDeps, now: number = Date.now()): Promise<Map<number, SendOutcome>> {
  const rows = await claimDueOutbox(deps.db, { now: new Date(now).toISOString(), leaseUntil: new Date(now + LEASE_MS).toISOString(), limit: deps.batch ?? 50 })
  const outcomes = await Promise.all(rows.map(async (row) => [row.id, await sendOne(deps, row, now)] as const))
  return new Map(outcomes)
}

/** Rounds until nothing is due at `now` or a round sends nothing: what a scheduler tick does. */
export async function drainOutbox (deps: OutboxDeps, now: () => number = Date.now): Promise<{ sent: number, retried: number, dead: number }> {
  const total = { sent: 0, retried: 0, dead: 0 }
  for (;;) {
    const round = await sendDueOutbox(deps, now())
    if (round.size === 0) return total
    for (const o of round.values()) {
      if (o === 'sent') total.sent++
      else if (o === 'retry') total.retried++
      else total.dead++
    }
    if (![...round.values()].includes('sent')) return total
  }
}
