// A photo's location is removed with its EXIF and XMP (read back with exifr, and by walking the
// file), the image data untouched and a JPEG's orientation kept; when the reporter asks, the photo
// is kept exactly as sent and its position read.
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import exifr from 'exifr'
import { stripLocation } from '../../src/photos/exif.ts'
import { inspectPhoto } from '../../src/photos/inspect.ts'
import { jpegLayout } from '../../src/photos/jpeg.ts'
import { pngChunks } from '../../src/photos/png.ts'
import { webpChunks } from '../../src/photos/webp.ts'
import { gpsJpeg, gpsTiff, gpsWebp, HANGZHOU, makePng, pngChunk, progressiveJpeg, xmpChunk } from './images.ts'

const noTrace = (t: Test, bytes: Buffer): void => {
  const text = bytes.toString('latin1')
  t.notMatch(text, /GPSLatitude|GPSLongitude/, 'no XMP GPS left')
  t.notMatch(text, /Tongban|Exif\0\0[^]*GPS/, 'no EXIF make or GPS left')
}

t.test('JPEG: GPS, XMP and the rest of EXIF removed, orientation and image data kept', async (t) => {
  t.same(await exifr.gps(gpsJpeg), HANGZHOU, 'the fixture has a location')
  const out = await stripLocation(gpsJpeg, 'image/jpeg')
  t.match(out, { locationFound: true, locationStripped: true, locationKept: false })
  t.notOk('location' in out)
  t.equal(await exifr.gps(out.bytes), undefined, 'exifr finds no GPS')
  t.equal(await exifr.orientation(out.bytes), 6, 'still shown rotated')
  t.same(await exifr.parse(out.bytes, { xmp: true }), { Orientation: 'Rotate 90 CW' }, 'orientation is all that is left')
  noTrace(t, out.bytes)
  const before = jpegLayout(gpsJpeg)
  const after = jpegLayout(out.bytes)
  t.ok(gpsJpeg.subarray(before.scan).equals(out.bytes.subarray(after.scan)), 'the scan data is the same bytes')
  t.same(await inspectPhoto(out.bytes), { type: 'image/jpeg', width: 24, height: 16 })
  t.ok(out.bytes.length < gpsJpeg.length / 2)
})

// exiftool (Debian libimage-exiftool-perl) reads every metadata block it knows: a second opinion.
const exiftool = (bytes: Buffer): Record<string, unknown> | undefined => {
  const run = spawnSync('exiftool', ['-j', '-a', '-G1', '-'], { input: bytes })
  return run.error ? undefined : (JSON.parse(run.stdout.toString()) as Array<Record<string, unknown>>)[0]
}

t.test('exiftool finds no location left in a stripped JPEG, WebP or PNG', { skip: exiftool(progressiveJpeg) ? false : 'exiftool is not installed (apt-get install libimage-exiftool-perl)' }, async (t) => {
  const png = makePng(30, 20, { extra: [pngChunk('eXIf', gpsTiff()), xmpChunk()] })
  for (const [type, bytes] of [['image/jpeg', gpsJpeg], ['image/webp', gpsWebp], ['image/png', png]] as const) {
    t.ok(Object.keys(exiftool(bytes)!).some((k) => k.startsWith('GPS:')), `${type}: exiftool sees the fixture's GPS`)
    const left = exiftool((await stripLocation(bytes, type)).bytes)!
    t.same(Object.keys(left).filter((k) => /^(GPS|XMP|IFD0|ExifIFD|IFD1|MakerNotes)/.test(k)), type === 'image/jpeg' ? ['IFD0:Orientation'] : [], `${type}: only the orientation is left`)
  }
})

t.test('JPEG: a location hidden after the end of the image (a second image, a phone trailer) is dropped', async (t) => {
  const trailer = Buffer.concat([progressiveJpeg, gpsJpeg])
  const out = await stripLocation(trailer, 'image/jpeg')
  t.ok(out.bytes.equals(progressiveJpeg), 'only the first image is left')
  noTrace(t, out.bytes)
})

t.test('JPEG without metadata: nothing found, the image unchanged', async (t) => {
  const out = await stripLocation(progressiveJpeg, 'image/jpeg')
  t.match(out, { locationFound: false, locationStripped: false, locationKept: false })
  t.ok(out.bytes.equals(progressiveJpeg))
})

t.test('kept when the reporter asks: the bytes as sent, the position read', async (t) => {
  for (const [type, bytes] of [['image/jpeg', gpsJpeg], ['image/webp', gpsWebp]] as const) {
    const out = await stripLocation(bytes, type, { keepLocation: true })
    t.match(out, { locationFound: true, locationStripped: false, locationKept: true }, type)
    t.ok(out.bytes.equals(bytes), `${type} unchanged`)
    t.same(out.location, HANGZHOU, `${type} position`)
  }
  const out = await stripLocation(progressiveJpeg, 'image/jpeg', { keepLocation: true })
  t.match(out, { locationFound: false, locationKept: false })
  t.notOk('location' in out, 'no position to keep')
})

t.test('PNG: the eXIf chunk and XMP removed, the other chunks kept byte for byte', async (t) => {
  const text = pngChunk('tEXt', Buffer.from('Title\0river bank', 'latin1'))
  const png = makePng(30, 20, { extra: [pngChunk('eXIf', gpsTiff()), xmpChunk(), text] })
  const kept = await stripLocation(png, 'image/png', { keepLocation: true })
  t.same(kept.location, HANGZHOU, 'the position read from eXIf')
  const out = await stripLocation(png, 'image/png')
  t.match(out, { locationFound: true, locationStripped: true })
  t.same(pngChunks(out.bytes).map((c) => c.type), ['IHDR', 'tEXt', 'IDAT', 'IEND'])
  t.ok(out.bytes.includes(text), 'an ordinary text chunk stays')
  noTrace(t, out.bytes)
  t.same(await inspectPhoto(out.bytes), { type: 'image/png', width: 30, height: 20 })
  const xmpOnly = await stripLocation(makePng(3, 3, { extra: [xmpChunk()] }), 'image/png')
  t.match(xmpOnly, { locationFound: true, locationStripped: true }, 'a location in XMP alone is found too')
})

t.test('WebP: the EXIF and XMP chunks removed and VP8X no longer announces them', async (t) => {
  const flags = (b: Buffer): number => webpChunks(b)[0]!.data[0]!
  t.equal(flags(gpsWebp) & 0x0c, 0x0c, 'the fixture announces EXIF and XMP')
  const out = await stripLocation(gpsWebp, 'image/webp')
  t.match(out, { locationFound: true, locationStripped: true })
  t.same(webpChunks(out.bytes).map((c) => c.fourcc), ['VP8X', 'VP8 '])
  t.equal(flags(out.bytes) & 0x0c, 0)
  t.equal(out.bytes.readUInt32LE(4), out.bytes.length - 8, 'the RIFF size fits')
  noTrace(t, out.bytes)
  t.same(await inspectPhoto(out.bytes), { type: 'image/webp', width: 24, height: 16 })
})
