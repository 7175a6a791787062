// Where each format keeps its EXIF (a TIFF structure) and XMP, and the same file without them.
// Removing them whole, not only the GPS tags, also removes what can identify a reporter's phone
// (make, model, serial numbers, owner name); a JPEG keeps its orientation so it still shows upright.
import { jpegLayout, payload, type JpegSegment } from './jpeg.ts'
import { pngChunks, PNG_SIGNATURE, type PngChunk } from './png.ts'
import { webpChunks, webpFile } from './webp.ts'
import type { PhotoType } from './inspect.ts'

export interface Metadata {
  /** The EXIF TIFF structures (byte order mark first). */
  readonly tiffs: readonly Buffer[]
  /** The XMP packets, as text. */
  readonly xmps: readonly string[]
}

const EXIF_ID = Buffer.from('Exif\0\0', 'latin1')
const XMP_IDS = ['http://ns.adobe.com/xap/1.0/\0', 'http://ns.adobe.com/xmp/extension/\0'].map((id) => Buffer.from(id, 'latin1'))
const PHOTOSHOP_ID = Buffer.from('Photoshop 3.0\0', 'latin1')
const MPF_ID = Buffer.from('MPF\0', 'latin1')
const APP1 = 0xe1
const APP2 = 0xe2
const APP13 = 0xed

const startsWith = (b: Buffer, prefix: Buffer): boolean => b.subarray(0, prefix.length).equals(prefix)
const isExif = (b: Buffer, s: JpegSegment): boolean => s.marker === APP1 && startsWith(payload(b, s), EXIF_ID)
const isXmp = (b: Buffer, s: JpegSegment): boolean => s.marker === APP1 && XMP_IDS.some((id) => startsWith(payload(b, s), id))
// IPTC in Photoshop's APP13 names places; MPF indexes the images after EOI, which are dropped (below).
const isOtherMetadata = (b: Buffer, s: JpegSegment): boolean =>
  (s.marker === APP13 && startsWith(payload(b, s), PHOTOSHOP_ID)) || (s.marker === APP2 && startsWith(payload(b, s), MPF_ID))

// PNG has no standard place for XMP or, before eXIf, EXIF: these are the text chunks tools use.
const PNG_TEXT = new Set(['tEXt', 'zTXt', 'iTXt'])
const PNG_METADATA_KEYWORDS = /^(XML:com\.adobe\.xmp|Raw profile type (exif|xmp|app1|iptc|8bim))$/i
const pngKeyword = (c: PngChunk): string => c.data.toString('latin1', 0, Math.max(0, c.data.indexOf(0)))
const isPngMetadata = (c: PngChunk): boolean => c.type === 'eXIf' || (PNG_TEXT.has(c.type) && PNG_METADATA_KEYWORDS.test(pngKeyword(c)))

const withoutExifId = (d: Buffer): Buffer => (startsWith(d, EXIF_ID) ? d.subarray(EXIF_ID.length) : d)

export function readMetadata (bytes: Buffer, type: PhotoType): Metadata {
  switch (type) {
    case 'image/jpeg': {
      const { header } = jpegLayout(bytes)
      return {
        tiffs: header.filter((s) => isExif(bytes, s)).map((s) => payload(bytes, s).subarray(EXIF_ID.length)),
        xmps: header.filter((s) => isXmp(bytes, s)).map((s) => payload(bytes, s).toString('utf8')),
      }
    }
    case 'image/png': {
      const chunks = pngChunks(bytes)
      return {
        tiffs: chunks.filter((c) => c.type === 'eXIf').map((c) => c.data),
        xmps: chunks.filter((c) => PNG_TEXT.has(c.type) && isPngMetadata(c)).map((c) => c.data.toString('utf8')),
      }
    }
    case 'image/webp': {
      const chunks = webpChunks(bytes)
      return {
        tiffs: chunks.filter((c) => c.fourcc === 'EXIF').map((c) => withoutExifId(c.data)),
        xmps: chunks.filter((c) => c.fourcc === 'XMP ').map((c) => c.data.toString('utf8')),
      }
    }
  }
}

/**
 * The file without EXIF, XMP and (JPEG, PNG) anything after the image's end: a phone's trailer
 * and the further images of a multi-picture JPEG carry their own EXIF. `orientation` (1–8) is
 * written back into a JPEG as a one-tag EXIF when it is not 1.
 */
export function withoutMetadata (bytes: Buffer, type: PhotoType, orientation?: number): Buffer {
  switch (type) {
    case 'image/jpeg': {
      const { header, scan, end } = jpegLayout(bytes)
      const parts: Buffer[] = [bytes.subarray(0, 2)]
      let orientationWritten = orientation === undefined || orientation === 1
      for (const s of header) {
        if (isExif(bytes, s) && !orientationWritten) {
          parts.push(orientationExif(orientation!))
          orientationWritten = true
        }
        if (!isExif(bytes, s) && !isXmp(bytes, s) && !isOtherMetadata(bytes, s)) parts.push(bytes.subarray(s.start, s.end))
      }
      parts.push(bytes.subarray(scan, end))
      return Buffer.concat(parts)
    }
    case 'image/png':
      return Buffer.concat([PNG_SIGNATURE, ...pngChunks(bytes).filter((c) => !isPngMetadata(c)).map((c) => bytes.subarray(c.start, c.end))])
    case 'image/webp': {
      const kept = webpChunks(bytes).filter((c) => c.fourcc !== 'EXIF' && c.fourcc !== 'XMP ')
      const out = webpFile(bytes, kept)
      // VP8X announces EXIF (0x08) and XMP (0x04) chunks in its flags; they are gone.
      if (kept[0]!.fourcc === 'VP8X') out[20] = out[20]! & ~0x0c
      return out
    }
  }
}

/** An APP1 Exif segment holding only IFD0's Orientation tag (big-endian TIFF). */
function orientationExif (orientation: number): Buffer {
  const tiff = Buffer.alloc(26)
  tiff.write('MM\0*', 0, 'latin1')
  tiff.writeUInt32BE(8, 4) // IFD0 offset
  tiff.writeUInt16BE(1, 8) // one entry
  tiff.writeUInt16BE(0x0112, 10) // Orientation
  tiff.writeUInt16BE(3, 12) // SHORT
  tiff.writeUInt32BE(1, 14) // count
  tiff.writeUInt16BE(orientation, 18) // value, left-justified in the 4-byte field
  // next-IFD offset (bytes 22–25) stays 0: no IFD1
  const segment = Buffer.alloc(4 + EXIF_ID.length + tiff.length)
  segment.writeUInt16BE(0xffe1, 0)
  segment.writeUInt16BE(segment.length - 2, 2)
  EXIF_ID.copy(segment, 4)
  tiff.copy(segment, 4 + EXIF_ID.length)
  return segment
}
