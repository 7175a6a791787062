// Only JPEG, PNG and WebP, told by their bytes; within the byte limit and the pixel budget read
// from the header (a bomb refused before anything else is read); whole, not cut short or damaged.
import t, { type Test } from 'tap'
import { inspectPhoto } from '../../src/photos/inspect.ts'
import { gpsJpeg, gpsWebp, makePng, progressiveJpeg } from './images.ts'

const refused = async (t: Test, bytes: Buffer, code: string, status: number, message: RegExp, why: string, limits = {}): Promise<void> => {
  await t.rejects(inspectPhoto(bytes, limits), { code, statusCode: status, message }, why)
}

t.test('JPEG (baseline and progressive), PNG and WebP are taken, with their pixel size', async (t) => {
  t.same(await inspectPhoto(gpsJpeg), { type: 'image/jpeg', width: 24, height: 16 })
  t.same(await inspectPhoto(progressiveJpeg), { type: 'image/jpeg', width: 24, height: 16 })
  t.same(await inspectPhoto(makePng(30, 20)), { type: 'image/png', width: 30, height: 20 })
  t.same(await inspectPhoto(gpsWebp), { type: 'image/webp', width: 24, height: 16 })
})

t.test('the type is read from the content: text, PDF and GIF are refused whatever they are called', async (t) => {
  await refused(t, Buffer.from('this is report.jpg, honestly\n'), 'TB_PHOTO_NOT_IMAGE', 415, /content reads as no known type/, 'a text file named .jpg')
  await refused(t, Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n', 'latin1'), 'TB_PHOTO_NOT_IMAGE', 415, /application\/pdf/, 'a PDF')
  await refused(t, Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64'), 'TB_PHOTO_NOT_IMAGE', 415, /image\/gif/, 'a GIF')
  await refused(t, Buffer.alloc(0), 'TB_PHOTO_NOT_IMAGE', 415, /no known type/, 'nothing')
})

t.test('a file over the byte limit is refused before it is read', async (t) => {
  const big = Buffer.alloc(10 * 1024 * 1024 + 1)
  gpsJpeg.copy(big)
  await refused(t, big, 'TB_PHOTO_TOO_LARGE', 413, /10485761 bytes, more than the 10485760/, 'the 10 MiB default')
  await refused(t, gpsJpeg, 'TB_PHOTO_TOO_LARGE', 413, /more than the 1000 bytes/, 'a configured limit', { maxBytes: 1000 })
})

t.test('a decompression bomb is refused on its header', async (t) => {
  // 100000×100000 RGB is 30 GB once decoded; the file is a few hundred bytes.
  const bomb = makePng(4, 4, { claim: { width: 100_000, height: 100_000 } })
  t.ok(bomb.length < 1000)
  await refused(t, bomb, 'TB_PHOTO_TOO_MANY_PIXELS', 422, /100000×100000 pixels, more than the 40000000/, 'a PNG claiming 10 gigapixels')
  await refused(t, makePng(2, 2, { claim: { width: 30_000, height: 1 } }), 'TB_PHOTO_TOO_MANY_PIXELS', 422, /no side over 20000/, 'a strip within the budget but absurd')
  await refused(t, makePng(30, 20), 'TB_PHOTO_TOO_MANY_PIXELS', 422, /30×20 pixels, more than the 500/, 'a configured budget', { maxPixels: 500 })
  await refused(t, makePng(2, 2, { claim: { width: 0, height: 2 } }), 'TB_PHOTO_CORRUPT', 422, /gives 0×2 pixels|no readable size/, 'no pixels at all')
})

t.test('a cut-short or damaged image is refused', async (t) => {
  for (const [name, bytes] of [['JPEG', gpsJpeg], ['progressive JPEG', progressiveJpeg], ['PNG', makePng(30, 20)], ['WebP', gpsWebp]] as const) {
    for (const keep of [0.9, 0.5]) {
      await refused(t, bytes.subarray(0, Math.floor(bytes.length * keep)), 'TB_PHOTO_CORRUPT', 422, /cannot be read/, `${name} cut at ${keep * 100}%`)
    }
  }
  const png = Buffer.from(makePng(30, 20))
  png[png.indexOf('IDAT', 0, 'latin1') + 6]! ^= 0xff
  await refused(t, png, 'TB_PHOTO_CORRUPT', 422, /The PNG image cannot be read \(the CRC of the IDAT chunk is wrong\)/, 'a PNG byte flipped')
  await refused(t, gpsJpeg.subarray(0, 40), 'TB_PHOTO_CORRUPT', 422, /JPEG image cannot be read/, 'a JPEG cut inside its header')
  const noEnd = gpsJpeg.subarray(0, gpsJpeg.length - 2)
  await refused(t, noEnd, 'TB_PHOTO_CORRUPT', 422, /no end-of-image marker/, 'a JPEG without its last two bytes')
})
