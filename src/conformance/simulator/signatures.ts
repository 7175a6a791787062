// Standard Webhooks signatures, judged by the platform's own verifier as the gateway runs it: a
// real delivery of the simulator verifies, the same message signed under each scheme the instance
// accepts (v1 HMAC-SHA256, v1sm3 HMAC-SM3) verifies and one it does not accept is refused, and the
// delivery with one signature byte flipped, one body byte changed, or replayed after the timestamp
// tolerance is refused with the 401 that says why.
import type { IncomingHttpHeaders } from 'node:http'
import type { AdapterDefinition } from '../../adapter-sdk/index.ts'
import { sign, signSm3, WEBHOOK_SCHEMES, type WebhookScheme } from '../../crypto/webhook-signature.ts'
import { isTongbanError, type ErrorCode } from '../../errors.ts'
import { webhookVerifier, type WebhookVerifier } from '../../webhooks/signatures/index.ts'
import { fail, skip, verdict, type CheckResult } from '../result.ts'
import { someDelivery } from './deliveries.ts'
import type { SimulatorRun } from './start.ts'

export const SIGNATURES = 'webhooks: SM3/SHA-256 signatures'
const NAME = SIGNATURES
const SIGNERS: Readonly<Record<WebhookScheme, typeof sign>> = { v1: sign, v1sm3: signSm3 }

/** Why `verify` refused, or that it did not: `ok`. */
function outcome (verifier: WebhookVerifier, headers: IncomingHttpHeaders, body: Buffer, nowSeconds: number): 'ok' | string {
  try {
    verifier.verify(headers, body, nowSeconds)
    return 'ok'
  } catch (err) {
    if (!isTongbanError(err)) return `threw ${(err as Error).name}: ${(err as Error).message}`
    return err.statusCode === 401 ? err.code : `${err.code} (${err.statusCode}, not 401)`
  }
}

/** Every signature entry of the header with the first byte of its MAC flipped. */
function flipped (signature: string): string {
  return signature.split(' ').map((entry) => {
    const comma = entry.indexOf(',')
    const mac = Buffer.from(entry.slice(comma + 1), 'base64')
    if (mac.length > 0) mac[0] = mac[0]! ^ 0x01
    return `${entry.slice(0, comma)},${mac.toString('base64')}`
  }).join(' ')
}

export async function checkSignatures (adapter: AdapterDefinition, run: SimulatorRun): Promise<CheckResult[]> {
  const receive = adapter.receive
  if (!receive) return []
  if (receive.signature !== 'standard-webhooks') return [skip(NAME, 'the adapter signs with a header HMAC, not Standard Webhooks v1/v1sm3')]
  if (!run.declaration.callsGateway) return [skip(NAME, 'the simulator does not call the gateway')]
  const webhook = run.instance.webhook
  if (!webhook) return [fail(NAME, 'the instance has no webhook secrets to verify deliveries with', [`give webhook.secrets in the instance of ${adapter.id}`])]
  const delivery = await someDelivery(run)
  if (!delivery) return [fail(NAME, 'the simulator delivered nothing', ['a pushing simulator should deliver when emit() is called or on its own schedule'])]

  const verifier = webhookVerifier(receive.signature, webhook)
  const now = Date.now() / 1000
  const findings: string[] = []
  const expect = (what: string, got: string, wanted: 'ok' | ErrorCode): void => {
    if (got !== wanted) findings.push(`${what}: expected ${wanted === 'ok' ? 'it to verify' : `401 ${wanted}`}, got ${got === 'ok' ? 'it verified' : got}`)
  }
  const { headers, body } = delivery
  const id = String(headers['webhook-id'] ?? '')
  const signature = String(headers['webhook-signature'] ?? '')
  const sent = [...new Set(signature.split(' ').map((entry) => entry.slice(0, Math.max(0, entry.indexOf(',')))))].join(', ') || 'no scheme'

  expect(`the simulator's delivery ${id} (signed ${sent})`, outcome(verifier, headers, body, now), 'ok')
  const timestamp = Math.floor(now)
  for (const scheme of WEBHOOK_SCHEMES) {
    const resigned = { ...headers, 'webhook-timestamp': String(timestamp), 'webhook-signature': SIGNERS[scheme](webhook.secrets[0]!, id, timestamp, body) }
    expect(`the delivery signed ${scheme}`, outcome(verifier, resigned, body, now), webhook.schemes.includes(scheme) ? 'ok' : 'TB_WEBHOOK_SCHEME_NOT_ACCEPTED')
  }
  expect('the delivery with a signature byte flipped', outcome(verifier, { ...headers, 'webhook-signature': flipped(signature) }, body, now), 'TB_WEBHOOK_SIGNATURE_INVALID')
  const changed = Buffer.from(body)
  if (changed.length > 0) changed[changed.length >> 1] = changed[changed.length >> 1]! ^ 0x01
  expect('the delivery with a body byte changed', outcome(verifier, headers, changed, now), 'TB_WEBHOOK_SIGNATURE_INVALID')
  const sentAt = Number(headers['webhook-timestamp'])
  expect(`the delivery replayed ${webhook.toleranceSeconds + 1} s after its timestamp`, outcome(verifier, headers, body, sentAt + webhook.toleranceSeconds + 1), 'TB_WEBHOOK_TIMESTAMP_STALE')

  const refused = WEBHOOK_SCHEMES.filter((s) => !webhook.schemes.includes(s))
  return [verdict(NAME, findings,
    `the simulator signs ${sent}; signed ${webhook.schemes.join(' or ')} a delivery verifies${refused.length > 0 ? `, signed ${refused.join(' or ')} it is refused (not accepted here)` : ''}; a flipped signature byte, a changed body byte and a stale timestamp are refused with their 401 codes`,
    `${findings.length} signature case(s) went the wrong way`)]
}
