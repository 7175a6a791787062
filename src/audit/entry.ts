// What one audit entry says, how it is masked before it is stored, and how it is hashed into the
// chain. The hash covers every stored field, so editing any of them breaks the chain at that row.
import type { Principal } from '../auth/principal.ts'
import { maskPersonalData } from '../log.ts'
import { sm3 } from '../crypto/index.ts'

/** Every action the log knows; a new kind of access gets a name here before it is recorded. */
export const AUDIT_ACTIONS = [
  // residents' and enterprises' data
  'person.read', // one resident, ID number masked in the portal
  'person.read-full', // one resident with full ID number and phone (the portal asks for a purpose)
  'person.search',
  'person.history',
  'enterprise.read',
  'enterprise.search',
  'enterprise.history',
  'facet.read', // one facet's entries of a resident or enterprise (a sensitive one only with a purpose)
  'facet.history',
  'conflict.read',
  'conflict.resolve',
  'quarantine.read',
  'quarantine.retry',
  'quarantine.dismiss',
  // 好差评: ratings, their one-time links, rectification follow-ups, appeals and the county's decisions
  'rating.read',
  'rating.link',
  'rating.rate',
  'rating.follow-up',
  'rating.appeal',
  'rating.decide',
  // calls to department systems (adapter operations), as the service account or the staff member
  'operation.call',
  // cases (办件): they hold the applicant's personal data
  'case.open',
  'case.list',
  'case.read', // one case, or its events
  'case.transition',
  'case.prefill', // a matter's form filled from an applicant's unified record
  // hotline work orders (工单): they hold the caller's name and phone
  'order.list',
  'order.read',
  'order.place',
  'order.answer',
  // whistles (吹哨): the town's summons and the departments' answers
  'whistle.blow',
  'whistle.transition',
  'whistle.routing', // a new version of a town's routing table (配合履职事项清单)
  // risk reports (风险源/隐患) and their photos: every report, step and view
  'risk.report',
  'risk.list',
  'risk.read', // one report with its history
  'risk.event', // correct, whistle, verify, close
  'photo.upload',
  'photo.read',
  // service matters: a county's local 赋权 decision
  'matter.decide',
  // sign-in and department sign-on
  'auth.login',
  'auth.login-failed',
  'auth.logout',
  'auth.locked',
  'auth.sso', // a department application signed the staff member in through tongban
  // credential vault
  'vault.use',
  'vault.store',
  'vault.rotate',
  // administration
  'staff.create',
  'staff.update',
  'staff.disable',
  'staff.enable',
  'staff.reset-password',
  'token.create',
  'token.revoke',
  'admin.migrate',
  'job.retry',
  'inbox.replay',
  // the audit log itself (MLPS: the auditors' own actions are audited too)
  'audit.read',
  'audit.verify',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

export const AUDIT_OUTCOMES = ['ok', 'denied', 'failed'] as const
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number]

/** Kinds of subject whose key is not personal data and is stored as given. */
const PUBLIC_SUBJECT_KINDS = new Set(['enterprise', 'matter']) // credit codes are public register data, as are the matter codes of the power list

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
/** What details may be given as: JSON, where an undefined property is left out. */
export type JsonInput = string | number | boolean | null | undefined | JsonInput[] | { [key: string]: JsonInput }

/** An event to record. Personal data in subject, purpose and details is masked before storage. */
export interface AuditEntry {
  /** Who acted; for a failed sign-in with no known account, `{ kind: 'anonymous', username }` with the name typed. */
  actor: Pick<Principal, 'username' | 'roles' | 'town'> & { kind: Principal['kind'] | 'anonymous' | 'system' }
  action: AuditAction
  /** 'person', 'enterprise', 'staff', 'conflict', 'token', 'vault', ... */
  subjectKind?: string | null
  /** The ID number, credit code, username or id acted on. */
  subject?: string | null
  /** 查询事由: why the staff member looked (the portal asks before showing full personal data). */
  purpose?: string | null
  clientIp?: string | null
  outcome: AuditOutcome
  /** Context without personal data (filters used, reason of a denial, department system). */
  details?: { [key: string]: JsonInput }
  /** When it happened; now by default. */
  at?: Date
}

/** An entry as stored: masked, cleaned, with its time fixed. Hashed with its id and prev_hash. */
export interface AuditFields {
  at: string
  actor: string
  actorKind: string
  roles: string[]
  town: string | null
  action: string
  subjectKind: string | null
  subject: string | null
  purpose: string | null
  clientIp: string | null
  outcome: string
  details: { [key: string]: JsonValue }
}

export const GENESIS_HASH = '0'.repeat(64)

