// Between reading and mapping, in every intake (webhook ingest, pull, file import, quarantine
// retry): the fields an adapter declares `encrypted` are decrypted with the instance's data key,
// so the field map sees plaintext. A value that does not decrypt rejects its raw record alone
// (TB_FIELD_DECRYPT_FAILED); the rest of the batch goes on. Quarantine keeps every raw record as
// received — encrypted — so a retry decrypts again, with the key the instance has by then.
import type { AdapterDefinition, EncryptedFields } from '../adapter-sdk/index.ts'
import { decryptSm4Field } from '../crypto/sm4.ts'
import { dataKeyOf } from '../department/data-key.ts'
import { isTongbanError, TongbanError } from '../errors.ts'
import type { RawRecord, Rejection } from '../model/intake.ts'
import { isEmpty } from '../normalize/index.ts'
import type { Instance, Platform } from '../platform.ts'
import { mapBatch, mapBatchInSlices, mapRecord, type MapResult, type MappedRecords } from './map.ts'

/** The key an intake decrypts the instance's fields with (`fresh`: not the one kept from the vault); undefined when its adapter encrypts none. */
export async function fieldKeyOf (platform: Pick<Platform, 'db' | 'vault' | 'audit'>, instance: Pick<Instance, 'config' | 'adapter'>, opts: { fresh?: boolean } = {}): Promise<Buffer | undefined> {
  return instance.adapter.encrypted ? await dataKeyOf(platform, instance.config, opts) : undefined
}

/** A record as received, and the field that did not decrypt (its quarantine item names it). */
interface Received { raw: RawRecord, field?: string }

function decryptRecord (encrypted: EncryptedFields, key: Buffer, raw: RawRecord): { plain: RawRecord, failed?: string } {
  if (raw.reject) return { plain: raw }
  const fields = { ...raw.fields }
  for (const field of encrypted.fields) {
    const value = fields[field]
    if (isEmpty(value)) continue
    try {
      if (typeof value !== 'string') throw new TongbanError('TB_FIELD_DECRYPT_FAILED', [`a ${typeof value}, not encrypted text`])
      fields[field] = decryptSm4Field(key, value)
    } catch (err) {
      if (!isTongbanError(err)) throw err
      return { plain: { ...raw, reject: { code: err.code, message: `${field}: ${err.message}` } }, failed: field }
    }
  }
  return { plain: { ...raw, fields } }
}

/**
 * The records to map, and the record as received behind each decrypted one (for quarantine).
 * Without `encrypted` the records pass as they are.
 */
function decryptAll (adapter: AdapterDefinition, key: Buffer | undefined, raws: readonly RawRecord[]): { raws: readonly RawRecord[], received: Map<RawRecord, Received> } {
  const received = new Map<RawRecord, Received>()
  if (!adapter.encrypted) return { raws, received }
  if (!key) throw new TypeError(`adapter ${adapter.id} encrypts fields: the intake must give the instance's data key`)
  const encrypted = adapter.encrypted
  return {
    raws: raws.map((raw) => {
      const { plain, failed } = decryptRecord(encrypted, key, raw)
      received.set(plain, failed === undefined ? { raw } : { raw, field: failed })
      return plain
    }),
    received,
  }
}

function asReceived (rejection: Rejection, received: ReadonlyMap<RawRecord, Received>): Rejection {
  const behind = received.get(rejection.raw)
  if (!behind) return rejection
  return behind.field === undefined ? { ...rejection, raw: behind.raw } : { ...rejection, raw: behind.raw, field: behind.field }
}

function keepReceived (mapped: MappedRecords, received: ReadonlyMap<RawRecord, Received>): MappedRecords {
  if (received.size === 0) return mapped
  return { records: mapped.records, rejections: mapped.rejections.map((r) => asReceived(r, received)) }
}

/** mapBatch of records as received: their encrypted fields decrypted first. */
export function mapReceived (adapter: AdapterDefinition, key: Buffer | undefined, raws: readonly RawRecord[]): MappedRecords {
  const { raws: plain, received } = decryptAll(adapter, key, raws)
  return keepReceived(mapBatch(adapter, plain), received)
}

/** mapBatchInSlices of records as received. */
export async function mapReceivedInSlices (adapter: AdapterDefinition, key: Buffer | undefined, raws: readonly RawRecord[]): Promise<MappedRecords> {
  const { raws: plain, received } = decryptAll(adapter, key, raws)
  return keepReceived(await mapBatchInSlices(adapter, plain), received)
}

/** mapRecord of one record as received. */
export function mapReceivedRecord (adapter: AdapterDefinition, key: Buffer | undefined, raw: RawRecord): MapResult {
  const { raws: [plain], received } = decryptAll(adapter, key, [raw])
  const result = mapRecord(adapter, plain!)
  return result.ok ? result : { ok: false, rejection: asReceived(result.rejection, received) }
}
