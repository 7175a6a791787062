// Business codes map to the right errors: the simulator is asked for each fault it offers — the
// gateway's 503 and nginx pages, and the department's own kinds with the meaning its spec gives
// them — and the adapter must throw the error the platform acts on for that meaning (a new token,
// backing off, retrying, or a business error).
import type { AdapterDefinition, FaultMeaning, PullStream } from '../../adapter-sdk/index.ts'
import type { DepartmentClient } from '../../department/client.ts'
import { isTongbanError, type ErrorCode } from '../../errors.ts'
import { skip, verdict, type CheckResult, type CodesSeen } from '../result.ts'
import { withRetries } from './department.ts'
import type { SimulatorRun } from './start.ts'

const NAME = 'business codes map to the right errors'

/** A file's integrity fault is no answer to a page: the file-integrity check asks for it (files.ts). */
type AnswerMeaning = Exclude<FaultMeaning, 'integrity'>

const EXPECTED: Readonly<Record<AnswerMeaning, { code: ErrorCode, error: string }>> = {
  auth: { code: 'TB_DEPARTMENT_AUTH', error: 'DepartmentAuthError' },
  'rate-limited': { code: 'TB_DEPARTMENT_RATE_LIMITED', error: 'DepartmentRateLimitedError' },
  unavailable: { code: 'TB_DEPARTMENT_UNAVAILABLE', error: 'DepartmentUnavailableError' },
  business: { code: 'TB_DEPARTMENT_ERROR', error: 'DepartmentBusinessError' },
}

/** The gateway in front of every department: what the kit's fault injector answers by itself. */
const GATEWAY_FAULTS: Readonly<Record<string, AnswerMeaning>> = { 503: 'unavailable', html502: 'unavailable', html503: 'unavailable', html504: 'unavailable' }

function described (err: unknown): string {
  if (isTongbanError(err)) return `${err.constructor.name} ${err.code} (${err.message})`
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}

/** The first page of each stream the adapter reads (its pulls, its matter catalogue of the first configured town), by name. */
function firstPages (adapter: AdapterDefinition, run: SimulatorRun, client: DepartmentClient): Array<[string, () => Promise<unknown>]> {
  const signal = (): AbortSignal => AbortSignal.timeout(run.instance.timeout * 2)
  const pages = (Object.entries(adapter.pull ?? {}) as Array<[string, PullStream]>).map(([name, stream]): [string, () => Promise<unknown>] =>
    [`pull ${name}`, async () => await stream.fetchPage({ http: client, cursor: stream.initialCursor(), pageSize: stream.pageSize, signal: signal() })])
  const { catalogue } = adapter
  const town = run.towns[0]
  if (catalogue && town !== undefined) {
    pages.push([`catalogue of ${town}`, async () => await catalogue.fetchPage({ http: client, town, cursor: catalogue.initialCursor(), pageSize: catalogue.pageSize, signal: signal() })])
  }
  return pages
}

export async function checkFaults (adapter: AdapterDefinition, run: SimulatorRun, client: DepartmentClient, seen: CodesSeen): Promise<CheckResult> {
  const streams = firstPages(adapter, run, client)
  if (streams.length === 0) {
    return skip(NAME, adapter.catalogue ? 'the configuration names no town whose matter catalogue to read' : 'the adapter pulls nothing: no answers to read business codes from')
  }
  const failNext = run.sim.failNext?.bind(run.sim)
  if (!failNext) return skip(NAME, 'the simulator offers no failNext: it cannot be asked for faults')
  const declared = Object.entries(run.declaration.faults ?? {}).filter((f): f is [string, AnswerMeaning] => f[1] !== 'integrity')
  const faults = { ...GATEWAY_FAULTS, ...Object.fromEntries(declared) }
  const findings: string[] = []
  for (const [name, fetchPage] of streams) {
    // A page first, outside the count: the token is fetched and the next call is the one that fails.
    await withRetries(client, fetchPage)
    for (const [kind, meaning] of Object.entries(faults)) {
      const expected = EXPECTED[meaning]
      failNext(kind)
      let thrown: unknown
      try {
        await fetchPage()
      } catch (err) {
        thrown = err
      }
      if (isTongbanError(thrown)) seen.add(thrown.code, `fetchPage of ${name} answered fault ${kind}`)
      if (thrown === undefined) findings.push(`${name}: fault ${kind} (${meaning}) should throw ${expected.error}, but fetchPage returned a page`)
      else if (!isTongbanError(thrown) || thrown.code !== expected.code) findings.push(`${name}: fault ${kind} (${meaning}) should throw ${expected.error} (${expected.code}), but fetchPage threw ${described(thrown)}`)
      if (meaning === 'auth') client.resetAuth()
    }
  }
  const kinds = Object.keys(faults)
  return verdict(NAME, findings, `${kinds.length} faults (${kinds.join(', ')}) each threw the error their meaning asks for`, `${findings.length} fault(s) threw the wrong error`)
}
