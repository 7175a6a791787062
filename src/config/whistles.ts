// The whistle loop's configuration (README, Whistles): the whistle types and their time limits,
// the escalation ladder, who may blow without a leader's approval, the departments a town may
// summon (their endpoint and secret live in the vault, never here) and the towns' first routing
// tables (配合履职事项清单; later versions are made through the API).
import { z } from 'zod'
import { DEFAULT_WHISTLE_TYPES, DepartmentCode, Ladder, RoutingRule, WhistleType } from '../model/whistle.ts'

export const DepartmentConfig = z.object({
  /** The department's code: what whistles, tokens and liaison accounts name it by. */
  code: DepartmentCode,
  name: z.string().min(1).max(60),
  /** The 6-digit county (or 12-digit county code) the department serves. */
  county: z.string().regex(/^\d{6}(\d{6})?$/, 'a 6-digit county code (or its 12-digit form)'),
  /** Whom the ladder's second rung reminds. */
  head: z.object({ name: z.string().min(1), phone: z.string().optional() }).strict().optional(),
  /**
   * Departments with a system get each whistle as a signed outbound webhook (Standard Webhooks);
   * the URL and `whsec_` secret are kept in the vault as the service credentials of
   * `department:<code>` (`{url, secret}`), this says only how to sign.
   */
  webhook: z.object({ scheme: z.enum(['v1', 'v1sm3']).default('v1') }).strict().optional(),
}).strict()
export type DepartmentConfig = z.infer<typeof DepartmentConfig>

export const WhistlesConfig = z.object({
  types: z.array(WhistleType).min(1).default([...DEFAULT_WHISTLE_TYPES])
    .refine((types) => new Set(types.map((t) => t.id)).size === types.length, 'each whistle type id once'),
  ladder: Ladder.prefault({}),
  /** A window worker's whistle waits for a town leader's approval (true), or opens at once (false). */
  windowNeedsApproval: z.boolean().default(true),
  departments: z.array(DepartmentConfig).default([])
    .refine((d) => new Set(d.map((x) => x.code)).size === d.length, 'each department code once'),
  /** The first routing table of each town (by 12-digit code), loaded as version 1 when the town has none. */
  routing: z.record(z.string().regex(/^\d{12}$/, 'a 12-digit town code'), z.array(RoutingRule)).default({}),
  /** Where a whistle is delivered to a department's system: tries before an outbox row is dead. */
  deliveryAttempts: z.number().int().min(1).max(100).default(12),
}).strict()
export type WhistlesConfig = z.infer<typeof WhistlesConfig>
