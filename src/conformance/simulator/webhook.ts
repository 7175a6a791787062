// A pushing simulator delivers to our receiver; each delivery goes the platform's way: its
// signature verified with the instance's secrets, parsed, mapped and unified. Deliveries of the
// same message (the sender duplicates and retries) must change nothing the second time.
import { createHash } from 'node:crypto'
import type { AdapterDefinition } from '../../adapter-sdk/index.ts'
import { webhookVerifier } from '../../webhooks/signatures/index.ts'
import { isTongbanError } from '../../errors.ts'
import { parseWebhookBody } from '../../pipeline/webhook-body.ts'
import { fail, pass, skip, type CheckResult, type CodesSeen } from '../result.ts'
import { recordsProblem, thrownProblem } from '../outputs.ts'
import type { CheckStore } from './store.ts'
import type { Delivery, SimulatorRun } from './start.ts'

const MESSAGES = 3
const WAIT_MS = 15_000

/** Deliveries of one message (retries, duplicates) carry the same bytes, whatever the signature scheme. */
const messageOf = (d: Delivery): string => createHash('sha256').update(d.body).digest('hex')

async function awaitMessages (run: SimulatorRun): Promise<Delivery[]> {
  for (let i = 0; i < MESSAGES; i++) run.sim.emit?.()
  const until = Date.now() + WAIT_MS
  const distinct = (): Delivery[] => [...new Map(run.deliveries.map((d) => [messageOf(d), d])).values()]
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
  if (!webhook) return { checks: [fail(delivered, 'the instance has no webhook secrets to verify deliveries with', [`give webhook.secrets in the configuration's instance of ${adapter.id}, or declare them in the simulator's instance`])], samples: [] }
  const verifier = webhookVerifier(receive.signature, webhook)
  const findings: string[] = []
  const parsed: Array<{ id: string, delivery: Delivery }> = []
  let records = 0
  for (const [i, d] of messages.entries()) {
    let id: string
    try {
      id = verifier.verify(d.headers, d.body, Date.now() / 1000)
    } catch (err) {
      findings.push(`delivery ${i + 1} to ${d.path}: the signature does not verify with the instance's webhook secrets (${isTongbanError(err) ? `${err.code}: ${err.message}` : String(err)})`)
      continue
    }
    const where = `delivery ${id} to ${d.path}`
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
