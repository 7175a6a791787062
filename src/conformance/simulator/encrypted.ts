// Encrypted fields (`encrypted`), through the platform's own decrypt, map and commit steps: the
// simulator's real records, decrypted with a wrong data key, must all go to quarantine —
// TB_FIELD_DECRYPT_FAILED, or a normaliser's code where garbage happened to decrypt — and change
// no record, facet, history or conflict; with the instance's key their fields decrypt.
import type { AdapterDefinition, PullStream, RawRecord } from '../../adapter-sdk/index.ts'
import type { DepartmentClient } from '../../department/client.ts'
import { errorCatalogue, type ErrorCode } from '../../errors.ts'
import { isEmpty } from '../../normalize/index.ts'
import { parseWebhookBody } from '../../pipeline/webhook-body.ts'
import { fail, isCatalogueCode, skip, verdict, type CheckResult } from '../result.ts'
import { someDelivery } from './deliveries.ts'
import { withRetries } from './department.ts'
import { inlineDataKey, type CheckStore } from './store.ts'
import type { SimulatorRun } from './start.ts'

export const ENCRYPTED = 'encrypted fields: a wrong key quarantines, never stores'
const NAME = ENCRYPTED

/** The simulator's records: those of a delivery (push) or the first page of the first stream (pull). */
async function realRecords (adapter: AdapterDefinition, run: SimulatorRun, client: DepartmentClient): Promise<{ raws: RawRecord[], from: string } | string> {
  if (adapter.receive) {
    if (!run.declaration.callsGateway) return 'the simulator does not call the gateway'
    const delivery = await someDelivery(run)
    if (!delivery) return 'the simulator delivered nothing'
    const id = String(delivery.headers['webhook-id'] ?? 'delivery')
    return { raws: parseWebhookBody(adapter, delivery.body, { webhookId: id, receivedAt: new Date() }), from: `delivery ${id}` }
  }
  const [name, stream] = (Object.entries(adapter.pull ?? {}) as Array<[string, PullStream]>)[0] ?? []
  if (!name || !stream) return 'the adapter neither receives webhooks nor pulls (files are checked by the file checks)'
  const page = await withRetries(client, async () => await stream.fetchPage({ http: client, cursor: stream.initialCursor(), pageSize: stream.pageSize, signal: AbortSignal.timeout(run.instance.timeout * 2) }))
  return { raws: page.records, from: `the first page of ${name}` }
}

/** A quarantine reason a wrong key may give: its own, or a normaliser's (a 422 of the catalogue). */
const wrongKeyReason = (code: string): boolean => code === 'TB_FIELD_DECRYPT_FAILED' || (isCatalogueCode(code) && errorCatalogue[code as ErrorCode].status === 422)

/** The store's fingerprint without its quarantine count: what a wrong key must leave alone. */
function stored (fingerprint: string): string {
  const { quarantined: _, ...rest } = JSON.parse(fingerprint) as Record<string, unknown>
  return JSON.stringify(rest)
}

export async function checkEncrypted (adapter: AdapterDefinition, run: SimulatorRun, client: DepartmentClient, store: CheckStore): Promise<CheckResult[]> {
  const encrypted = adapter.encrypted
  if (!encrypted) return []
  const key = inlineDataKey(run.instance)
  if (!key) return [fail(NAME, 'the instance gives no credentials.dataKey inline', [`the checks cannot open the vault: give credentials.dataKey in the instance the simulator declares (or the configuration's instance of ${adapter.id})`])]
  const got = await realRecords(adapter, run, client)
  if (typeof got === 'string') return [skip(NAME, got)]
  const raws = got.raws.filter((r) => !r.reject && encrypted.fields.some((f) => !isEmpty(r.fields[f])))
  if (raws.length === 0) return [fail(NAME, `${got.from} has no record with a value in ${encrypted.fields.join(', ')}`, ['the simulator should send the encrypted fields the adapter declares'])]

  const findings: string[] = []
  const wrongKey = Buffer.from(key.map((b) => b ^ 0xa5))
  const before = await store.fingerprint()
  const wrong = await store.commit(raws, `${got.from} with a wrong data key`, { dataKey: wrongKey })
  const after = await store.fingerprint()
  if (wrong.keys.length > 0) findings.push(`with a wrong data key ${wrong.keys.length} of ${raws.length} records mapped and were stored (e.g. ${wrong.keys[0]}): a wrong key must never give a record`)
  for (const r of wrong.reasons.filter((r) => !wrongKeyReason(r.code)).slice(0, 5)) findings.push(`with a wrong data key, record ${r.sourceId} was quarantined as ${r.code} (${r.message}), not TB_FIELD_DECRYPT_FAILED or a normaliser's code`)
  if (stored(before) !== stored(after)) findings.push(`with a wrong data key the store changed beyond its quarantine: before ${before}, after ${after}`)
  const failedDecrypt = wrong.reasons.filter((r) => r.code === 'TB_FIELD_DECRYPT_FAILED').length

  const right = await store.commit(raws, `${got.from} with the instance's data key`)
  const stillFailing = right.reasons.filter((r) => r.code === 'TB_FIELD_DECRYPT_FAILED')
  for (const r of stillFailing.slice(0, 5)) findings.push(`with the instance's data key, record ${r.sourceId} does not decrypt: ${r.message}`)
  if (right.keys.length === 0) findings.push(`with the instance's data key none of ${raws.length} records mapped (${right.reasons[0]?.code ?? 'no reason'}: ${right.reasons[0]?.message ?? ''})`)

  return [verdict(NAME, findings,
    `${raws.length} records of ${got.from} (${encrypted.fields.join(', ')}): a wrong key quarantined all (${failedDecrypt} TB_FIELD_DECRYPT_FAILED) and stored nothing; the instance's key decrypted them (${right.keys.length} mapped)`,
    `${findings.length} finding(s) about encrypted fields`)]
}
