// Runs an adapter's operations: calls to its department on a caller's behalf. Each call goes
// through the instance's department connection (breaker, rate limit, auth, timeouts), as the
// service account or carrying the signed-in staff member's own department account from the
// vault; its input and the department's answer are checked against the declared schemas. Only
// an operation that declares an idempotency key is retried, and its calls are kept a day, so the
// same key is answered from the first result (src/store/operation-calls.ts).
import { setTimeout as sleep } from 'node:timers/promises'
import type { z } from 'zod'
import { DepartmentRateLimitedError, DepartmentUnavailableError, type AdapterDefinition, type OperationDeclaration } from '../adapter-sdk/index.ts'
import type { AdapterInstance } from '../config/schema.ts'
import type { Principal } from '../auth/principal.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics.ts'
import { isTongbanError, TongbanError } from '../errors.ts'
import { getStaffAccount } from '../vault/credentials.ts'
import { claimCall, finishCall, releaseCall, type CallKey } from '../store/operation-calls.ts'
import type { CredentialDeps } from './credentials.ts'
import type { DepartmentConnections } from './connections.ts'
import { withStaffAccount, type StaffAccountValues } from './staff-account.ts'

/** How long a call with an idempotency key is answered from its first result. */
export const REPLAY_MS = 24 * 3600_000
/** Tries of an idempotent call that meets an unavailable or rate-limiting department; others are tried once. */
export const IDEMPOTENT_ATTEMPTS = 3
/** Calls refused before the department is asked: the caller's to mend, not the department's. */
const REFUSALS: ReadonlySet<string> = new Set(['TB_OPERATION_NEEDS_STAFF', 'TB_OPERATION_INPUT_INVALID', 'TB_STAFF_ACCOUNT_MISSING'])
/** How often a duplicate call looks whether the first one has finished. */
const WAIT_POLL_MS = 100

interface InstanceOf { config: AdapterInstance, adapter: AdapterDefinition }

export interface DeclaredOperation {
  instance: InstanceOf
  name: string
  operation: OperationDeclaration
}

export interface OperationResult { output: unknown, replayed: boolean }

export interface OperationsDeps extends CredentialDeps {
  instances: ReadonlyMap<string, InstanceOf>
  connections: DepartmentConnections
  logger: Logger
  metrics: Metrics
}

export interface Operations {
  /** The operation `name` of instance `instanceId`; TB_OPERATION_NOT_FOUND when there is none. */
  find: (instanceId: string, name: string) => DeclaredOperation
  /** Calls it with `body` as its input (TB_OPERATION_INPUT_INVALID, naming each issue, when the input is not what it declares). */
  call: (found: DeclaredOperation, body: unknown, principal: Principal) => Promise<OperationResult>
  /** Whom a call with this body concerns, for the audit log; undefined when the input is invalid or names no one. */
  subjectOf: (found: DeclaredOperation, body: unknown) => { kind: 'person' | 'enterprise', key: string } | undefined
}

function issuesOf (error: z.ZodError): string {
  // Paths and zod's messages, never the values: they may be an ID number.
  return error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
}

function retryable (err: unknown): boolean {
  return err instanceof DepartmentUnavailableError || err instanceof DepartmentRateLimitedError
}

