// The gateway's end of the PGlite thread (pglite-worker.ts): the Db interface as messages, each
// request answered by its id. The thread keeps the process alive only while a request waits
// (a test that forgets to close its database still exits, as it did with PGlite in-thread).
import { Worker } from 'node:worker_threads'
import type { Db, Queryable } from './queryable.ts'
import type { PgliteReply, PgliteRequest, PgliteWorkerData } from './pglite-worker.ts'

type Request = PgliteRequest extends infer R ? R extends PgliteRequest ? Omit<R, 'id'> : never : never

// The worker beside this module, in the same form: built (dist) it is plain JavaScript; from source
// it is TypeScript, which a worker thread cannot load through the parent's `--import tsx` on Node
// 20, so a one-line bootstrap loads it with tsx's own API (a dev dependency, as running .ts needs).
const FROM_SOURCE = import.meta.url.endsWith('.ts')
const WORKER = FROM_SOURCE
  ? `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(new URL('./pglite-worker.ts', import.meta.url).href)}, ${JSON.stringify(import.meta.url)}))`
  : new URL('./pglite-worker.js', import.meta.url)

/** `dataDir` undefined means in-memory (tests). */
export async function openPgliteThread (dataDir?: string): Promise<Db> {
  const worker = new Worker(WORKER, { eval: FROM_SOURCE, workerData: { dataDir } satisfies PgliteWorkerData })
  const waiting = new Map<number, { resolve: (rows: unknown[] | undefined) => void, reject: (err: Error) => void }>()
  let nextId = 1
  let nextTx = 1
  let broken: Error | undefined

  const fail = (err: Error): void => {
    broken ??= err
    for (const w of waiting.values()) w.reject(err)
    waiting.clear()
  }
  worker.on('error', fail)
  worker.on('exit', (code) => { fail(new Error(`the PGlite thread has stopped (exit code ${code})`)) })
  worker.on('message', (reply: PgliteReply) => {
    const w = waiting.get(reply.id)
    if (!w) return
    waiting.delete(reply.id)
    if (waiting.size === 0) worker.unref()
    if (reply.ok) w.resolve(reply.rows)
    else w.reject(Object.assign(new Error(reply.error.message), reply.error.props))
  })

  const call = async (req: Request): Promise<unknown[] | undefined> => await new Promise((resolve, reject) => {
    if (broken) { reject(broken); return }
    const id = nextId++
    waiting.set(id, { resolve, reject })
    worker.ref()
    worker.postMessage({ ...req, id })
  })
  const query: Queryable['query'] = async (sql, params) => ({ rows: await call({ op: 'query', sql, params }) as any[] })

  // Request 0 is the thread's "ready": PGlite open on its data dir.
  await new Promise<unknown>((resolve, reject) => waiting.set(0, { resolve, reject }))
  return {
    kind: 'pglite',
    query,
    exec: async (sql) => { await call({ op: 'exec', sql }) },
    async transaction (fn) {
      const tx = nextTx++
      await call({ op: 'begin', tx })
      let result
      try {
        result = await fn({ query: async (sql, params) => ({ rows: await call({ op: 'query', sql, params, tx }) as any[] }) })
      } catch (err) {
        await call({ op: 'end', tx, commit: false }).catch(() => {})
        throw err
      }
      await call({ op: 'end', tx, commit: true })
      return result
    },
    async close () {
      if (broken) return
      try {
        await call({ op: 'close' })
      } finally {
        await worker.terminate()
      }
    },
  }
}
