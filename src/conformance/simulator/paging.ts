// A pull stream paged to its end against the simulator, while the simulator churns rows (updated
// rows move to later pages): every row the department held when paging began must be seen, each
// record is stored once after unify, every cursor survives the JSON round trip the platform's
// cursor store puts it through, and replaying a page changes nothing.
import { isDeepStrictEqual } from 'node:util'
import type { AdapterDefinition, PullPage, PullStream, RawRecord } from '../../adapter-sdk/index.ts'
import type { DepartmentClient } from '../../department/client.ts'
import { fail, pass, skip, type CheckResult, type CodesSeen } from '../result.ts'
import { recordsProblem, thrownProblem } from '../outputs.ts'
import { withRetries } from './department.ts'
import { keyField, type CheckStore } from './store.ts'
import type { SimulatorRun } from './start.ts'

const MAX_PAGES = 2000
const BUDGET_MS = 60_000

/** Why the cursor does not survive JSON and its schema, or undefined. */
function cursorProblem (stream: PullStream, cursor: unknown): string | undefined {
  let json: string
  try {
    json = JSON.stringify(cursor)
  } catch (err) {
    return `cannot be written as JSON (${(err as Error).message})`
  }
  if (json === undefined) return 'is not a JSON value'
  const parsed = stream.cursor.safeParse(JSON.parse(json))
  if (!parsed.success) return `is refused by its own schema after a JSON round trip: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(parsed.data)), JSON.parse(json))) return `comes back different from its schema: ${json} -> ${JSON.stringify(parsed.data)}`
  return undefined
}

export async function checkStream (adapter: AdapterDefinition, name: string, stream: PullStream, run: SimulatorRun, client: DepartmentClient, store: CheckStore, seen: CodesSeen): Promise<CheckResult[]> {
  const paging = `pull ${name}: paged to the end under churn, every row seen once`
  const cursors = `pull ${name}: the cursor round-trips its schema`
  const replay = `pull ${name}: replaying a page changes nothing`
  const startKeys = run.sim.rowKeys?.()
  const field = keyField(adapter)
  const cursorFindings: string[] = []
  const initial = stream.initialCursor()
  const initialProblem = cursorProblem(stream, initial)
  if (initialProblem) cursorFindings.push(`the initial cursor ${JSON.stringify(initial)} ${initialProblem}`)

  const seenKeys = new Set<string>()
  const pages: RawRecord[][] = []
  let cursor: unknown = initial
  let observations = 0
  const until = Date.now() + BUDGET_MS
  let done = false
  for (let n = 1; n <= MAX_PAGES && Date.now() < until; n++) {
    let page: PullPage<unknown>
    const where = `fetchPage ${n} of ${name} from cursor ${JSON.stringify(cursor)}`
    try {
      const from = cursor
      page = await withRetries(client, async () => await stream.fetchPage({ http: client, cursor: from, pageSize: run.instance.pageSize ?? stream.pageSize, signal: AbortSignal.timeout(run.instance.timeout * 2) }))
    } catch (err) {
      return [fail(paging, `${where} failed`, [thrownProblem(err) ?? `${(err as Error).message}`]), skip(cursors, 'paging failed'), skip(replay, 'paging failed')]
    }
    const bad = recordsProblem(page.records, seen, where)
    if (bad) return [fail(paging, `${where} returned bad records`, [bad]), skip(cursors, 'paging failed'), skip(replay, 'paging failed')]
    const problem = cursorProblem(stream, page.cursor)
    if (problem) cursorFindings.push(`the cursor after page ${n}, ${JSON.stringify(page.cursor)}, ${problem}`)
    await store.commit(page.records, where)
    pages.push(page.records)
    observations += page.records.length
    if (field) for (const r of page.records) seenKeys.add(String(r.fields[field]))
    // The platform persists the cursor as JSON and reads it back through the schema.
    cursor = problem ? page.cursor : stream.cursor.parse(JSON.parse(JSON.stringify(page.cursor)))
    if (page.done) { done = true; break }
  }
  const checks: CheckResult[] = []
  if (!done) {
    checks.push(fail(paging, `did not reach the end within ${MAX_PAGES} pages or ${BUDGET_MS / 1000} s`, [`${pages.length} pages, ${observations} records, last cursor ${JSON.stringify(cursor)}: a cursor that does not move forward pages for ever`]))
  } else {
    const stored = await store.count()
    const findings: string[] = []
    let summary = `${pages.length} pages, ${observations} records, ${stored} stored`
    if (startKeys && field) {
      const missed = startKeys.filter((k) => !seenKeys.has(k))
      summary += `; all ${startKeys.length} rows held at the start seen`
      if (missed.length > 0) findings.push(`${missed.length} of the ${startKeys.length} rows the department held when paging began were never seen (${field} ${missed.slice(0, 5).join(', ')}${missed.length > 5 ? ', …' : ''}): rows updated while paging slipped past the cursor`)
    } else {
      summary += startKeys ? `; the adapter maps no key field, so rows cannot be matched` : '; the simulator does not list its rows (rowKeys), so completeness was not checked'
    }
    checks.push(findings.length === 0 ? pass(paging, summary) : fail(paging, `rows were missed after ${pages.length} pages`, findings))
  }
  checks.push(cursorFindings.length === 0 ? pass(cursors, `${pages.length + 1} cursors survive JSON and ${name}'s schema`) : fail(cursors, `${cursorFindings.length} cursor(s) do not survive the cursor store`, cursorFindings))

  const replayed = [pages[0], pages.at(-1)].filter((p): p is RawRecord[] => p !== undefined && p.length > 0)
  if (replayed.length === 0) {
    checks.push(skip(replay, 'no page had records'))
  } else {
    const before = await store.fingerprint()
    for (const records of replayed) await store.commit(records, `replay of a page of ${name}`)
    const after = await store.fingerprint()
    checks.push(before === after
      ? pass(replay, `the first and last pages committed again: records, facets, history, quarantine and conflicts unchanged`)
      : fail(replay, 'committing a page again changed the store', [`before ${before}`, `after  ${after}`]))
  }
  return checks
}
