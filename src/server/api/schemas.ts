// Response shapes of /api/v1, from which validation, TypeScript types and OpenAPI all flow.
import { z } from 'zod'
import { genders, personStatuses, enterpriseStatuses, RegisteredCapital } from '../../model/index.ts'
import { NOTE_MAX, QUARANTINE_STATUSES } from '../../store/quarantine.ts'
import { line, lines } from '../../model/text.ts'
import { divisionCode } from '../../normalize/index.ts'

export const ProvenanceEntry = z.object({
  adapter: z.string().describe('adapter instance that said it'),
  sourceId: z.string().describe("the department's record or message id"),
  observedAt: z.string().describe('when the department observed it (ISO 8601)'),
}).meta({ id: 'ProvenanceEntry' })

const Provenance = z.record(z.string(), ProvenanceEntry).describe('per field: where the stored value came from')

export const Person = z.object({
  idNumber: z.string(),
  name: z.string().nullable(),
  gender: z.enum(genders).nullable(),
  birthDate: z.string().nullable(),
  ethnicityCode: z.string().nullable(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
  divisionCode: z.string().nullable(),
  status: z.enum(personStatuses).nullable(),
  provenance: Provenance,
}).meta({ id: 'Person' })

export const Enterprise = z.object({
  creditCode: z.string(),
  name: z.string().nullable(),
  type: z.string().nullable(),
  legalRepresentative: z.object({ name: z.string(), idNumber: z.string().optional() }).nullable(),
  address: z.string().nullable(),
  divisionCode: z.string().nullable(),
  status: z.enum(enterpriseStatuses).nullable(),
  establishedOn: z.string().nullable(),
  industryCode: z.string().nullable(),
  registeredCapital: RegisteredCapital.nullable(),
  provenance: Provenance,
}).meta({ id: 'Enterprise' })

export const EnterpriseRef = z.object({
  creditCode: z.string(),
  name: z.string().nullable(),
  href: z.string(),
}).meta({ id: 'EnterpriseRef' })

export const PersonRef = z.object({
  idNumber: z.string(),
  name: z.string().nullable().describe("the unified person's name (it may differ from the name the enterprise register gives)"),
  href: z.string(),
}).meta({ id: 'PersonRef' })

export const FacetTitle = z.object({ zh: z.string(), en: z.string() })

export const FacetRef = z.object({
  name: z.string().describe('the facet, as its adapter declares it (social-assistance)'),
  title: FacetTitle,
  sensitivity: z.enum(['ordinary', 'sensitive']).describe('sensitive: personal information under PIPL art. 28'),
  entries: z.number().int().nullable().describe('how many entries the record has; null for a facet read only with a purpose, whose count is told only then'),
  access: z.enum(['open', 'purpose', 'denied']).describe("the caller's: open to read, read with a purpose (audited), or not for the caller's roles"),
  href: z.string(),
}).meta({ id: 'FacetRef' })

const facetsOfRecord = z.array(FacetRef).describe("the department facts kept about the record (facets), each with the caller's access")

export const PersonDetail = Person.extend({
  represents: z.array(EnterpriseRef).describe('enterprises whose legal representative this person is'),
  facets: facetsOfRecord,
}).meta({ id: 'PersonDetail' })

export const EnterpriseDetail = Enterprise.extend({
  legalRepresentative: z.object({
    name: z.string(),
    idNumber: z.string().optional(),
    person: PersonRef.nullable().describe('the unified person with that ID number'),
  }).nullable(),
  facets: facetsOfRecord,
}).meta({ id: 'EnterpriseDetail' })

export const FacetEntry = z.object({
  entryKey: z.string().describe("the values of the facet's entry-key fields joined by '/' ('' when a subject has one entry at most)"),
  data: z.record(z.string(), z.unknown()).describe("the entry's fields, as the facet's schema declares them"),
  source: ProvenanceEntry.describe('the observation the data came from'),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'FacetEntry' })

export const FacetEntries = z.object({
  name: z.string(),
  title: FacetTitle,
  sensitivity: z.enum(['ordinary', 'sensitive']),
  items: z.array(FacetEntry),
}).meta({ id: 'FacetEntries' })

export const FacetHistoryItem = z.object({
  id: z.number().int().describe('0 for the creation of an entry'),
  entryKey: z.string(),
  changedAt: z.string(),
  source: ProvenanceEntry.describe('the observation that made the change'),
  changes: z.array(z.object({ field: z.string(), old: z.unknown(), new: z.unknown() })),
}).meta({ id: 'FacetHistoryItem' })

export const HistoryItem = z.object({
  id: z.number().int(),
  changedAt: z.string(),
  source: ProvenanceEntry.describe('the observation (or resolution) that made the change'),
  changedBy: z.string().nullable().describe('who chose the value, for a change made by resolving a conflict'),
  changes: z.array(z.object({ field: z.string(), old: z.unknown(), new: z.unknown() })),
}).meta({ id: 'HistoryItem' })

export const Candidate = ProvenanceEntry.extend({ value: z.unknown() }).meta({ id: 'ConflictCandidate' })

export const Conflict = z.object({
  id: z.number().int(),
  kind: z.enum(['person', 'enterprise']),
  recordKey: z.string().describe('ID number or credit code'),
  field: z.string(),
  divisionCode: z.string().nullable(),
  currentValue: z.unknown().describe("the record's value (the survivorship winner, or the chosen one)"),
  candidates: z.array(Candidate).describe("every source's latest value"),
  status: z.enum(['open', 'agreed', 'resolved']),
  openedAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
  resolution: z.object({ value: z.unknown(), reason: z.string(), resolvedBy: z.string(), resolvedAt: z.string() }).nullable(),
}).meta({ id: 'Conflict' })

export function page<T extends z.ZodType> (item: T) {
  return z.object({ items: z.array(item), next: z.string().nullable().describe('cursor of the next page, or null on the last') })
}

export const ListQuery = z.object({
  q: line().trim().max(64).optional().describe('name, or the start of an ID number / credit code'),
  cursor: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

export const AdapterStatus = z.object({
  adapter: z.string(),
  department: z.string(),
  mode: z.enum(['push', 'pull', 'files']),
  state: z.enum(['idle', 'busy', 'failing', 'breaker-open']),
  lastSuccess: z.string().nullable(),
  lagSeconds: z.number().nullable(),
  backlog: z.number().int(),
  failures: z.number().int().describe('jobs that ran out of retries; retry them with POST /api/v1/jobs/retry'),
  quarantined: z.number().int(),
  breaker: z.object({ state: z.enum(['closed', 'open', 'half-open']), since: z.string().nullable() }),
}).meta({ id: 'AdapterStatus' })

export const QuarantineItem = z.object({
  id: z.number().int(),
  adapter: z.string(),
  kind: z.string(),
  sourceId: z.string(),
  inboxId: z.number().int().nullable(),
  reasonCode: z.string(),
  reason: z.string(),
  field: z.string().nullable(),
  rawValue: z.string().nullable(),
  raw: z.object({ sourceId: z.string(), observedAt: z.string(), fields: z.record(z.string(), z.unknown()) }).loose(),
  status: z.enum(QUARANTINE_STATUSES),
  createdAt: z.string(),
  updatedAt: z.string(),
  note: z.string().nullable().describe('the note of the latest retry or dismissal'),
  handledBy: z.string().nullable().describe('who retried or dismissed the item last (username or token name)'),
  handledAt: z.string().nullable(),
}).meta({ id: 'QuarantineItem' })

/**
 * Whether a 12-digit code names a division the statistics data knows, at the code's own level (a
 * village: its town, since villages are not loaded). A scope such as a token's must exist: a
 * well-formed code of nothing would quietly see nothing.
 */
export function knownDivision (code: string): boolean {
  const result = divisionCode(code)
  if (!result.ok) return false
  const { level, province, city, county, town } = result.details!
  return { province, city, county, town, village: town }[level] !== undefined
}

/** A note on a retry or dismissal: why, for whoever looks at the item next. */
export const QuarantineNote = lines().trim().min(1).max(NOTE_MAX)

export const InboxItem = z.object({
  id: z.number().int(),
  adapter: z.string(),
  webhookId: z.string(),
  receivedAt: z.string(),
  status: z.string(),
  processedAt: z.string().nullable(),
  recordsOk: z.number().int().nullable(),
  recordsQuarantined: z.number().int().nullable(),
  error: z.string().nullable(),
  bytes: z.number().int(),
}).meta({ id: 'InboxItem' })

export const FailedJob = z.object({
  adapter: z.string(),
  queue: z.enum(['ingest', 'pull', 'files']),
  jobId: z.string(),
  name: z.string(),
  attemptsMade: z.number().int(),
  failedReason: z.string(),
  finishedOn: z.string().nullable(),
}).meta({ id: 'FailedJob' })

export const PullRun = z.object({
  id: z.number().int(),
  stream: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  status: z.enum(['running', 'succeeded', 'failed']),
  pages: z.number().int(),
  records: z.number().int(),
  quarantined: z.number().int(),
  error: z.string().nullable().describe('the latest error, kept while the run is retried'),
}).meta({ id: 'PullRun' })
