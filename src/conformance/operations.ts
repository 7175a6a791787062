// Operations (calls to the department): each input schema refuses what no caller should send, each
// example is valid input, an idempotency key is the same for the same input (calls with one key
// are one call), and — against the simulator — an example called answers what the output schema
// says.
import type { AdapterDefinition, OperationDeclaration } from '../adapter-sdk/index.ts'
import type { DepartmentClient } from '../department/client.ts'
import { withStaffAccount, type StaffAccountValues } from '../department/staff-account.ts'
import { isTongbanError } from '../errors.ts'
import { thrownProblem } from './outputs.ts'
import { skip, verdict, type CheckResult, type CodesSeen } from './result.ts'

const JUNK: ReadonlyArray<[string, unknown]> = [
  ['undefined', undefined], ['null', null], ['a number', 42], ['a string', 'junk'], ['an array', []], ['true', true],
]

const issueOf = (error: { issues: ReadonlyArray<{ path: PropertyKey[], message: string }> }): string => {
  const issue = error.issues[0]!
  return `${issue.path.map(String).join('.') || '(input)'}: ${issue.message}`
}

function operationFindings (name: string, op: OperationDeclaration): string[] {
  const findings: string[] = []
  for (const [what, value] of JUNK) {
    if (op.input.safeParse(value).success) findings.push(`operation ${name}: the input schema accepts ${what}`)
  }
  for (const [i, example] of (op.examples ?? []).entries()) {
    const parsed = op.input.safeParse(example)
    if (!parsed.success) { findings.push(`operation ${name}: example ${i + 1} is refused by its own input schema (${issueOf(parsed.error)})`); continue }
    if (!op.idempotencyKey) continue
    const again = op.input.parse(structuredClone(example))
    let first: unknown, second: unknown
    try {
      first = op.idempotencyKey(parsed.data)
      second = op.idempotencyKey(again)
    } catch (err) {
      findings.push(`operation ${name}: idempotencyKey of example ${i + 1} ${thrownProblem(err) ?? 'threw'}`)
      continue
    }
    if (typeof first !== 'string' || first === '') findings.push(`operation ${name}: idempotencyKey of example ${i + 1} gave ${JSON.stringify(first)}, not a non-empty string`)
    else if (first !== second) findings.push(`operation ${name}: idempotencyKey gave ${JSON.stringify(first)} and then ${JSON.stringify(second)} for the same input (example ${i + 1})`)
  }
  if (op.idempotencyKey && (op.examples ?? []).length === 0) findings.push(`operation ${name}: declares an idempotency key but no examples to check it with`)
  return findings
}

export function checkOperations (adapter: AdapterDefinition): CheckResult {
  const name = 'operations validate input and keep idempotency keys'
  const ops = Object.entries(adapter.operations ?? {})
  if (ops.length === 0) return skip(name, 'the adapter declares no operations')
  const findings = ops.flatMap(([n, op]) => operationFindings(n, op))
  return verdict(name, findings, `${ops.length} operation(s): junk input refused, examples valid, idempotency keys stable`, `${findings.length} problem(s) with operations`)
}

/**
 * Calls each operation with its examples through the simulator: as the service account, or
 * carrying the staff account the simulator declares it accepts, placed as the platform places it.
 */
export async function checkOperationCalls (adapter: AdapterDefinition, client: DepartmentClient, staffAccount: StaffAccountValues | undefined, timeoutMs: number, seen: CodesSeen): Promise<CheckResult> {
  const name = 'operations answer against the simulator'
  const ops = Object.entries(adapter.operations ?? {})
  if (ops.length === 0) return skip(name, 'the adapter declares no operations')
  const findings: string[] = []
  const notes: string[] = []
  let calls = 0
  for (const [opName, op] of ops) {
    if (op.actAs !== 'service' && !staffAccount) { notes.push(`${opName} acts as a staff member and the simulator declares no staffAccount: not called`); continue }
    const http = op.actAs === 'service' ? client : withStaffAccount(client, op.actAs.staff, staffAccount!)
    if ((op.examples ?? []).length === 0) { notes.push(`${opName} has no examples: not called`); continue }
    for (const [i, example] of (op.examples ?? []).entries()) {
      const input = op.input.safeParse(example)
      if (!input.success) continue // reported by the static check
      calls++
      try {
        const output = op.output.safeParse(await op.run({ http, input: input.data, signal: AbortSignal.timeout(timeoutMs) }))
        if (!output.success) findings.push(`operation ${opName}, example ${i + 1}: the answer does not match the output schema (${issueOf(output.error)})`)
      } catch (err) {
        if (isTongbanError(err)) seen.add(err.code, `operation ${opName}, example ${i + 1}`)
        findings.push(`operation ${opName}, example ${i + 1}: ${thrownProblem(err) ?? `failed: ${(err as Error).message}`}`)
      }
    }
  }
  if (calls === 0 && findings.length === 0) return skip(name, notes.join('; '))
  const result = verdict(name, findings, `${calls} call(s) answered as the output schema says`, `${findings.length} call(s) failed`)
  if (notes.length > 0) result.summary += ` (${notes.join('; ')})`
  return result
}
