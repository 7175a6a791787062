// Runs the conformance checks on one adapter: the static ones first, then — against its simulator —
// the webhook, paging, fault and operation checks (whose real bodies feed the fuzzer), then the
// fuzzer, and last the reason codes everything before gave.
import type { PullStream } from '../adapter-sdk/index.ts'
import { checkFieldTargets } from './field-targets.ts'
import { checkOperationCalls, checkOperations } from './operations.ts'
import { checkParse } from './parse-fuzz.ts'
import { checkPageFuzz } from './page-fuzz.ts'
import { checkFileFuzz } from './file-fuzz.ts'
import { checkReasonCodes } from './reason-codes.ts'
import { CodesSeen, fail, type CheckResult, type Report } from './result.ts'
import type { Subject } from './subject.ts'
import { departmentClient } from './simulator/department.ts'
import { checkFaults } from './simulator/faults.ts'
import { checkStream } from './simulator/paging.ts'
import { startSimulatorRun } from './simulator/start.ts'
import { checkStore, openStoreDb } from './simulator/store.ts'
import { checkWebhooks } from './simulator/webhook.ts'
import { checkFileIntegrity } from './simulator/files.ts'
import { checkSignatures, SIGNATURES } from './simulator/signatures.ts'
import { checkEncrypted, ENCRYPTED } from './simulator/encrypted.ts'

export interface CheckOptions {
  againstSimulator: boolean
  /** Seeds the fuzzer. */
  seed: number
  /** Where the simulator's options and the instance talking to it come from; undefined: the schema's defaults. */
  configFile: string | undefined
}

const SIMULATOR = 'the simulator starts'

/** A step's checks, or one failed check when the step itself broke (an adapter's odd output reaching the platform's code). */
async function guarded (name: string, step: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await step()
  } catch (err) {
    return [fail(name, 'the check stopped on an error', [(err as Error).stack ?? String(err)])]
  }
}

async function againstSimulator (subject: Subject, opts: CheckOptions, seen: CodesSeen): Promise<{ checks: CheckResult[], samples: Buffer[] }> {
  const { adapter } = subject
  const db = openStoreDb()
  let run
  try {
    run = await startSimulatorRun(adapter, opts.configFile)
  } catch (err) {
    await (await db).close()
    return { checks: [fail(SIMULATOR, 'the simulator could not be started', [(err as Error).message])], samples: [] }
  }
  let store
  try {
    store = checkStore(await db, adapter, run.instance, seen)
  } catch (err) {
    await run.close()
    throw err
  }
  const client = departmentClient(adapter, run.instance)
  try {
    let samples: Buffer[] = []
    const checks = await guarded('webhooks', async () => {
      const webhooks = await checkWebhooks(adapter, run, store, seen)
      samples = webhooks.samples
      return webhooks.checks
    })
    checks.push(...await guarded(SIGNATURES, async () => await checkSignatures(adapter, run)))
    for (const [name, stream] of Object.entries(adapter.pull ?? {}) as Array<[string, PullStream]>) {
      checks.push(...await guarded(`pull ${name}`, async () => await checkStream(adapter, name, stream, run, client, store, seen)))
    }
    // After paging, which counts what its own pages stored.
    checks.push(...await guarded(ENCRYPTED, async () => await checkEncrypted(adapter, run, client, store)))
    checks.push(...await guarded('business codes', async () => [await checkFaults(adapter, run, client, seen)]))
    checks.push(...await guarded('files: integrity against the simulator', async () => [await checkFileIntegrity(adapter, run, await db, store)]))
    checks.push(...await guarded('operations against the simulator', async () => [await checkOperationCalls(adapter, client, run.declaration.staffAccount?.(run.options), run.instance.timeout, seen)]))
    return { checks, samples }
  } finally {
    await client.close()
    await store.close()
    await run.close()
  }
}

export async function runChecks (subject: Subject, opts: CheckOptions): Promise<Report> {
  const started = Date.now()
  const seen = new CodesSeen()
  const checks: CheckResult[] = [checkFieldTargets(subject.adapter), checkOperations(subject.adapter)]
  let samples: Buffer[] = []
  if (opts.againstSimulator) {
    const live = await againstSimulator(subject, opts, seen)
    checks.push(...live.checks)
    samples = live.samples
  }
  checks.push(checkParse(subject.adapter, opts.seed, samples, seen))
  checks.push(await checkPageFuzz(subject.adapter, opts.seed, seen))
  checks.push(await checkFileFuzz(subject.adapter, opts.seed, seen))
  checks.push(checkReasonCodes(subject.folder, seen))
  return {
    adapter: subject.adapter.id,
    source: subject.source,
    seed: opts.seed,
    againstSimulator: opts.againstSimulator,
    checks,
    ok: checks.every((c) => c.outcome !== 'fail'),
    durationMs: Date.now() - started,
  }
}
