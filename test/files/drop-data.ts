// Drop files for the persons-drop adapter: residents of the household-registration simulator's
// population as a GB18030 CSV with CRLF line ends, written a chunk at a time (any size, constant
// memory), and its `.ok` manifest. One row in ten has a remark spanning two lines.
import { createHash } from 'node:crypto'
import { open, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeText } from '../../src/adapter-sdk/index.ts'
import { residentAt } from '../../adapters/household-registration/data.ts'

export const HEADER = ['GMSFHM', 'XM', 'XB', 'MZ', 'CSRQ', 'XZJDDM', 'DZ', 'LXDH', 'BZ', 'BGSJ'] as const

const quoted = (value: string): string => /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value

/** Resident `index` of population `seed` as one CSV row (without its line end). */
export function csvRow (seed: number, index: number): string {
  const r = residentAt(seed, index)
  const remark = index % 10 === 0 ? `第${index}号 复核：\r\n户主"${r.XM}"，已核实` : ''
  const changedAt = `202612${String(1 + (index % 28)).padStart(2, '0')}0${index % 10}3000`
  return [r.GMSFHM, r.XM, r.XB, r.MZ, r.CSRQ, r.HJDZ_XZJDDM ?? r.HJDZ_XZQHDM, r.HJDZ_QHNXXDZ, r.LXDH, remark, changedAt].map(quoted).join(',')
}

export interface WrittenDrop { path: string, bytes: number, rows: number, sm3: string }

/** Writes rows [from, from + count) as `dir/name` and, unless `manifest: false`, its manifest `name.ok`. */
export async function writeDrop (dir: string, name: string, opts: { seed: number, from?: number, count: number, manifest?: boolean }): Promise<WrittenDrop> {
  const path = join(dir, name)
  const from = opts.from ?? 0
  const sm3 = createHash('sm3')
  let bytes = 0
  const file = await open(path, 'w')
  const write = async (text: string): Promise<void> => {
    const chunk = encodeText(text, 'gb18030')
    sm3.update(chunk)
    bytes += chunk.length
    await file.write(chunk)
  }
  await write(`${HEADER.join(',')}\r\n`)
  let lines: string[] = []
  for (let i = from; i < from + opts.count; i++) {
    lines.push(csvRow(opts.seed, i))
    if (lines.length === 2000) { await write(`${lines.join('\r\n')}\r\n`); lines = [] }
  }
  if (lines.length > 0) await write(`${lines.join('\r\n')}\r\n`)
  await file.close()
  const digest = sm3.digest('hex')
  if (opts.manifest !== false) await writeManifest(dir, name, opts.count, digest)
  return { path, bytes, rows: opts.count, sm3: digest }
}

export async function writeManifest (dir: string, name: string, rows: number, sm3: string): Promise<void> {
  await writeFile(join(dir, `${name}.ok`), `${name}|${rows}|${sm3.toUpperCase()}\r\n`)
}
