// A dropped file's bytes -> raw records, as they stream: decoded strictly in the declared charset a
// chunk at a time and split into rows by csv-parse (or the adapter's own reader), so a 200,000-row
// file is never one string in memory. A file that cannot be read is TB_FILE_UNREADABLE, whichever
// row shows it: the platform then sets the whole file aside.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CsvError, parse, type Info } from 'csv-parse'
import { TongbanError } from '../errors.ts'
import type { RawRecord } from '../model/intake.ts'
import { CHARSET_LABEL, type Charset } from './codec.ts'
import type { CsvRead, FileDrop, FileInfo } from './files.ts'
import { instantOf, textTemplate } from './templates.ts'

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

/**
 * The text of `bytes` in `charset`, chunk by chunk. A leading UTF-8 byte order mark is dropped
 * whatever the charset (as decodeBytes does), and so is a decoded U+FEFF (GB18030's own mark).
 */
export async function * decodeChunks (bytes: AsyncIterable<Buffer>, charset: Charset, file: string): AsyncIterable<string> {
  // GBK files are read with the GB18030 decoder, its superset (see codec.ts).
  const decoder = new TextDecoder(charset === 'utf-8' ? 'utf-8' : 'gb18030', { fatal: true, ignoreBOM: true })
  let offset = 0
  let head: Buffer | undefined = Buffer.alloc(0)
  const decode = (chunk: Buffer, stream: boolean): string => {
    try {
      return decoder.decode(chunk, { stream })
    } catch {
      throw new TongbanError('TB_FILE_UNREADABLE', [file, `not valid ${CHARSET_LABEL[charset]} text in bytes ${offset}–${offset + chunk.length}${stream ? '' : ' (the file ends inside a character: truncated?)'}`])
    }
  }
  let first = true
  const emit = (chunk: Buffer, stream: boolean): string => {
    let text = decode(chunk, stream)
    offset += chunk.length
    if (first && text !== '') {
      first = false
      if (text.startsWith('\uFEFF')) text = text.slice(1)
    }
    return text
  }
  for await (const chunk of bytes) {
    if (head !== undefined) {
      // Hold back the first three bytes until they can be told from a byte order mark.
      head = Buffer.concat([head, chunk])
      if (head.length < UTF8_BOM.length) continue
      const start = head.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? UTF8_BOM.length : 0
      offset = start
      const text = emit(head.subarray(start), true)
      head = undefined
      if (text !== '') yield text
      continue
    }
    const text = emit(chunk, true)
    if (text !== '') yield text
  }
  const text = emit(head ?? Buffer.alloc(0), false)
  if (text !== '') yield text
}

type Fields = Record<string, string>

/** Lines a record's values span beyond its first: a quoted value may hold line breaks. */
function breaksWithin (values: Iterable<string>): number {
  let n = 0
  for (const value of values) {
    for (let i = value.indexOf('\n'); i >= 0; i = value.indexOf('\n', i + 1)) n++
  }
  return n
}

async function * csvRecords (spec: CsvRead, text: AsyncIterable<string>, file: FileInfo): AsyncIterable<RawRecord> {
  // Lines before the current record, counted here: csv-parse's own count drifts on CRLF in quotes.
  let linesBefore = 0
  const parser = parse({
    columns: spec.columns === true ? (header: string[]) => { linesBefore = 1 + breaksWithin(header); return header } : [...spec.columns],
    delimiter: spec.delimiter ?? ',',
    quote: spec.quote ?? '"',
    escape: spec.quote ?? '"',
    skip_empty_lines: true,
    info: true,
  })
  const feeding = pipeline(Readable.from(text), parser)
  // Rejections surface through the parser's iteration; this only keeps a second report quiet.
  feeding.catch(() => {})
  const sourceIdOf = textTemplate(spec.sourceId)
  const observed = spec.observedAt === 'modified' ? undefined : instantOf(spec.observedAt)
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Fields, info: Info }>) {
      const line = linesBefore + info.empty_lines + 1
      linesBefore += 1 + breaksWithin(Object.values(record))
      const sourceId = sourceIdOf({ ...record, file: file.name, line, row: info.records })
      if (observed === undefined) {
        yield { sourceId, observedAt: file.modifiedAt, fields: record }
        continue
      }
      const when = observed(record)
      if ('at' in when) yield { sourceId, observedAt: when.at, fields: record }
      else yield { sourceId, observedAt: file.modifiedAt, fields: record, reject: when.error }
    }
    await feeding
  } catch (err) {
    if (err instanceof CsvError) throw new TongbanError('TB_FILE_UNREADABLE', [file.name, `not valid CSV: ${err.message}`], { cause: err })
    throw err
  }
}

/**
 * The raw records of one dropped file, read as its bytes arrive. Throws TB_FILE_UNREADABLE when the
 * bytes are not text in the declared charset or not the declared format.
 */
export function readFileRecords (drop: Pick<FileDrop, 'charset' | 'read'>, bytes: AsyncIterable<Buffer>, file: FileInfo): AsyncIterable<RawRecord> {
  const text = decodeChunks(bytes, drop.charset, file.name)
  return drop.read.format === 'csv' ? csvRecords(drop.read, text, file) : drop.read.records(text, file)
}
