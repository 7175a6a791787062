// File integrity against the simulator: the simulator writes its files (emit), and the platform's own
// file-drop steps (src/sync/file-drop.ts: what is due, fetch, record, check, import) take them into
// the checks' store. Each listed file must be imported once with the rows its manifest gives; after
// failNext(<a fault meaning 'integrity'>) the next file must be set aside whole (TB_FILE_INTEGRITY,
// nothing of it stored); and the file the simulator writes next must be imported and count as its
// correction, so the file set aside is no longer reported.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AdapterDefinition } from '../../adapter-sdk/index.ts'
import { AuditWriter } from '../../audit/store.ts'
import { openFileSource } from '../../department/files/index.ts'
import { createLogger } from '../../log.ts'
import { createMetrics } from '../../metrics.ts'
import type { Db } from '../../store/db.ts'
import { FileBytes } from '../../store/file-bytes.ts'
import { fileByListing, loadFile, type FileRow } from '../../store/file-inbox.ts'
import { dueFiles, processFile, type FileDropContext, type FileJobData, type FileOutcome } from '../../sync/file-drop.ts'
import { survivorshipRules } from '../../unify/survivorship.ts'
import { fail, pass, skip, type CheckResult } from '../result.ts'
import type { CheckStore } from './store.ts'
import type { SimulatorRun } from './start.ts'

const NAME = 'files: integrity against the simulator'
/** Emits allowed for files to appear: a department may have days without any file. */
const EMITS = 3

interface Taken { file: string, outcome: FileOutcome['status'], row: FileRow, manifestRows: number | undefined, storeChanged: boolean }

function manifestRows (adapter: AdapterDefinition, row: FileRow): number | undefined {
  const manifest = adapter.files!.manifest
  if (!manifest || !row.manifest) return undefined
  try {
    return manifest.parse(row.manifest, row.name).rows
  } catch {
    return undefined
  }
}

