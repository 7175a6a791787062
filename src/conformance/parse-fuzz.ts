// `receive.parse` on bodies no department should send, the platform's way (the body checks of its
// declared format first): it may refuse a body only with an error of the catalogue
// (TB_WEBHOOK_BODY_INVALID, typically), which the platform keeps whole in quarantine. A TypeError
// or any other error is a bug that would fail the webhook's processing over and over.
import type { AdapterDefinition } from '../adapter-sdk/index.ts'
import { isTongbanError } from '../errors.ts'
import { parseWebhookBody } from '../pipeline/webhook-body.ts'
import { fuzzInputs, preview, type FuzzInput } from './fuzz.ts'
import { isCatalogueCode, pass, skip, verdict, type CheckResult, type CodesSeen } from './result.ts'

const NAME = 'receive.parse throws only catalogue errors'

/** What is wrong with what a call gave back or threw, if anything. */
export function thrownProblem (err: unknown): string | undefined {
  if (isTongbanError(err) && isCatalogueCode(err.code)) return undefined
  const e = err as { name?: unknown, message?: unknown, code?: unknown }
  const what = err instanceof Error ? `${e.name as string}${e.code === undefined ? '' : ` (${String(e.code)})`}: ${String(e.message)}` : `a thrown ${typeof err} ${String(err)}`
  return `threw ${what}; only a TongbanError with a catalogue code may leave an adapter`
}

/** What is wrong with records an adapter returned, if anything; their reject codes are noted. */
export function recordsProblem (records: unknown, seen: CodesSeen, where: string): string | undefined {
  if (!Array.isArray(records)) return `returned ${typeof records}, not an array of raw records`
  for (const [i, r] of records.entries()) {
    const raw = r as { sourceId?: unknown, observedAt?: unknown, fields?: unknown, reject?: { code?: unknown } }
    if (typeof raw !== 'object' || raw === null) return `record ${i} is ${String(raw)}, not a raw record`
    if (typeof raw.sourceId !== 'string' || raw.sourceId === '') return `record ${i} has no sourceId`
    if (!(raw.observedAt instanceof Date) || Number.isNaN(raw.observedAt.getTime())) return `record ${i} (${raw.sourceId}) has no valid observedAt Date`
    if (typeof raw.fields !== 'object' || raw.fields === null) return `record ${i} (${raw.sourceId}) has no fields object`
    if (raw.reject !== undefined) seen.add(raw.reject.code, `${where}, record ${raw.sourceId}`)
  }
  return undefined
}

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
