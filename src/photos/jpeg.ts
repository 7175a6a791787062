// A walker over a JPEG's marker segments (ITU T.81 B.1): the header segments before the first scan,
// then the entropy-coded data checked to reach an end-of-image marker, so a cut-off upload is
// refused. Nothing is decoded.
import { fault } from './corrupt.ts'

export interface JpegSegment {
  readonly marker: number
  /** Offset of the segment's 0xFF marker byte. */
  readonly start: number
  /** Offset just past the segment. */
  readonly end: number
}

export interface JpegLayout {
  /** Segments between SOI and the first SOS, in order. */
  readonly header: readonly JpegSegment[]
  /** Offset of the first SOS marker: from here to `end` the bytes are copied unchanged. */
  readonly scan: number
  /** Offset just past the EOI marker (bytes after it are trailing data). */
  readonly end: number
}

const SOI = 0xd8
const EOI = 0xd9
const SOS = 0xda
const standalone = (m: number): boolean => (m >= 0xd0 && m <= 0xd7) || m === 0x01
// SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range.
const isFrame = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc

export function jpegLayout (b: Buffer): JpegLayout {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== SOI) fault('no start-of-image marker')
  const header: JpegSegment[] = []
  let scan = -1
  let frame = false
  let pos = 2
  for (;;) {
    if (pos + 1 >= b.length) fault('it ends before the end-of-image marker')
    if (b[pos] !== 0xff) fault(`no marker at byte ${pos}`)
    let at = pos + 1
    while (b[at] === 0xff && at < b.length) at++ // fill bytes
    const marker = b[at]!
    if (marker === EOI) {
      if (scan < 0) fault('it ends before any image data')
      return { header, scan, end: at + 1 }
    }
    if (standalone(marker)) { pos = at + 1; continue }
    if (at + 3 > b.length) fault('it ends inside a segment header')
    const length = b.readUInt16BE(at + 1)
    const end = at + 1 + length
    if (length < 2 || end > b.length) fault(`segment 0x${marker.toString(16)} runs past the end`)
    if (isFrame(marker)) frame = true
    if (marker === SOS) {
      if (!frame) fault('a scan comes before any frame header')
      if (scan < 0) scan = pos
      pos = nextMarker(b, end)
    } else {
      if (scan < 0) header.push({ marker, start: pos, end })
      pos = end
    }
  }
}

/** The offset of the next marker after entropy-coded data (skipping stuffed 0xFF00 and restart markers). */
function nextMarker (b: Buffer, from: number): number {
  let i = b.indexOf(0xff, from)
  while (i >= 0 && i + 1 < b.length) {
    const next = b[i + 1]!
    if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return i
    i = b.indexOf(0xff, i + 1)
  }
  return fault('it is cut short inside the image data (no end-of-image marker)')
}

/** The payload of an APP segment (after its two length bytes). */
export function payload (b: Buffer, s: JpegSegment): Buffer {
  return b.subarray(s.start + 4, s.end)
}
