// The adapter contract. An adapter is a description of one department system — its identity,
// field map and code tables — plus a few small pure functions (parse a webhook body, fetch a
// page). It never touches the store, the queues, the HTTP server or secrets: the platform hands
// it a department HTTP client with auth, timeouts and the allowed host already applied.
import type { z } from 'zod'
import type { EntityKind } from '../model/index.ts'
import { isCanonicalField, isRecordField, type FieldMap, type RecordField } from './fields.ts'
import type { SimulatorDeclaration } from './simulator.ts'
import type { RawRecord } from '../model/intake.ts'
import type { AuthDeclaration } from './auth.ts'
import type { DepartmentHttp } from './http.ts'
import type { FacetProduction } from './facets.ts'
import type { OperationDeclaration } from './operations.ts'
import type { WebhookReceive } from './webhook.ts'
import type { CaseEventIntake } from './case-events.ts'
import type { OrderEventIntake } from './order-events.ts'
import type { FileDrop } from './files.ts'
import type { CatalogueStream } from './catalogue.ts'
import { linkProblems, type LinkDeclaration } from './links.ts'
import { encryptedProblems, type EncryptedFields } from './encrypted.ts'

export * from './errors.ts'
export type { CaseEventIntake, CaseEventMessage } from './case-events.ts'
export type { OrderEventIntake, OrderEventMessage } from './order-events.ts'
export * from './simulator.ts'
export * from './auth.ts'
export { Duration } from './duration.ts'
export type { CanonicalField, FieldMap, FieldRule, RecordField } from './fields.ts'
export { BEIJING, timeFormat, type TimeFormat } from './time.ts'
export { select, recordSelector } from './select.ts'
export { businessCodes, STANDARD_BUSINESS_CODES, type BusinessCodeSpec, type BusinessOutcome } from './business-codes.ts'
export { textTemplate, instantOf, recordTemplate, type ObservedAtSpec, type RecordTemplate } from './templates.ts'
export { updatedSince, type UpdatedSince, type UpdatedSinceCursor, type UpdatedSinceSpec, type PageSeen } from './updated-since.ts'
export { envelopeValue, type EnvelopeValue } from './envelope.ts'
export type { Normalizer, Normalized } from '../normalize/result.ts'
export type { RawRecord }
export type { DepartmentHttp, DepartmentRequest, DepartmentResponse } from './http.ts'
export { Charset, charsetOf, contentTypeCharset, decodeBytes, encodeText } from './codec.ts'
export { defineFacet, facet, type FacetDeclaration, type FacetLabel, type FacetField, type FacetFieldMap, type FacetProduction, type Sensitivity } from './facets.ts'
export { defineOperation, type OperationContext, type OperationDeclaration, type StaffAccountPlacement } from './operations.ts'
export { delimitedManifest, manifestName, DIGEST_ALGORITHMS, type CsvRead, type CustomRead, type FileDigestAlgorithm, type FileDrop, type FileExpectation, type FileInfo, type FileManifest } from './files.ts'
export { readFileRecords } from './file-reader.ts'
export { BODY_MEDIA_TYPES, signatureType, WEBHOOK_SECRETS, type FormBody, type HeaderHmacSignature, type JsonBody, type WebhookBody, type WebhookBodyFormat, type WebhookMeta, type WebhookReceive, type WebhookSignature, type WebhookSignatureType, type XmlBody } from './webhook.ts'
export { readXmlBody, type XmlElement, type XmlNode } from './xml-body.ts'
export { readFormBody } from './form-body.ts'
export type { CatalogueStream, CataloguePage, Matter } from './catalogue.ts'
export type { LinkDeclaration } from './links.ts'
export { DATA_KEY_CREDENTIALS, type EncryptedFields, type FieldCipher } from './encrypted.ts'
export { SoapService, defineSoapService, buildEnvelope, readSoapAnswer, callSoap, type SoapParams, type SoapValue } from './soap.ts'

export interface PullPage<C> {
  records: RawRecord[]
  /** Where the next page starts; persisted by the platform once this page is stored. */
  cursor: C
  /** True when the stream has caught up; the next scheduled run starts from `cursor`. */
  done: boolean
}

export interface PullStream<C = unknown> {
  /** Validates the persisted cursor (it survives restarts and upgrades). */
  cursor: z.ZodType<C>
  initialCursor: () => C
  /** Default schedule between runs, in milliseconds; instances may override it. */
  everyMs: number
  pageSize: number
  fetchPage: (ctx: { http: DepartmentHttp, cursor: C, pageSize: number, signal: AbortSignal }) => Promise<PullPage<C>>
}

/**
 * An adapter producing records of kind K: its field map and authority are typed against that kind.
 * One without `produces` yields no records (a matter catalogue, operations, case events): it has
 * no `fields`, `facet` or `authority`, and the platform gives it no record workers or queues.
 */
