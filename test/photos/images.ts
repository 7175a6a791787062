// Real image bytes for the photo tests: the fixtures under test/fixtures/photos (made by its
// make.sh with libjpeg, libwebp and exiftool) and PNGs written here, chunk by chunk.
import { readFileSync } from 'node:fs'
import { crc32, deflateSync } from 'node:zlib'

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/photos/${name}`, import.meta.url))

/** 24×16 baseline JPEG; EXIF GPS and XMP GPS at 30.2741 N 120.1551 E, orientation 6, Make "Tongban". */
export const gpsJpeg = fixture('gps.jpg')
/** 24×16 progressive JPEG without metadata. */
export const progressiveJpeg = fixture('progressive.jpg')
/** 24×16 lossy WebP (VP8X) with the same EXIF and XMP. */
export const gpsWebp = fixture('gps.webp')

export const HANGZHOU = { latitude: 30.2741, longitude: 120.1551 }

/** The EXIF TIFF structure of gps.jpg (its APP1 after "Exif\0\0"). */
export function gpsTiff (): Buffer {
  const at = gpsJpeg.indexOf('Exif\0\0', 0, 'latin1')
  const length = gpsJpeg.readUInt16BE(at - 2)
  return gpsJpeg.subarray(at + 6, at - 2 + length)
}

export function pngChunk (type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  data.copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

/**
 * An 8-bit RGB PNG of `width`×`height` (a gradient), with `extra` chunks before IDAT. `claim`
 * writes other dimensions into IHDR over the same pixel data: a decompression bomb's header.
 */
export function makePng (width: number, height: number, options: { extra?: Buffer[], claim?: { width: number, height: number } } = {}): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(options.claim?.width ?? width, 0)
  ihdr.writeUInt32BE(options.claim?.height ?? height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // depth 8, RGB, deflate, adaptive filtering, no interlace
  const rows: number[] = []
  for (let y = 0; y < height; y++) {
    rows.push(0) // filter: none
    for (let x = 0; x < width; x++) rows.push((x * 10) & 255, (y * 15) & 255, 128)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...(options.extra ?? []),
    pngChunk('IDAT', deflateSync(Buffer.from(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/** An iTXt chunk holding an XMP packet with a GPS position, as exiftool writes one into a PNG. */
export function xmpChunk (): Buffer {
  const xmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="30,16.446N" exif:GPSLongitude="120,9.306E"/></rdf:RDF></x:xmpmeta>'
  return pngChunk('iTXt', Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'), Buffer.from(xmp)]))
}
