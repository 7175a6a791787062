// A file-drop adapter whose department writes a day's files and then one manifest for the day, as
// the health commission does: RK_{YYYYMMDD}_{seq}.csv, then RK_{YYYYMMDD}.ok with a line per file
// `{file},{rows},{SM3}`. Corrections come as new files on a later day. Same rows as persons-drop.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { defineAdapter, delimitedManifest } from '../../src/adapter-sdk/index.ts'
import { personsDrop } from './persons-drop.ts'
import { writeDrop } from './drop-data.ts'

const day = (file: string): string => file.slice(3, 11)

export const dailyDrop = defineAdapter({
  ...personsDrop,
  id: 'daily-drop',
  files: {
    ...personsDrop.files!,
    match: /^RK_\d{8}_\d{3}\.csv$/,
    manifest: { name: (file) => `RK_${day(file)}.ok`, parse: delimitedManifest({ separator: ',', file: 0, rows: 1, digest: { at: 2, algorithm: 'sm3' } }) },
    corrects: (file, setAside) => day(file) > day(setAside),
  },
})

export interface DayFile { seq: number, from: number, count: number, /** Written cut to this share of its bytes, its manifest line giving the whole file's. */ truncate?: number, /** Written but left out of the manifest. */ unlisted?: boolean }

/** Writes a day's data files, then its manifest. */
export async function writeDay (dir: string, date: string, files: readonly DayFile[], seed: number): Promise<string[]> {
  const lines: string[] = []
  for (const f of files) {
    const name = `RK_${date}_${String(f.seq).padStart(3, '0')}.csv`
    const written = await writeDrop(dir, name, { seed, from: f.from, count: f.count, manifest: false })
    if (f.truncate !== undefined) {
      const bytes = await readFile(written.path)
      await writeFile(written.path, bytes.subarray(0, Math.floor(bytes.length * f.truncate)))
    }
    if (f.unlisted !== true) lines.push(`${name},${f.count},${written.sm3}`)
  }
  await writeFile(join(dir, `RK_${date}.ok`), lines.join('\r\n') + '\r\n')
  return lines
}