export interface AdapterDefinition<K extends EntityKind = EntityKind> {
  id: string
  department: { name: string, level: 'national' | 'provincial' | 'city' | 'county' }
  produces?: K
  /** How the platform authenticates outgoing calls with the instance's credentials. */
  auth?: AuthDeclaration
  receive?: WebhookReceive
  pull?: Readonly<Record<string, PullStream<any>>>
  /** Files the department drops in a directory or on an SFTP server (the instance says where). */
  files?: FileDrop
  /** The service matters a government-services platform publishes for each configured town. */
  catalogue?: CatalogueStream<any>
  /** Department field -> [canonical field, normaliser]; exactly when the adapter `produces` records. */
  fields?: FieldMap<K>
  /**
   * A facet of the `produces` record this department keeps (social assistance, insurance…): each
   * raw record then also gives one facet entry, keyed to the record `fields` maps.
   */
  facet?: FacetProduction<any>
  /**
   * Other entities each raw record describes (an employer's credit code and name): per link, a
   * field map into that kind; a record whose link key is given also yields a record of that kind.
   */
  links?: readonly LinkDeclaration[]
  /**
   * Department fields sent encrypted one by one (SM4-CBC), decrypted with the instance's
   * `credentials.dataKey` before mapping; a value that does not decrypt quarantines its record.
   */
  encrypted?: EncryptedFields
  /** Calls the platform may make to the department on a caller's behalf, by name. */
  operations?: Readonly<Record<string, OperationDeclaration<any, any>>>
  /** Case events (联办) the department sends by webhook, applied to the cases they name. */
  caseEvents?: CaseEventIntake
  /** Work orders (工单) a hotline platform dispatches to the town by webhook, applied to the town's orders. */
  orderEvents?: OrderEventIntake
  /**
   * Canonical fields this department is the authority for: unless the configuration's
   * `survivorship:` says otherwise, its instances' values outrank every other source's there.
   */
  authority?: ReadonlyArray<RecordField<K>>
  /**
   * What an instance's configuration must hold for this adapter, checked after the platform's own
   * options (`adapters[i]` in the configuration): the keys it cannot run without, with a message
   * saying what to give.
   */
  instance: z.ZodType
  /** The simulated department the demo can start in its place. */
  simulator?: SimulatorDeclaration
}

/** An adapter that produces records: the one kind the record pipeline, quarantine and survivorship handle. */
export type RecordAdapter = AdapterDefinition & { produces: EntityKind, fields: NonNullable<AdapterDefinition['fields']> }

export function producesRecords (adapter: AdapterDefinition): adapter is RecordAdapter {
  return adapter.produces !== undefined
}

/**
 * Identity function that keeps an adapter's literal types and checks it against the contract: in
 * TypeScript at compile time, for adapters written in JavaScript when they load.
 */
export function defineAdapter<K extends EntityKind, const A extends AdapterDefinition<K>> (adapter: A & { produces?: K }): A {
  if (adapter.produces === undefined) {
    for (const key of ['fields', 'facet', 'authority', 'links', 'encrypted'] as const) {
      if (adapter[key] !== undefined) throw new TypeError(`adapter ${adapter.id} declares ${key} but produces no records: give produces ('person' or 'enterprise') or drop ${key}`)
    }
    if (!adapter.catalogue && !adapter.operations) throw new TypeError(`adapter ${adapter.id} produces no records, so it must read a matter catalogue or offer operations`)
    // their intake maps records: webhooks, pulls and files of an adapter without produces would have nowhere to go
    if (adapter.receive || adapter.pull || adapter.files) throw new TypeError(`adapter ${adapter.id} receives webhooks, pulls or takes files but produces no records: give produces ('person' or 'enterprise') and fields`)
    return adapter
  }
  if (typeof adapter.fields !== 'object' || adapter.fields === null) throw new TypeError(`adapter ${adapter.id} produces ${adapter.produces} records: give fields mapping department fields to [canonicalField, normaliser]`)
  for (const [field, rule] of Object.entries(adapter.fields)) {
    if (!Array.isArray(rule) || typeof rule[0] !== 'string' || typeof rule[1] !== 'function') {
      throw new TypeError(`adapter ${adapter.id}: field ${field} must map to [canonicalField, normaliser]`)
    }
    if (!isCanonicalField(adapter.produces, rule[0])) throw new TypeError(`adapter ${adapter.id}: field ${field} maps to ${rule[0]}, which is no ${adapter.produces} field`)
  }
  for (const field of adapter.authority ?? []) {
    if (!isRecordField(adapter.produces, field)) throw new TypeError(`adapter ${adapter.id}: authority names ${field}, which is no ${adapter.produces} field`)
  }
  if (adapter.links !== undefined) {
    const problems = linkProblems(adapter.links)
    if (problems.length > 0) throw new TypeError(`adapter ${adapter.id}: ${problems.join('; ')}`)
  }
  if (adapter.encrypted !== undefined) {
    const problems = encryptedProblems(adapter.encrypted)
    if (problems.length > 0) throw new TypeError(`adapter ${adapter.id}: ${problems.join('; ')}`)
  }
  if (adapter.facet && adapter.facet.declaration.of !== adapter.produces) throw new TypeError(`adapter ${adapter.id}: facet ${adapter.facet.declaration.name} is of a ${adapter.facet.declaration.of}, but the adapter produces ${adapter.produces} records`)
  if (!adapter.receive && !adapter.pull && !adapter.files && !adapter.catalogue) throw new TypeError(`adapter ${adapter.id} neither receives webhooks, pulls, takes files nor reads a matter catalogue`)
  return adapter
}
