// adapter.ts, simulator.ts and demo.ts of a scaffolded file-drop adapter: the department drops a
// CSV export into a directory, each file with a manifest written once it is complete.
import { REGISTER_OPTIONS } from './data.ts'
import type { Names } from './names.ts'

export function filesAdapterTs (n: Names): string {
  return `// ${n.department}: the department drops its changed persons as GB18030 CSV files (a header row,
// CRLF line ends) named RK_<YYYYMMDDHHmmss>_<n>.csv, each followed by a manifest <file>.ok holding
// file|rows|SM3 of the file. The platform fetches each complete file, checks it against its manifest
// and imports it once. Write the department's spec here: its columns, codes and quirks.
import { z } from 'zod'
import { BEIJING, defineAdapter, delimitedManifest, timeFormat } from '${n.sdk}/index.ts'
import { divisionCode, personName, phone, residentId } from '${n.src}/normalize/index.ts'
import { demoSimulator } from './demo.ts'

export const ID = '${n.id}'

export default defineAdapter({
  id: ID,
  department: { name: '${n.department}', level: 'county' },
  produces: 'person',
  files: {
    match: /^RK_\\d{14}_\\d+\\.csv$/,
    charset: 'gb18030',
    manifest: { name: '{file}.ok', parse: delimitedManifest({ separator: '|', rows: 1, digest: { at: 2, algorithm: 'sm3' } }) },
    // A change of a person (ZJHM@GXSJ), observed at GXSJ (YYYYMMDDHHmmss, Beijing time).
    read: { format: 'csv', columns: true, sourceId: '{ZJHM}@{GXSJ}', observedAt: { field: 'GXSJ', time: timeFormat('YYYYMMDDHHmmss', BEIJING) } },
    everyMs: 300_000,
  },
  fields: {
    ZJHM: ['idNumber', residentId], // 公民身份号码
    XM: ['name', personName], // 姓名
    XZQHDM: ['divisionCode', divisionCode], // 行政区划代码
    LXDH: ['phone', phone], // 联系电话
  },
  instance: z.looseObject({ files: z.looseObject({}, { error: \`adapter \${ID} takes files: give files.dir (or files.sftp)\` }) }),
  simulator: demoSimulator,
})
`
}

export function filesSimulatorTs (n: Names): string {
  return `// A simulator of ${n.department}: it drops the register's rows into a directory as the
// department's export does — GB18030 CSV with CRLF line ends, each file written whole (under
// another name, then renamed) and its manifest after it — a batch when asked (emit) and on a
// schedule. failNext('truncated') makes the next file a truncated upload (its manifest gives the
// whole file's rows and SM3), which the emit after delivers again whole, under the same name. Add
// the department's own quirks here (quoted line breaks, a BOM, a late manifest).
import { createHash } from 'node:crypto'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { encodeText, type RunningSimulator } from '${n.sdk}/index.ts'
import { formatTime, rowAt, type Row } from './data.ts'
import type { SimulatorOptions } from './demo.ts'

/** The export's columns, in order. */
export const COLUMNS = ['ZJHM', 'XM', 'XZQHDM', 'LXDH', 'GXSJ'] as const

/** A CSV field, quoted when it holds a comma, a quote or a line break. */
const field = (value: string): string => /[",\\r\\n]/.test(value) ? '"' + value.replaceAll('"', '""') + '"' : value

export interface ${n.type}Simulator extends RunningSimulator {
  /** Drop the next batch now (or the truncated file again, whole); answers the file's name. */
  emit: () => Promise<string>
  /** \`truncated\`: the next file written is cut short. */
  failNext: (...kinds: string[]) => void
}

export async function startSimulator (opts: SimulatorOptions): Promise<${n.type}Simulator> {
  await mkdir(opts.dir, { recursive: true })
  let sent = 0
  let files = 0
  let truncate = false
  /** A file uploaded truncated, delivered whole by the next emit. */
  let owed: { name: string, bytes: Buffer } | undefined

  /** Written under another name, then renamed: the drop never shows a file half-written. */
  async function put (name: string, bytes: Buffer): Promise<void> {
    await writeFile(join(opts.dir, name + '.part'), bytes)
    await rename(join(opts.dir, name + '.part'), join(opts.dir, name))
  }

  /** The next \`batch\` rows of the register; after the first pass each row comes again, updated now. */
  async function emit (): Promise<string> {
    if (owed) {
      const { name, bytes } = owed
      owed = undefined
      await put(name, bytes)
      return name
    }
    const now = Math.floor(Date.now() / 1000)
    const rows: Row[] = []
    for (let i = 0; i < opts.batch; i++, sent++) {
      const pass = Math.floor(sent / opts.rows)
      rows.push(pass === 0 ? rowAt(opts.seed, sent) : rowAt(opts.seed, sent % opts.rows, pass, now))
    }
    const name = 'RK_' + formatTime(now) + '_' + String(++files) + '.csv'
    const text = [COLUMNS.join(','), ...rows.map((row) => COLUMNS.map((c) => field(row[c])).join(','))].join('\\r\\n') + '\\r\\n'
    const bytes = encodeText(text, 'gb18030')
    if (truncate) owed = { name, bytes }
    await put(name, truncate ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes)
    truncate = false
    await writeFile(join(opts.dir, name + '.ok'), name + '|' + String(rows.length) + '|' + createHash('sm3').update(bytes).digest('hex') + '\\r\\n')
    return name
  }

  const timer = opts.everyMs > 0 ? setInterval(() => { void emit() }, opts.everyMs) : undefined
  return {
    url: pathToFileURL(opts.dir).href,
    emit,
    failNext (...kinds) {
      for (const kind of kinds) {
        if (kind !== 'truncated') throw new Error('no fault ' + kind + ': this simulator offers truncated')
        truncate = true
      }
    },
    async close () { clearInterval(timer) },
  }
}
`
}

export function filesDemoTs (n: Names): string {
  return `// The simulated ${n.department}: its options (\`simulators.${n.id}\` in a configuration) and how
// the demo starts it. Its directory is the drop an instance reads (files.dir).
import { z } from 'zod'
import { defineSimulator } from '${n.sdk}/index.ts'

export const SimulatorOptions = z.object({
${REGISTER_OPTIONS}  /** The drop: the instance's files.dir. */
  dir: z.string().min(1),
  /** Rows a file. */
  batch: z.number().int().min(1).max(1_000_000).default(100),
  /** A file every so many milliseconds; 0: only when asked. */
  everyMs: z.number().int().min(0).default(0),
})
export type SimulatorOptions = z.infer<typeof SimulatorOptions>

export const demoSimulator = defineSimulator({
  options: SimulatorOptions,
  callsGateway: false,
  // A truncated upload: the platform must set the file aside whole (the conformance kit asks for it).
  faults: { truncated: 'integrity' },
  instance: (options) => ({ files: { dir: options.dir } }),
  async start (options) {
    // Loaded only when started: gateways and workers load this file with the adapter.
    const { startSimulator } = await import('./simulator.ts')
    return await startSimulator(options)
  },
})
`
}
