// Work orders (工单): a hotline platform dispatches residents' requests to the town by webhook and
// follows them (urges, revisits, reopenings). They are verified at /webhooks/:id and kept in the
// inbox like any webhook, then applied to the town's orders (src/orders/), never to the record
// pipeline. The order's shape is the platform's: src/model/order.ts.
import type { HotlineOrder, OrderEventType } from '../model/order.ts'
import type { WebhookReceive } from './webhook.ts'

/** One work-order event as the hotline's spec writes it; instants in ISO 8601. */
export interface OrderEventMessage {
  /** The hotline's id of the event: a repeat is applied once. */
  eventId: string
  type: OrderEventType
  time: string
  order: HotlineOrder
}

export interface OrderEventIntake {
  /** How the events arrive (signature, body format, size); no record parse. */
  receive: Omit<WebhookReceive, 'parse'>
  /** A verified body as one event; TongbanError('TB_WEBHOOK_BODY_INVALID') naming the field when it is none. */
  parse: (body: Buffer) => OrderEventMessage
}
