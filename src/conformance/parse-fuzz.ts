// `receive.parse` on bodies no department should send, the platform's way (the body checks of its
// declared format first): it may refuse a body only with an error of the catalogue
// (TB_WEBHOOK_BODY_INVALID, typically), which the platform keeps whole in quarantine. A TypeError
// or any other error is a bug that would fail the webhook's processing over and over.
import type { AdapterDefinition } from '../adapter-sdk/index.ts'
import { isTongbanError } from '../errors.ts'
import { parseWebhookBody } from '../pipeline/webhook-body.ts'
import { fuzzInputs, preview, type FuzzInput } from './fuzz.ts'
import { recordsProblem, thrownProblem } from './outputs.ts'
import { pass, skip, verdict, type CheckResult, type CodesSeen } from './result.ts'

const NAME = 'receive.parse throws only catalogue errors'

export function checkParse (adapter: AdapterDefinition, seed: number, samples: readonly Buffer[], seen: CodesSeen): CheckResult {
  const receive = adapter.receive
  if (!receive) return skip(NAME, 'the adapter receives no webhooks')
  const inputs: FuzzInput[] = fuzzInputs(seed, samples)
  const findings: string[] = []
  const meta = { webhookId: 'msg_conformance', receivedAt: new Date() }
  for (const input of inputs) {
    const where = `parse of input ${input.name} (seed ${seed})`
    let problem: string | undefined
    try {
      problem = recordsProblem(parseWebhookBody(adapter, input.body, meta), seen, where)
    } catch (err) {
      if (isTongbanError(err)) seen.add(err.code, where)
      problem = thrownProblem(err)
    }
    if (problem) findings.push(`input ${input.name} (seed ${seed}) ${problem}\n    body: ${preview(input.body)}`)
  }
  if (findings.length === 0) return pass(NAME, `${inputs.length} fuzzed bodies (seed ${seed}${samples.length > 0 ? `, ${samples.length} from the simulator` : ''}): each parsed or refused with a catalogue error`)
  return verdict(NAME, findings, '', `${findings.length} of ${inputs.length} fuzzed bodies (seed ${seed}) broke parse`)
}
