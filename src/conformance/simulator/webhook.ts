// A pushing simulator delivers to our receiver; each delivery goes the platform's way: its
// signature verified with the instance's secrets, parsed, mapped and unified. Deliveries of the
// same message (the sender duplicates and retries) must change nothing the second time.
import type { AdapterDefinition } from '../../adapter-sdk/index.ts'
import { secretKey, verify, type WebhookScheme } from '../../crypto/webhook-signature.ts'
import { isTongbanError } from '../../errors.ts'
import { parseWebhookBody } from '../../pipeline/webhook-body.ts'
import { fail, pass, skip, type CheckResult, type CodesSeen } from '../result.ts'
import { recordsProblem, thrownProblem } from '../outputs.ts'
import type { CheckStore } from './store.ts'
import type { Delivery, SimulatorRun } from './start.ts'

const MESSAGES = 3
const WAIT_MS = 15_000

const header = (d: Delivery, name: string): string | undefined => [d.headers[name]].flat()[0]

async function awaitMessages (run: SimulatorRun): Promise<Delivery[]> {
  for (let i = 0; i < MESSAGES; i++) run.sim.emit?.()
  const until = Date.now() + WAIT_MS
  const distinct = (): Delivery[] => [...new Map(run.deliveries.map((d) => [header(d, 'webhook-id') ?? d.path, d])).values()]
  while (distinct().length < MESSAGES && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100))
  return distinct()
}

export interface WebhookOutcome { checks: CheckResult[], samples: Buffer[] }

export async function checkWebhooks (adapter: AdapterDefinition, run: SimulatorRun, store: CheckStore, seen: CodesSeen): Promise<WebhookOutcome> {
  const delivered = 'webhooks: the simulator\'s deliveries verify, parse and unify'
  const replay = 'webhooks: a message delivered again changes nothing'
  const receive = adapter.receive
  if (!receive) return { checks: [], samples: [] }
  if (!run.declaration.callsGateway) return { checks: [skip(delivered, 'the simulator does not call the gateway'), skip(replay, 'no deliveries')], samples: [] }
  const messages = await awaitMessages(run)
  if (messages.length === 0) return { checks: [fail(delivered, `the simulator delivered nothing within ${WAIT_MS / 1000} s`, ['a pushing simulator should deliver when emit() is called or on its own schedule'])], samples: [] }
  const webhook = run.instance.webhook
  const keys = (webhook?.secrets ?? []).map(secretKey)
  const findings: string[] = []
  const parsed: Array<{ id: string, delivery: Delivery }> = []
  let records = 0
  for (const d of messages) {
    const id = header(d, 'webhook-id') ?? '(no webhook-id)'
    const where = `delivery ${id} to ${d.path}`
    try {
      verify(keys, { id: header(d, 'webhook-id'), timestamp: header(d, 'webhook-timestamp'), signature: header(d, 'webhook-signature') }, d.body, Date.now() / 1000, webhook?.toleranceSeconds, (webhook?.schemes ?? ['v1']) as WebhookScheme[])
    } catch (err) {
      findings.push(`${where}: the signature does not verify with the instance's webhook secrets (${isTongbanError(err) ? err.code : String(err)})`)
      continue
    }
    try {
      const raws = parseWebhookBody(adapter, d.body, { webhookId: id, receivedAt: new Date() })
      const bad = recordsProblem(raws, seen, `parse of ${where}`)
      if (bad) { findings.push(`${where}: parse ${bad}`); continue }
      await store.commit(raws, where)
      records += raws.length
      parsed.push({ id, delivery: d })
    } catch (err) {
      findings.push(`${where}: parse ${thrownProblem(err) ?? `refused it: ${(err as Error).message}`}`)
    }
  }
  const samples = messages.map((d) => d.body)
  const checks: CheckResult[] = [findings.length === 0
    ? pass(delivered, `${messages.length} messages, ${records} records, ${await store.count()} stored`)
    : fail(delivered, `${findings.length} of ${messages.length} deliveries failed`, findings)]
  if (parsed.length === 0) {
    checks.push(skip(replay, 'no delivery was parsed'))
    return { checks, samples }
  }
  const before = await store.fingerprint()
  for (const { id, delivery } of parsed) await store.commit(parseWebhookBody(adapter, delivery.body, { webhookId: id, receivedAt: new Date() }), `replay of ${id}`)
  const after = await store.fingerprint()
  checks.push(before === after
    ? pass(replay, `${parsed.length} messages committed again: records, facets, history, quarantine and conflicts unchanged`)
    : fail(replay, 'committing a message again changed the store', [`before ${before}`, `after  ${after}`]))
  return { checks, samples }
}
