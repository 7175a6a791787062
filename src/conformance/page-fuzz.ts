// `fetchPage` on answers no department should give: a real HTTP server answers each call with
// the next fuzzed body (with and without a content type, now and then as HTTP 500), through the
// platform's department client. The adapter may refuse an answer only with a catalogue error —
// DepartmentUnavailableError for an answer it cannot read — so the platform retries and the
// breaker counts it, never a TypeError that fails the job for good.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AUTH_CREDENTIALS, type AdapterDefinition, type PullStream } from '../adapter-sdk/index.ts'
import { createDepartmentClient } from '../department/client.ts'
import { isTongbanError } from '../errors.ts'
import { fuzzInputs, preview, type FuzzInput } from './fuzz.ts'
import { recordsProblem, thrownProblem } from './outputs.ts'
import { pass, skip, verdict, type CheckResult, type CodesSeen } from './result.ts'

const NAME = 'fetchPage throws only catalogue errors on fuzzed answers'
const CONTENT_TYPES = [undefined, 'application/json; charset=utf-8', 'text/xml; charset=GBK', 'text/plain']
/** A well-formed token answer, so that fuzzed answers reach the adapter's own reading. */
const TOKEN = JSON.stringify({ access_token: 'conformance', token_type: 'Bearer', expires_in: 300 })

/** Credentials of the declared strategy's shape (the fuzzing server checks none). */
function credentialsFor (adapter: AdapterDefinition): Record<string, string> | undefined {
  if (!adapter.auth) return undefined
  return Object.fromEntries(Object.keys(AUTH_CREDENTIALS[adapter.auth.type].shape).map((key) => [key, key === 'privateKey' ? '3'.repeat(64) : 'conformance-check']))
}

export async function checkPageFuzz (adapter: AdapterDefinition, seed: number, seen: CodesSeen): Promise<CheckResult> {
  const streams = Object.entries(adapter.pull ?? {}) as Array<[string, PullStream]>
  if (streams.length === 0) return skip(NAME, 'the adapter pulls nothing')
  const inputs: FuzzInput[] = fuzzInputs(seed)
  let answer = 0
  const tokenPath = adapter.auth?.type === 'oauth2-client-credentials' ? adapter.auth.tokenPath : undefined
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (tokenPath !== undefined && req.url?.split('?')[0] === tokenPath) { res.writeHead(200, { 'content-type': 'application/json' }).end(TOKEN); return }
      const type = CONTENT_TYPES[answer % CONTENT_TYPES.length]
      res.writeHead(answer % 7 === 6 ? 500 : 200, type === undefined ? {} : { 'content-type': type }).end(inputs[answer]!.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const credentials = credentialsFor(adapter)
  const client = createDepartmentClient({
    department: adapter.id,
    baseUrl: `http://127.0.0.1:${port}`,
    timeoutMs: 2000,
    auth: adapter.auth,
    credentials: credentials === undefined ? undefined : async () => credentials,
  })
  const findings: string[] = []
  try {
    for (const [name, stream] of streams) {
      for (answer = 0; answer < inputs.length; answer++) {
        const input = inputs[answer]!
        const where = `fetchPage of ${name} answered input ${input.name} (seed ${seed})`
        let problem: string | undefined
        try {
          const page = await stream.fetchPage({ http: client, cursor: stream.initialCursor(), pageSize: stream.pageSize, signal: AbortSignal.timeout(5000) })
          problem = recordsProblem(page?.records, seen, where)
        } catch (err) {
          if (isTongbanError(err)) seen.add(err.code, where)
          problem = thrownProblem(err)
        }
        if (problem) findings.push(`pull ${name}: answer ${input.name} (seed ${seed}) — fetchPage ${problem}\n    body: ${preview(input.body)}`)
        client.resetAuth()
      }
    }
  } finally {
    await client.close()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => { resolve() }))
  }
  const total = inputs.length * streams.length
  if (findings.length === 0) return pass(NAME, `${total} fuzzed answers (seed ${seed}): each read or refused with a catalogue error`)
  return verdict(NAME, findings, '', `${findings.length} of ${total} fuzzed answers (seed ${seed}) broke fetchPage`)
}
