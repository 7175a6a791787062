// The health commission's file exchange, as a real SFTP server (the kit's, ssh2's server on a
// private port): `/outbox/{townCode}/` read-only, a private key per town, at most 2 sessions per
// user. A "day" at a time (on a schedule, or now through `emit()`) it writes that day's files
// `JTYSQY_{YYYYMMDD}_{seq}.csv` as they stream out and, only once all are complete, the day's
// `JTYSQY_{YYYYMMDD}.ok` (`{file},{rows},{SM3}` a line). Some days have no file and no `.ok`. Now
// and then (or after `failNext('truncated')`) an upload is cut short: the `.ok` gives the whole
// file's rows and SM3, which the bytes on the server no longer match; the next day with files
// brings the same rows again as a new file. Files older than `keepDays` days are deleted.
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, open, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSftpServer, type RunningSftpServer } from '../../src/adapter-sdk/testkit/index.ts'
import { dayFiles, dayStamp, fileChunks, ROWS_PER_CHUNK, type DataOptions, type PlannedFile } from './data.ts'

export interface SimulatorOptions extends DataOptions {
  /** 9-digit town code: the outbox `/outbox/{town}/` the files are written to. */
  town: string
  /** The towns' SFTP users and their public keys. */
  users: ReadonlyArray<{ username: string, publicKey: string }>
  /** Spec: at most 2. */
  maxSessionsPerUser: number
  /** The server's private host key. */
  hostKey: string
  host: string
  port: number
  /** A day's files every this long, the first at once; 0: only when `emit()` asks. */
  dayEveryMs: number
  /** The chance a file's upload is cut short (0..1). */
  truncatedRate: number
  /** Files older than this many days are deleted (spec: 30). */
  keepDays: number
  /** Where the server's root is; default a fresh temporary directory, removed on close. */
  dir?: string | undefined
}

export interface WrittenFile {
  name: string
  /** Rows and SM3 as the `.ok` gives them. */
  rows: number
  sm3: string
  /** Cut short: its bytes on the server do not match the `.ok`. */
  truncated: boolean
}

export interface DayWritten { day: number, stamp: string, files: WrittenFile[] }

export interface HealthFilesSimulator {
  url: string
  port: number
  /** The host key's fingerprint (`SHA256:…`). */
  hostKey: string
  /** The server's root directory, and the outbox in it. */
  root: string
  outbox: string
  /** `/outbox/{town}`, as an instance configures `files.sftp.path`. */
  path: string
  peakSessions: () => number
  /** The next upload is cut short (`truncated`). */
  failNext: (...kinds: string[]) => void
  /** Writes the next day that has files now; resolves once its files and `.ok` are complete. */
  emit: () => Promise<DayWritten>
  /** Days written so far, in order. */
  written: () => readonly DayWritten[]
  close: () => Promise<void>
}

export const FAULT_KINDS = ['truncated'] as const

const SALT_TRUNCATED = 0x7472 // 'tr'

/**
 * Writes a file as it streams out, its SM3 over all of it. A truncated upload: the department
 * hashed the whole file, the server got about its first 60 % (cut mid-row).
 */
async function writeFileOf (opts: SimulatorOptions, path: string, file: PlannedFile, truncated: boolean): Promise<WrittenFile> {
  const sm3 = createHash('sm3')
  const handle = await open(path, 'w')
  const stopAt = truncated ? Math.max(1, Math.floor(file.rows * 0.6)) : Infinity
  try {
    let index = 0
    for await (const chunk of fileChunks(opts, file)) {
      sm3.update(chunk)
      const rowsBefore = index === 0 ? 0 : (index - 1) * ROWS_PER_CHUNK
      const rowsAfter = index === 0 ? 0 : Math.min(file.rows, index * ROWS_PER_CHUNK)
      if (rowsAfter <= stopAt) await handle.write(chunk)
      else if (rowsBefore < stopAt) await handle.write(chunk.subarray(0, Math.floor(chunk.length * (stopAt - rowsBefore) / (rowsAfter - rowsBefore)) - 1))
      index++
    }
  } finally {
    await handle.close()
  }
  return { name: file.name, rows: file.rows, sm3: sm3.digest('hex').toUpperCase(), truncated }
}

