// Case events (联办): a department that finishes cases sends its steps and its result back by
// webhook. They are verified at /webhooks/:id and kept in the inbox like any webhook, then applied
// to the cases they name (src/cases/department-events.ts), never to the record pipeline.
import type { WebhookReceive } from './webhook.ts'

/** One case event, as the government-services platform's spec writes it; instants in ISO 8601. */
export interface CaseEventMessage {
  /** The department's id of the event: a repeat is applied once. */
  eventId: string
  projectNo: string
  type: 'project.process' | 'project.result' | 'project.returned'
  time: string
  data: Record<string, unknown>
}

export interface CaseEventIntake {
  /** How the events arrive (signature, body format, size); no record parse. */
  receive: Omit<WebhookReceive, 'parse'>
  /** A verified body as one event; TongbanError('TB_WEBHOOK_BODY_INVALID') when it is none. */
  parse: (body: Buffer) => CaseEventMessage
}
