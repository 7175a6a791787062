// The embedded database in a thread of its own. PGlite (PostgreSQL compiled to WebAssembly) runs
// synchronously on the thread that calls it; here it gets the machine's other core instead of
// sharing the gateway's with mapping and unify. `openPglite` (db.ts) is the other end: it sends
// one request at a time per caller and this thread answers each by its id.
//
// Isolation is PGlite's own, as in one thread: a transaction holds PGlite's transaction lock from
// `begin` until `end`, and a plain statement arriving meanwhile waits on that lock.
import { parentPort, workerData } from 'node:worker_threads'
import { mkdir } from 'node:fs/promises'
import { PGlite, types } from '@electric-sql/pglite'
import type { Transaction } from '@electric-sql/pglite'

export type PgliteRequest =
  | { id: number, op: 'query', sql: string, params?: unknown[] | undefined, tx?: number | undefined }
  | { id: number, op: 'exec', sql: string }
  /** Opens transaction `tx`; its statements name it. */
  | { id: number, op: 'begin', tx: number }
  | { id: number, op: 'end', tx: number, commit: boolean }
  | { id: number, op: 'close' }

export type PgliteReply =
  | { id: number, ok: true, rows?: unknown[] }
  | { id: number, ok: false, error: { message: string, props: Record<string, unknown> } }

export interface PgliteWorkerData { dataDir?: string | undefined }

const JSONB = 3802

/**
 * jsonb parameters in binary format (a version byte, then the text): PGlite's text path measures
 * a string's UTF-8 length in a JavaScript loop, char by char, twice: for the pages of rows unify
 * sends as one JSON parameter, ~3 s of a 100,000-record pull. Buffer does it natively.
 */
function jsonbParameter (value: unknown): Uint8Array {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  const bytes = Buffer.allocUnsafe(1 + Buffer.byteLength(text))
  bytes[0] = 1
  bytes.write(text, 1)
  return bytes
}

// Same JS shapes as node-postgres gives (db.ts): int8 as number, `date` as its ISO string.
const parsers = { [types.INT8]: (v: string) => Number(v), [types.DATE]: (v: string) => v }
// PGlite's types say a serialiser returns a string; its bind message sends bytes as a binary parameter.
const serializers = { [JSONB]: jsonbParameter as unknown as (v: unknown) => string }

/** The error as plain data: PostgreSQL's fields (code, constraint, detail…) travel with it. */
function describe (err: unknown): { message: string, props: Record<string, unknown> } {
  if (!(err instanceof Error)) return { message: String(err), props: {} }
  const props: Record<string, unknown> = { name: err.name }
  for (const [key, value] of Object.entries(err)) {
    if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) props[key] = value
  }
  return { message: err.message, props }
}

const { dataDir } = workerData as PgliteWorkerData
if (dataDir) await mkdir(dataDir, { recursive: true })
// A new WAL segment is not filled with zeros first (16 MB written twice on a bulk load): that
// only reserves disk space ahead; what a commit makes durable is the same.
const startParams = [...PGlite.defaultStartParams, '-c', 'wal_init_zero=off']
const options = { parsers, serializers, startParams }
const db = dataDir ? await PGlite.create(dataDir, options) : await PGlite.create(options)
const port = parentPort!

/** Open transactions by the number the gateway gave them. */
const open = new Map<number, { tx: Transaction, decide: (commit: boolean) => void, outcome: Promise<void> }>()

async function begin (id: number): Promise<void> {
  let decide!: (commit: boolean) => void
  const decided = new Promise<boolean>((resolve) => { decide = resolve })
  let opened!: (tx: Transaction) => void
  const started = new Promise<Transaction>((resolve) => { opened = resolve })
  // Holds PGlite's transaction lock until `end` decides; PGlite commits, or rolls back on request.
  const outcome = db.transaction(async (tx) => {
    opened(tx)
    if (!await decided) await tx.rollback()
  })
  const tx = await Promise.race([started, outcome.then(() => { throw new Error('the transaction ended before it began') })])
  open.set(id, { tx, decide, outcome })
}

async function end (id: number, commit: boolean): Promise<void> {
  const transaction = open.get(id)
  if (!transaction) throw new Error(`transaction ${id} is not open`)
  open.delete(id)
  transaction.decide(commit)
  await transaction.outcome
}

async function handle (req: PgliteRequest): Promise<unknown[] | undefined> {
  switch (req.op) {
    case 'query': {
      const on = req.tx === undefined ? db : open.get(req.tx)?.tx
      if (!on) throw new Error(`transaction ${req.tx} is not open`)
      return (await on.query(req.sql, req.params)).rows
    }
    case 'exec':
      await db.exec(req.sql)
      return undefined
    case 'begin':
      await begin(req.tx)
      return undefined
    case 'end':
      await end(req.tx, req.commit)
      return undefined
    case 'close':
      await db.close()
      return undefined
  }
}

port.on('message', (req: PgliteRequest) => {
  handle(req).then(
    (rows) => { port.postMessage({ id: req.id, ok: true, rows } satisfies PgliteReply) },
    (err) => { port.postMessage({ id: req.id, ok: false, error: describe(err) } satisfies PgliteReply) })
})
// Ready: the database is open.
port.postMessage({ id: 0, ok: true } satisfies PgliteReply)
