// A walker over a PNG's chunks (PNG spec, 5.3): lengths within the file and every CRC checked,
// IHDR first, an IDAT, IEND last, so a cut-off or damaged upload is refused. Nothing is inflated.
import { crc32 } from 'node:zlib'
import { fault } from './corrupt.ts'

export interface PngChunk {
  readonly type: string
  readonly start: number
  readonly end: number
  readonly data: Buffer
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export function pngChunks (b: Buffer): PngChunk[] {
  if (b.length < 8 || !b.subarray(0, 8).equals(PNG_SIGNATURE)) fault('no PNG signature')
  const chunks: PngChunk[] = []
  let pos = 8
  while (chunks.at(-1)?.type !== 'IEND') {
    if (pos + 12 > b.length) fault('it ends before the IEND chunk')
    const length = b.readUInt32BE(pos)
    const end = pos + 12 + length
    if (end > b.length) fault(`chunk at byte ${pos} runs past the end`)
    const type = b.toString('latin1', pos + 4, pos + 8)
    if (!/^[A-Za-z]{4}$/.test(type)) fault(`chunk type at byte ${pos} is not four letters`)
    if (crc32(b.subarray(pos + 4, end - 4)) !== b.readUInt32BE(end - 4)) fault(`the CRC of the ${type} chunk is wrong`)
    chunks.push({ type, start: pos, end, data: b.subarray(pos + 8, end - 4) })
    pos = end
  }
  if (chunks[0]!.type !== 'IHDR' || chunks[0]!.data.length !== 13) fault('the first chunk is not IHDR')
  if (!chunks.some((c) => c.type === 'IDAT')) fault('there is no image data (IDAT)')
  return chunks
}