/** Where entries without a county (no town, or not a division code) are chained. */
export const PLATFORM_CHAIN = '000000'
/** The single chain of the log before it was cut per county (migration 022): kept, never appended to. */
export const LEGACY_CHAIN = 'legacy'

/** The chain of an entry: its county, the first 6 digits of its town's division code. */
export function chainOf (town: string | null): string {
  return town !== null && /^\d{6}/.test(town) ? town.slice(0, 6) : PLATFORM_CHAIN
}

/** The hashed fields of a stored row (snake_case columns); `at` as the caller read it. */
export function fieldsOfRow (r: Record<string, unknown>, at: string): AuditFields {
  return {
    at,
    actor: r.actor as string,
    actorKind: r.actor_kind as string,
    roles: r.roles as string[],
    town: r.town as string | null,
    action: r.action as string,
    subjectKind: r.subject_kind as string | null,
    subject: r.subject as string | null,
    purpose: r.purpose as string | null,
    clientIp: r.client_ip as string | null,
    outcome: r.outcome as string,
    details: r.details as { [key: string]: JsonValue },
  }
}

// PostgreSQL text cannot hold NUL, and a lone surrogate would be stored as U+FFFD: either would
// make the stored row differ from what was hashed.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
const clean = (s: string): string => s.replace(UNSTORABLE, '\ufffd')
const masked = (s: string): string => maskPersonalData(clean(s))

function maskJson (value: JsonValue): JsonValue {
  if (typeof value === 'string') return masked(value)
  if (Array.isArray(value)) return value.map(maskJson)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [masked(k), maskJson(v)]))
  return value
}

/** The masked form a subject of this kind is stored under (what the audit API matches a filter against). */
export function maskSubject (subjectKind: string | null | undefined, subject: string): string {
  return subjectKind && PUBLIC_SUBJECT_KINDS.has(subjectKind) ? clean(subject) : masked(subject)
}

/** Microseconds, UTC: the precision PostgreSQL stores, so the hashed time is exactly the stored one. */
export function canonicalTime (at: Date): string {
  return at.toISOString().replace('Z', '000Z')
}

const ACTIONS: ReadonlySet<string> = new Set(AUDIT_ACTIONS)
const OUTCOMES: ReadonlySet<string> = new Set(AUDIT_OUTCOMES)

/** Throws on an entry the table would refuse: in a batch, it would take the others down with it. */
export function prepareEntry (entry: AuditEntry): AuditFields {
  const at = entry.at ?? new Date()
  if (Number.isNaN(at.getTime())) throw new TypeError('audit entry time is invalid')
  if (!ACTIONS.has(entry.action)) throw new TypeError(`unknown audit action ${String(entry.action)}`)
  if (!OUTCOMES.has(entry.outcome)) throw new TypeError(`unknown audit outcome ${String(entry.outcome)}`)
  const subjectKind = entry.subjectKind ? clean(entry.subjectKind) : null
  const purpose = entry.purpose?.trim() ? masked(entry.purpose.trim()) : null
  // Through JSON once: what jsonb gives back later is what was hashed (no undefined, no NaN).
  const details = maskJson(JSON.parse(JSON.stringify(entry.details ?? {})) as JsonValue) as { [key: string]: JsonValue }
  return {
    at: canonicalTime(at),
    actor: clean(entry.actor.username),
    actorKind: entry.actor.kind,
    roles: entry.actor.roles.map(clean),
    town: entry.actor.town,
    action: entry.action,
    subjectKind,
    subject: entry.subject ? maskSubject(subjectKind, entry.subject) : null,
    purpose,
    clientIp: entry.clientIp ? clean(entry.clientIp) : null,
    outcome: entry.outcome,
    details,
  }
}

/** JSON with object keys sorted at every level. */
export function canonicalJson (value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k]!)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/**
 * hash = SM3(prev_hash as 32 bytes || UTF-8 of the canonical serialisation), where the canonical
 * serialisation is the JSON array [seq, at, actor, actorKind, roles, town, action, subjectKind,
 * subject, purpose, clientIp, outcome, details] with details' keys sorted at every level. `seq` is
 * the row's place in its chain (before migration 022, the row's id in the one chain: the same
 * number, so old rows keep their hashes). The chain itself is covered through the town.
 */
export function chainHash (prevHash: string, seq: number, f: AuditFields): string {
  const canonical = canonicalJson([seq, f.at, f.actor, f.actorKind, f.roles, f.town, f.action, f.subjectKind, f.subject, f.purpose, f.clientIp, f.outcome, f.details])
  return sm3(Buffer.concat([Buffer.from(prevHash, 'hex'), Buffer.from(canonical, 'utf8')])).toString('hex')
}
