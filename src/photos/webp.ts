// A walker over a WebP's RIFF chunks (RFC 9649): the RIFF size within the file, every chunk within
// the RIFF, an image chunk present, so a cut-off upload is refused. Nothing is decoded.
import { fault } from './corrupt.ts'

export interface WebpChunk {
  readonly fourcc: string
  readonly start: number
  /** Offset just past the chunk, padding included. */
  readonly end: number
  readonly data: Buffer
}

export function webpChunks (b: Buffer): WebpChunk[] {
  if (b.length < 12 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP') fault('no RIFF WEBP header')
  const riffEnd = 8 + b.readUInt32LE(4)
  if (riffEnd > b.length) fault(`the RIFF header says ${riffEnd} bytes, the file has ${b.length}`)
  const chunks: WebpChunk[] = []
  let pos = 12
  while (pos < riffEnd) {
    if (pos + 8 > riffEnd) fault(`a chunk header at byte ${pos} runs past the end`)
    const size = b.readUInt32LE(pos + 4)
    const dataEnd = pos + 8 + size
    if (dataEnd > riffEnd) fault(`chunk at byte ${pos} runs past the end`)
    chunks.push({ fourcc: b.toString('latin1', pos, pos + 4), start: pos, end: Math.min(dataEnd + (size & 1), riffEnd), data: b.subarray(pos + 8, dataEnd) })
    pos = dataEnd + (size & 1)
  }
  if (!['VP8 ', 'VP8L', 'VP8X'].includes(chunks[0]?.fourcc ?? '')) fault('the first chunk is not VP8, VP8L or VP8X')
  if (!chunks.some((c) => ['VP8 ', 'VP8L', 'ANMF'].includes(c.fourcc))) fault('there is no image data')
  return chunks
}

/** The RIFF file of `chunks` (their bytes copied from `b`), with its size field set. */
export function webpFile (b: Buffer, chunks: readonly WebpChunk[]): Buffer {
  const out = Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), ...chunks.map((c) => b.subarray(c.start, c.end))])
  out.writeUInt32LE(out.length - 8, 4)
  return out
}
