// Response shapes of /api/v1/whistles, from the whistle model's schemas.
import { z } from 'zod'
import { RoutingRule, RungView, Whistle, WhistleActor, WhistleEvent, WhistleState } from '../../model/whistle.ts'

const Delivery = z.object({
  id: z.number().int(),
  instance: z.string().describe('`department:<code>` for a department\'s system, the hotline instance for an order\'s reply'),
  operation: z.string(),
  state: z.string(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  delivered: z.boolean().describe('false while pending, held or dead: the department has not received it yet'),
})

export const WhistleDetail = Whistle.extend({
  events: z.array(WhistleEvent),
  rungs: z.array(RungView).describe('the escalation ladder of each department\'s clocks: pending, fired (with the escalate event) or stopped (the clock was met)'),
  order: z.object({ orderNo: z.string(), revisit: z.unknown() }).nullable().describe('the work order it answers and the hotline\'s revisit (回访), when from an order'),
  deliveries: z.array(Delivery),
  allowed: z.array(z.string()).describe('the actions you may take now: the town\'s for a leader, your department\'s own for a department'),
  href: z.string(),
}).meta({ id: 'Whistle' })

export const WhistleTransitionAnswer = z.object({
  event: WhistleEvent,
  whistle: WhistleDetail,
  replayed: z.boolean().describe('true when the requestId had already made this event: nothing was applied again'),
}).meta({ id: 'WhistleTransition' })

export const WhistleListItem = z.object({
  id: z.string(),
  town: z.string(),
  division: z.string().nullable(),
  type: z.string(),
  typeName: z.string(),
  title: z.string(),
  state: WhistleState,
  source: z.object({ kind: z.string(), id: z.string().nullable() }),
  blownAt: z.string(),
  departments: z.array(z.string()),
  nextDeadline: z.string().nullable().describe('the earliest deadline of a department\'s clock not met yet'),
  href: z.string(),
}).meta({ id: 'WhistleListItem' })

export const RoutingTable = z.object({
  town: z.string(),
  version: z.number().int().nullable().describe('null: the town has no routing table yet'),
  rules: z.array(RoutingRule),
  createdBy: WhistleActor.nullable(),
  createdAt: z.string().nullable(),
}).meta({ id: 'WhistleRoutingTable' })