export async function checkFileIntegrity (adapter: AdapterDefinition, run: SimulatorRun, db: Db, store: CheckStore): Promise<CheckResult> {
  if (!adapter.files) return skip(NAME, 'the adapter takes no file drops')
  const emit = run.sim.emit?.bind(run.sim)
  if (!emit) return skip(NAME, 'the simulator offers no emit: it cannot be asked to write files')
  if (!run.instance.files) return fail(NAME, 'the instance that reaches the simulator names no files', ['declare instance(options) in the simulator, giving files: { dir } or files: { sftp }'])
  const logger = createLogger({ level: 'silent' })
  const audit = new AuditWriter(db)
  const instance = { config: run.instance, adapter }
  const source = openFileSource(instance, { db, vault: undefined, audit, logger })
  const dir = await mkdtemp(join(tmpdir(), 'tongban-check-files-'))
  const survivorship = survivorshipRules(undefined, adapter.produces === undefined ? [] : [{ instance: run.instance.id, kind: adapter.produces, fields: adapter.authority ?? [] }])
  const ctx: FileDropContext = {
    platform: { db, logger, metrics: createMetrics(), survivorship, vault: undefined, audit },
    instance,
    source,
    bytes: new FileBytes(dir),
    stopping: () => false,
  }
  try {
    return await rounds(adapter, run, ctx, store, emit)
  } finally {
    await source.close()
    await audit.flush()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Emits until the drop has files due (at most EMITS times), then takes each as the platform does. */
async function emitAndTake (adapter: AdapterDefinition, ctx: FileDropContext, store: CheckStore, emit: () => unknown): Promise<Taken[]> {
  let due: FileJobData[] = []
  for (let i = 0; i < EMITS && due.length === 0; i++) {
    await emit()
    due = await dueFiles(ctx)
  }
  const taken: Taken[] = []
  for (const data of due.sort((a, b) => a.name.localeCompare(b.name))) {
    const before = await store.fingerprint()
    const { status } = await processFile(ctx, data)
    const row = await fileByListing(ctx.platform.db, ctx.instance.config.id, { name: data.name, size: data.size, modifiedAt: new Date(data.modifiedAt) })
    if (!row) throw new Error(`file ${data.name} was taken but is not in the file inbox`)
    taken.push({ file: data.name, outcome: status, row, manifestRows: manifestRows(adapter, row), storeChanged: await store.fingerprint() !== before })
  }
  return taken
}

const described = (t: Taken): string => `${t.file}: ${t.outcome}${t.row.reasonCode ? ` (${t.row.reasonCode}: ${t.row.error ?? ''})` : ''}`

/** Set aside whole for its integrity: what a department's own truncated upload (a simulator's quirk) gets. */
const setAsideWhole = (t: Taken): boolean => t.outcome === 'rejected' && t.row.reasonCode === 'TB_FILE_INTEGRITY' && t.row.rowsDone === 0 && !t.storeChanged

/** A file that should have been imported whole, with its manifest's row count (or, a quirk of the simulator's own, set aside whole). */
function importProblems (t: Taken): string[] {
  if (setAsideWhole(t)) return []
  if (t.outcome !== 'imported') return [`${described(t)}, but it should have been imported`]
  const problems: string[] = []
  if (t.manifestRows !== undefined && t.row.rowsTotal !== t.manifestRows) problems.push(`${t.file}: ${t.row.rowsTotal ?? 'no'} rows read, but its manifest says ${t.manifestRows}`)
  if (t.row.rowsDone !== t.row.rowsTotal) problems.push(`${t.file}: ${t.row.rowsDone} of its ${t.row.rowsTotal ?? '?'} rows imported`)
  return problems
}

async function rounds (adapter: AdapterDefinition, run: SimulatorRun, ctx: FileDropContext, store: CheckStore, emit: () => unknown): Promise<CheckResult> {
  const findings: string[] = []
  const first = await emitAndTake(adapter, ctx, store, emit)
  if (first.length === 0) return fail(NAME, `the simulator wrote no complete file in ${EMITS} emits`, ['emit() should write files (and their manifest) the drop shows'])
  for (const t of first) findings.push(...importProblems(t))
  if (first.every(setAsideWhole)) findings.push(`every file of the first emit was set aside (${first.map(described).join('; ')}): a good file must import`)
  // Imported once: the drop shows them again, and nothing is due or taken again.
  const again = (await dueFiles(ctx)).filter((d) => first.some((t) => t.file === d.name))
  for (const d of again) {
    const outcome = await processFile(ctx, d)
    if (outcome.status !== 'skipped') findings.push(`${d.name}: taken again (${outcome.status}) after it was imported`)
  }
  const kind = Object.entries(run.declaration.faults ?? {}).find(([, meaning]) => meaning === 'integrity')?.[0]
  const imported = `${first.filter((t) => !setAsideWhole(t)).length} file(s) imported once, each with its manifest's rows`
  if (kind === undefined) {
    if (findings.length > 0) return fail(NAME, 'files the simulator wrote were not imported as their manifests say', findings)
    return skip(NAME, `${imported}; the simulator declares no fault meaning 'integrity' (faults: { truncated: 'integrity' }), so a file set aside was not tried`)
  }

  run.sim.failNext!(kind)
  const faulty = await emitAndTake(adapter, ctx, store, emit)
  const setAside = faulty.filter((t) => t.outcome === 'rejected')
  if (setAside.length === 0) findings.push(`failNext('${kind}') + emit: no file was set aside (${faulty.map(described).join('; ') || 'no file written'})`)
  for (const t of setAside) {
    if (t.row.reasonCode !== 'TB_FILE_INTEGRITY') findings.push(`${described(t)}: set aside, but for ${t.row.reasonCode ?? 'no reason'}, not TB_FILE_INTEGRITY`)
    if (t.row.rowsDone !== 0 || t.storeChanged) findings.push(`${t.file}: set aside, but ${t.row.rowsDone} of its rows were imported or the store changed: a file is set aside whole`)
  }

  const corrected = await emitAndTake(adapter, ctx, store, emit)
  if (corrected.length === 0) findings.push(`the emit after failNext('${kind}') wrote no corrected file`)
  for (const t of corrected) findings.push(...importProblems(t))
  for (const t of setAside) {
    const now = await loadFile(ctx.platform.db, t.row.id)
    if (now?.status === 'rejected' && now.supersededBy === null) {
      findings.push(`${t.file}: still set aside after the correction (${corrected.map((c) => c.file).join(', ')}) was imported: a department that sends corrections as new files needs files.corrects`)
    }
  }
  if (findings.length > 0) return fail(NAME, `${findings.length} problem(s) taking the simulator's files`, findings)
  return pass(NAME, `${imported}; failNext('${kind}'): ${setAside.map((t) => t.file).join(', ')} set aside whole (TB_FILE_INTEGRITY); the correction ${corrected.map((t) => t.file).join(', ')} imported and clears it`)
}
