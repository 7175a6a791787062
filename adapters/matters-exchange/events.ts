// The department's case events (联办): `project.process`, `project.result` and `project.returned`,
// one per Standard Webhooks message signed `v1sm3`. The platform's webhook door verifies the
// signature; this reads a verified body. Events may arrive out of order (about 1 in 200 results
// before the case's last step): each carries its own times, and the case decides what they mean.
import { z } from 'zod'
import { TongbanError } from '../../src/errors.ts'
import { UPDATE_TIME } from './catalogue.ts'
import { EventName, ProjectNo } from './operations.ts'

/**
 * How the events arrive: what the case wiring declares at its webhook door. Not an adapter
 * `receive` (that one splits bodies into records, and these events are no records).
 */
export const PROJECT_EVENTS = {
  signature: 'standard-webhooks',
  scheme: 'v1sm3',
  body: { format: 'json' },
  maxBodyBytes: 65_536,
} as const

/** `YYYYMMDDHHmmss` Beijing time -> an ISO instant. */
const WireTime = z.string().transform((text, ctx) => {
  const at = UPDATE_TIME.parse(text)
  if (at === undefined) {
    ctx.addIssue({ code: 'custom', message: 'a time YYYYMMDDHHmmss (Beijing)' })
    return z.NEVER
  }
  return at.toISOString()
})
const text = z.string().min(1)

const ProcessData = z.object({
  processName: text,
  eventName: EventName,
  startTime: WireTime,
  endTime: WireTime.optional(),
  handleUserName: text,
  handleExplain: z.string(),
  special: z.object({ specialType: text, reason: text, byLaw: text }).optional(),
})

const ResultData = z.object({
  resultDate: z.iso.date(),
  resultType: z.enum(['1', '2', '3', '4']),
  resultExplain: z.string(),
  certName: text.optional(),
  certNo: text.optional(),
  delivery: z.enum(['1', '2', '3']),
})

/** 退回: the department sends the case back to the window with its reason (材料不全, 不属本部门). */
const ReturnedData = z.object({ reason: text, handleUserName: text.optional() })

const envelope = { eventId: text, projectNo: ProjectNo, time: WireTime }

export const ProjectEvent = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('project.process'), data: ProcessData }),
  z.object({ ...envelope, type: z.literal('project.result'), data: ResultData }),
  z.object({ ...envelope, type: z.literal('project.returned'), data: ReturnedData }),
])
export type ProjectEvent = z.infer<typeof ProjectEvent>

/**
 * A verified event body (its bytes, its text or the parsed JSON) as `{eventId, type, projectNo,
 * time, data}` with instants in ISO 8601; TB_WEBHOOK_BODY_INVALID naming the field otherwise.
 */
export function parseProjectEvent (body: unknown): ProjectEvent {
  let value = body
  if (Buffer.isBuffer(value) || typeof value === 'string') {
    try {
      value = JSON.parse(value.toString('utf8'))
    } catch {
      throw new TongbanError('TB_WEBHOOK_BODY_INVALID', ['the case event is not JSON'])
    }
  }
  const parsed = ProjectEvent.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new TongbanError('TB_WEBHOOK_BODY_INVALID', [`case event ${issue.path.join('.') || '(body)'}: ${issue.message}`])
  }
  return parsed.data
}