export function createOperations (deps: OperationsDeps): Operations {
  const attemptTimeout = (found: DeclaredOperation): number => found.instance.config.timeout * 2
  const attemptsOf = (found: DeclaredOperation): number => found.operation.idempotencyKey ? IDEMPOTENT_ATTEMPTS : 1
  const backoff = (found: DeclaredOperation, attempt: number): number => found.instance.config.retries.backoff * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)
  // The longest one call can take: a duplicate waits this long, and a claim held longer is dead.
  const leaseOf = (found: DeclaredOperation): number => {
    const n = attemptsOf(found)
    return n * attemptTimeout(found) + found.instance.config.retries.backoff * 2 ** n
  }

  async function staffAccount (found: DeclaredOperation, principal: Principal): Promise<StaffAccountValues> {
    const instanceId = found.instance.config.id
    if (!deps.vault) throw new TongbanError('TB_MASTER_KEY_MISSING', ['TONGBAN_MASTER_KEY'])
    const account = await getStaffAccount(deps.db, deps.vault, Number(principal.id), instanceId)
    await deps.audit.append({ actor: principal, action: 'vault.use', subjectKind: 'adapter', subject: instanceId, outcome: account?.password ? 'ok' : 'failed', details: { purpose: `operation ${found.name} as the staff member's own account` } })
    const missing = !account ? 'no account of yours is mapped for it' : account.password === null ? 'the account mapped for you has no password kept' : undefined
    if (missing) throw new TongbanError('TB_STAFF_ACCOUNT_MISSING', [found.name, instanceId, missing, principal.username, instanceId])
    return { username: account!.username, password: account!.password! }
  }

  /** Calls the department, retrying only an idempotent operation, and checks the answer. */
  async function callDepartment (found: DeclaredOperation, input: unknown, principal: Principal): Promise<unknown> {
    const { instance, name, operation } = found
    const staff = operation.actAs === 'service' ? undefined : { placement: operation.actAs.staff, account: await staffAccount(found, principal) }
    const connection = await deps.connections.of(instance)
    const attempts = attemptsOf(found)
    for (let attempt = 1; ; attempt++) {
      try {
        const output = await connection.call(async (http) => await operation.run({
          http: staff ? withStaffAccount(http, staff.placement, staff.account) : http,
          input,
          signal: AbortSignal.timeout(attemptTimeout(found)),
        }))
        const checked = operation.output.safeParse(output)
        if (!checked.success) throw new TongbanError('TB_OPERATION_OUTPUT_INVALID', [instance.config.id, name, issuesOf(checked.error)])
        return checked.data
      } catch (err) {
        const again = attempt < attempts && retryable(err)
        deps.logger.warn({ adapter: instance.config.id, operation: name, attempt, retried: again, code: (err as { code?: string }).code, err: (err as Error).message }, 'operation call failed')
        if (!again) throw err
        await sleep(backoff(found, attempt))
      }
    }
  }

  /** One call per key and caller: a finished one is answered again, a running one waited for. */
  async function callOnce (found: DeclaredOperation, input: unknown, principal: Principal, key: string): Promise<OperationResult> {
    const k: CallKey = { instance: found.instance.config.id, operation: found.name, key, caller: `${principal.kind}:${principal.id}` }
    const leaseMs = leaseOf(found)
    const until = Date.now() + leaseMs
    for (;;) {
      const claim = await claimCall(deps.db, k, { replayMs: REPLAY_MS, leaseMs })
      if (claim.state === 'done') return { output: claim.output, replayed: true }
      if (claim.state === 'claimed') {
        let output: unknown
        try {
          output = await callDepartment(found, input, principal)
        } catch (err) {
          await releaseCall(deps.db, k, claim.token).catch((e: Error) => { deps.logger.warn({ adapter: k.instance, operation: k.operation, err: e.message }, 'could not release an operation call; its claim lapses') })
          throw err
        }
        // The department has answered: a store that fails only costs the replay, not the answer.
        await finishCall(deps.db, k, claim.token, output).catch((e: Error) => { deps.logger.warn({ adapter: k.instance, operation: k.operation, err: e.message }, 'could not keep an operation call for replay') })
        return { output, replayed: false }
      }
      if (Date.now() > until) throw new TongbanError('TB_OPERATION_IN_PROGRESS', [found.name])
      await sleep(WAIT_POLL_MS)
    }
  }

  async function callChecked (found: DeclaredOperation, body: unknown, principal: Principal): Promise<OperationResult> {
    if (found.operation.actAs !== 'service' && principal.kind !== 'staff') throw new TongbanError('TB_OPERATION_NEEDS_STAFF', [found.name, principal.kind === 'token' ? 'API token' : 'bootstrap token'])
    const parsed = found.operation.input.safeParse(body)
    if (!parsed.success) throw new TongbanError('TB_OPERATION_INPUT_INVALID', [found.name, issuesOf(parsed.error)])
    const input: unknown = parsed.data
    const key = found.operation.idempotencyKey?.(input)
    if (key === undefined) return { output: await callDepartment(found, input, principal), replayed: false }
    return await callOnce(found, input, principal, key)
  }

  return {
    find (instanceId, name) {
      const instance = deps.instances.get(instanceId)
      const operation = instance && Object.hasOwn(instance.adapter.operations ?? {}, name) ? instance.adapter.operations![name] : undefined
      if (!instance || !operation) throw new TongbanError('TB_OPERATION_NOT_FOUND', [instanceId, name, instanceId])
      return { instance, name, operation }
    },
    async call (found, body, principal) {
      const count = (outcome: 'ok' | 'replayed' | 'refused' | 'failed'): void => { deps.metrics.operations.inc({ adapter: found.instance.config.id, operation: found.name, outcome }) }
      try {
        const result = await callChecked(found, body, principal)
        count(result.replayed ? 'replayed' : 'ok')
        return result
      } catch (err) {
        count(isTongbanError(err) && REFUSALS.has(err.code) ? 'refused' : 'failed')
        throw err
      }
    },
    subjectOf (found, body) {
      const parsed = found.operation.input.safeParse(body)
      return parsed.success ? found.operation.subject?.(parsed.data) : undefined
    },
  }
}
