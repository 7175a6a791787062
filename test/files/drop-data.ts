// Drop files for the persons-drop adapter: residents of the household-registration simulator's
// population as a GB18030 CSV with CRLF line ends, written a chunk at a time (any size, constant
// memory), and its `.ok` manifest. One row in ten has a remark spanning two lines. `wide` rows add
// two columns the adapter does not map (current address, employer), as real exports carry, for
// files of about 215 bytes a row.
import { createHash } from 'node:crypto'
import { open, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeText } from '../../src/adapter-sdk/index.ts'
import { residentAt } from '../../adapters/household-registration/data.ts'

export const HEADER = ['GMSFHM', 'XM', 'XB', 'MZ', 'CSRQ', 'XZJDDM', 'DZ', 'LXDH', 'BZ', 'BGSJ'] as const
const WIDE = ['XZZ', 'GZDW'] as const
const EMPLOYERS = ['常州市武进区湟里镇人民政府', '江苏常州天宁经济开发区管理委员会', '常州市第二人民医院', '武进区湟里中心小学', '常州市新北区三井街道社区卫生服务中心']

const quoted = (value: string): string => /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value

/** Resident `index` of population `seed` as one CSV row (without its line end). */
export function csvRow (seed: number, index: number, wide = false): string {
  const r = residentAt(seed, index)
  const remark = index % 10 === 0 ? `第${index}号 复核：\r\n户主"${r.XM}"，已核实` : ''
  const changedAt = `202612${String(1 + (index % 28)).padStart(2, '0')}0${index % 10}3000`
  const values = [r.GMSFHM, r.XM, r.XB, r.MZ, r.CSRQ, r.HJDZ_XZJDDM ?? r.HJDZ_XZQHDM, r.HJDZ_QHNXXDZ, r.LXDH, remark, changedAt]
  if (wide) values.push(`江苏省常州市武进区${r.HJDZ_QHNXXDZ}（现居住，自${r.CSRQ.slice(0, 4)}年起）`, EMPLOYERS[index % EMPLOYERS.length]!)
  return values.map(quoted).join(',')
}

export interface WrittenDrop { path: string, bytes: number, rows: number, sm3: string }

/** Writes rows [from, from + count) as `dir/name` and, unless `manifest: false`, its manifest `name.ok`. */
export async function writeDrop (dir: string, name: string, opts: { seed: number, from?: number, count: number, manifest?: boolean, wide?: boolean }): Promise<WrittenDrop> {
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
  await write(`${[...HEADER, ...(opts.wide === true ? WIDE : [])].join(',')}\r\n`)
  let lines: string[] = []
  for (let i = from; i < from + opts.count; i++) {
    lines.push(csvRow(opts.seed, i, opts.wide))
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