export async function startSimulator (opts: SimulatorOptions): Promise<HealthFilesSimulator> {
  if (!/^\d{9}$/.test(opts.town)) throw new TypeError(`health-files simulator: town ${opts.town} is not a 9-digit town code`)
  const root = opts.dir ?? await mkdtemp(join(tmpdir(), 'tongban-health-files-'))
  const outbox = join(root, 'outbox', opts.town)
  const staging = join(root, '.staging')
  await mkdir(outbox, { recursive: true })
  await mkdir(staging, { recursive: true })
  const server: RunningSftpServer = await startSftpServer({
    root,
    users: opts.users,
    maxSessionsPerUser: opts.maxSessionsPerUser,
    hostKey: opts.hostKey,
    host: opts.host,
    port: opts.port,
  })
  const faults: string[] = []
  const days: DayWritten[] = []
  /** Rows of a truncated upload, sent again as a new file on the next day with files. */
  let resend: PlannedFile[] = []
  let nextDay = 0
  let closed = false
  let chain: Promise<unknown> = Promise.resolve()

  const truncates = (d: number, i: number): boolean => {
    const at = faults.indexOf('truncated')
    if (at >= 0) { faults.splice(at, 1); return true }
    if (opts.truncatedRate <= 0) return false
    const r = createHash('sha256').update(`${opts.seed}:${d}:${i}:${SALT_TRUNCATED}`).digest().readUInt32BE(0) / 2 ** 32
    return r < opts.truncatedRate
  }

  /** Deletes the files of days `keepDays` or more before day `d`. */
  const expire = async (d: number): Promise<void> => {
    if (d < opts.keepDays) return
    const oldest = dayStamp(opts.startDay, d - opts.keepDays + 1)
    for (const name of await readdir(outbox)) {
      const stamp = /^JTYSQY_(\d{8})/.exec(name)?.[1]
      if (stamp !== undefined && stamp < oldest) await unlink(join(outbox, name)).catch(() => {})
    }
  }

  /** Writes day `d`: its files (and a re-sent truncated one), then the `.ok`; none on a day without files. */
  const writeDay = async (d: number): Promise<DayWritten> => {
    const stamp = dayStamp(opts.startDay, d)
    const planned = dayFiles(opts, d)
    const again = resend.map((f, i) => ({ ...f, name: `JTYSQY_${stamp}_${String(planned.length + i + 1).padStart(3, '0')}.csv` }))
    const files = [...planned, ...again]
    const written: WrittenFile[] = []
    if (files.length > 0) resend = []
    for (const [i, file] of files.entries()) {
      // the correction of a cut upload arrives whole
      const truncated = i < planned.length && truncates(d, i)
      written.push(await writeFileOf(opts, join(outbox, file.name), file, truncated))
      if (truncated) resend.push(file)
    }
    if (written.length > 0) {
      const manifest = written.map((f) => `${f.name},${f.rows},${f.sm3}`).join('\r\n') + '\r\n'
      const name = `JTYSQY_${stamp}.ok`
      // The `.ok` appears whole: written aside, then moved in.
      await writeFile(join(staging, name), manifest)
      await rename(join(staging, name), join(outbox, name))
    }
    await expire(d)
    const day = { day: d, stamp, files: written }
    days.push(day)
    return day
  }

  const serial = <T>(step: () => Promise<T>): Promise<T> => {
    const run = chain.then(step, step)
    chain = run.catch(() => {})
    return run
  }

  let timer: NodeJS.Timeout | undefined
  const tick = (): void => {
    serial(async () => { if (!closed) await writeDay(nextDay++) }).catch((err: unknown) => { console.error('health-files simulator: writing a day failed', err) })
  }
  if (opts.dayEveryMs > 0) {
    tick()
    timer = setInterval(tick, opts.dayEveryMs)
    timer.unref()
  }

  const url = `sftp://${opts.host}:${server.port}/outbox/${opts.town}`
  return {
    url,
    port: server.port,
    hostKey: server.hostKey,
    root,
    outbox,
    path: `/outbox/${opts.town}`,
    peakSessions: server.peakSessions,
    failNext (...kinds) {
      for (const kind of kinds) {
        if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new TypeError(`health-files simulator: no fault ${kind}; it knows ${FAULT_KINDS.join(', ')}`)
        faults.push(kind)
      }
    },
    emit: async () => await serial(async () => {
      // a day without files writes nothing: go on to the next that has some
      for (;;) {
        const day = await writeDay(nextDay++)
        if (day.files.length > 0) return day
      }
    }),
    written: () => days,
    async close () {
      closed = true
      clearInterval(timer)
      await chain
      await server.close()
      if (opts.dir === undefined) await rm(root, { recursive: true, force: true })
    },
  }
}
