// File drops: departments that deliver exports as files (a nightly CSV on an SFTP server, a shared
// directory) rather than webhooks or pages. The adapter describes which files to take, how to tell
// a complete one (a manifest beside it), their charset and how a row becomes a raw record; the
// platform fetches, stores, checks and imports them. Functions are the escape hatch.
import { TongbanError } from '../errors.ts'
import type { RawRecord } from '../model/intake.ts'
import type { Charset } from './codec.ts'
import type { ObservedAtSpec } from './templates.ts'

/** A file as the drop lists it. */
export interface FileInfo {
  name: string
  size: number
  modifiedAt: Date
}

export const DIGEST_ALGORITHMS = ['sha256', 'sm3'] as const
export type FileDigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number]

/** What a manifest says its data file holds; each given value is checked before any row is imported. */
export interface FileExpectation {
  /** Data rows (a header not counted). */
  rows?: number
  bytes?: number
  /** Digest of the file's bytes as lowercase or uppercase hex. */
  digest?: { algorithm: FileDigestAlgorithm, hex: string }
}

/**
 * The companion file a department writes once a data file is complete (`persons.csv.ok`). A data
 * file without its manifest is not taken yet: it may still be uploading.
 */
export interface FileManifest {
  /**
   * Its name for a data file: a template where `{file}` is the data file's name and `{stem}` that
   * name without its last extension (`{file}.ok`, `{stem}.sm3`), or a function of the data file's
   * name when one manifest covers several files (`JTYSQY_20261120_001.csv` → `JTYSQY_20261120.ok`).
   */
  name: string | ((file: string) => string)
  /** Reads the manifest's bytes (at most 64 KiB); throw TongbanError('TB_FILE_INTEGRITY', [file, why]) when they cannot be read. */
  parse: (bytes: Buffer, file: string) => FileExpectation
}

/** Rows of a delimited text file, read with csv-parse as they stream in. */
export interface CsvRead {
  format: 'csv'
  /** `true`: the first row names the columns; a list: the file has no header and these are its columns. */
  columns: true | readonly string[]
  /** Default `,`. */
  delimiter?: string
  /** Default `"`; quoted fields may hold delimiters, doubled quotes and line breaks. */
  quote?: string
  /**
   * The record's sourceId: a template over the row's columns (`{GMSFHM}@{BGSJ}`) and `{file}`,
   * `{line}` (the line the row starts on) and `{row}` (its number, the header not counted).
   */
  sourceId: string
  /** The change's time: a column in the department's time format, or `modified`, the file's modification time. */
  observedAt: ObservedAtSpec | 'modified'
}

/**
 * Any other format: `records` reads the decoded text as it arrives and yields raw records, one at a
 * time; it must never gather the whole file. Throw TongbanError('TB_FILE_UNREADABLE', [file, why])
 * when the text cannot be read: the file is then set aside, nothing of it imported.
 */
export interface CustomRead {
  format: 'custom'
  records: (text: AsyncIterable<string>, file: FileInfo) => AsyncIterable<RawRecord>
}

export interface FileDrop {
  /** The data files to take, by name (the manifests beside them are not data files). */
  match: RegExp
  /** The files' charset, read strictly; a leading byte order mark is skipped. */
  charset: Charset
  manifest?: FileManifest
  /**
   * Without a manifest, a file is taken once it has not changed for this long (it may still be
   * uploading before). Default 60 s.
   */
  settleMs?: number
  read: CsvRead | CustomRead
  /** Default time between looks at the drop; instances may override it (`every`). */
  everyMs: number
  /** Rows committed per transaction; default 1,000. */
  batchRows?: number
  /**
   * Whether `file`, once imported, corrects `setAside`, a file set aside before, which then no
   * longer counts as set aside. Default: the same name (the department delivered it again, whole).
   * A department that sends corrections as new files says which they correct, e.g. a later day's.
   */
  corrects?: (file: string, setAside: string) => boolean
}

/** A manifest's name for a data file. */
export function manifestName (manifest: FileManifest, file: string): string {
  if (typeof manifest.name === 'function') return manifest.name(file)
  const dot = file.lastIndexOf('.')
  const stem = dot > 0 ? file.slice(0, dot) : file
  return manifest.name.replaceAll('{file}', file).replaceAll('{stem}', stem)
}

/**
 * A manifest of fields split by `separator`: the (0-based) positions of the values it holds. Without
 * `file` it has one line for its one data file (`persons_20261201.csv|200000|<sm3 hex>`); with `file`
 * it has a line per data file, and the line whose `file` field is the data file's name is read (a
 * data file it does not list fails its check). Blank lines and surrounding spaces are ignored.
 */
export function delimitedManifest (spec: { separator: string, file?: number, rows?: number, bytes?: number, digest?: { at: number, algorithm: FileDigestAlgorithm } }): FileManifest['parse'] {
  return (bytes, file) => {
    const lines = bytes.toString('latin1').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '').map((l) => l.split(spec.separator).map((p) => p.trim()))
    if (lines.length === 0) throw new TongbanError('TB_FILE_INTEGRITY', [file, 'its manifest is empty'])
    const at = spec.file
    // Names are compared as bytes: latin1 keeps each byte, so a name in any charset matches itself.
    const parts = at === undefined ? lines[0]! : lines.find((l) => l[at] === Buffer.from(file).toString('latin1'))
    if (parts === undefined) throw new TongbanError('TB_FILE_INTEGRITY', [file, `it is not in its manifest (${lines.length} file(s) listed)`])
    const count = (at: number, what: string): number => {
      const text = parts[at] ?? ''
      if (!/^\d{1,12}$/.test(text)) throw new TongbanError('TB_FILE_INTEGRITY', [file, `its manifest gives ${what} as ${JSON.stringify(text)}, not a count`])
      return Number(text)
    }
    const expected: FileExpectation = {}
    if (spec.rows !== undefined) expected.rows = count(spec.rows, 'the rows')
    if (spec.bytes !== undefined) expected.bytes = count(spec.bytes, 'the size')
    if (spec.digest) {
      const hex = parts[spec.digest.at] ?? ''
      if (!/^[0-9a-f]{64}$/i.test(hex)) throw new TongbanError('TB_FILE_INTEGRITY', [file, `its manifest gives the ${spec.digest.algorithm} digest as ${JSON.stringify(hex)}, not 64 hex digits`])
      expected.digest = { algorithm: spec.digest.algorithm, hex: hex.toLowerCase() }
    }
    return expected
  }
}
