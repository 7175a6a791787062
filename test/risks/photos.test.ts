// Photo uploads through the API: real JPEG and PNG bytes are taken and stored by SHA-256 in the data
// directory; a text file named .jpg, a zip named .jpg, a body over the limit (streamed, without a
// Content-Length too) and a PNG bomb header get clear 4xx answers and nothing stored; the EXIF GPS
// position is removed unless keepLocation=true; uploading and reading need a role that reports,
// reads or answers (an auditor neither uploads nor reads).
import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import exifr from 'exifr'
import { deflateRawSync } from 'node:zlib'
import { gpsJpeg, makePng } from '../photos/images.ts'
import { call, startRisksGateway, upload } from './kit.ts'

/** A one-file zip archive: what a "photo.jpg" that is really a zip bomb starts with. */
function zipOf (name: string, content: Buffer): Buffer {
  const data = deflateRawSync(content)
  const header = Buffer.alloc(30)
  header.writeUInt32LE(0x04034b50, 0)
  header.writeUInt16LE(20, 4)
  header.writeUInt16LE(8, 8)
  header.writeUInt32LE(data.length, 18)
  header.writeUInt32LE(content.length, 22)
  header.writeUInt16LE(name.length, 26)
  return Buffer.concat([header, Buffer.from(name), data])
}

t.test('photo uploads', async (t) => {
  const { base, db, dataDir, auth, departmentToken } = await startRisksGateway(t, { store: 'postgres', redisIndex: 22, extra: 'photos: { maxBytes: 200000 }' })
  const grid = await auth(['grid-staff'])
  const photoCount = async (): Promise<number> => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM photos')).rows[0]!.n

  const jpeg = await upload(base, grid, gpsJpeg)
  t.equal(jpeg.status, 201)
  t.match(jpeg.body, { contentType: 'image/jpeg', width: 24, height: 16, locationKept: false })
  t.ok(existsSync(join(dataDir, 'photos', jpeg.body.sha256.slice(0, 2), jpeg.body.sha256.slice(2, 4), jpeg.body.sha256)), 'stored under the data directory by SHA-256')
  const stored = Buffer.from(await (await fetch(`${base}/api/v1/photos/${jpeg.body.sha256}`, { headers: grid })).arrayBuffer())
  t.notOk((await exifr.gps(stored))?.latitude, 'the GPS position was removed')
  t.equal((await upload(base, grid, gpsJpeg)).status, 200, 'the same photo again: stored once')

  const kept = await upload(base, grid, gpsJpeg, 'image/jpeg', '?keepLocation=true')
  t.equal(kept.status, 201)
  t.equal(kept.body.locationKept, true)
  const keptBytes = Buffer.from(await (await fetch(`${base}/api/v1/photos/${kept.body.sha256}`, { headers: grid })).arrayBuffer())
  t.ok(Math.abs((await exifr.gps(keptBytes)).latitude - 30.2741) < 0.001, 'kept when the reporter asked')

  const png = await upload(base, grid, makePng(32, 20), 'application/octet-stream')
  t.equal(png.status, 201)
  t.match(png.body, { contentType: 'image/png', width: 32, height: 20 })
  const before = await photoCount()

  const text = await upload(base, grid, Buffer.from('这不是照片，是一段文字。\n'.repeat(20)), 'image/jpeg')
  t.equal(text.status, 415, 'a text file sent as photo.jpg')
  t.equal(text.body.code, 'TB_PHOTO_NOT_IMAGE')
  const zip = await upload(base, grid, zipOf('photo.jpg', Buffer.alloc(1_000_000)), 'image/jpeg')
  t.equal(zip.status, 415, 'a zip file named .jpg')
  t.match(zip.body.message, /zip/)

  const big = await upload(base, grid, Buffer.concat([gpsJpeg, Buffer.alloc(300_000)]), 'image/jpeg')
  t.equal(big.status, 413, 'over photos.maxBytes: refused on its Content-Length')
  t.equal(big.body.code, 'TB_PHOTO_TOO_LARGE')
  const streamed = await fetch(`${base}/api/v1/photos`, {
    method: 'POST',
    headers: { ...grid, 'content-type': 'image/jpeg' },
    duplex: 'half',
    body: new ReadableStream({ start (c) { for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(100_000)); c.close() } }),
  } as RequestInit)
  t.equal(streamed.status, 413, 'over the limit without a Content-Length: refused while it streams in')
  t.equal((await streamed.json() as { code: string }).code, 'TB_PHOTO_TOO_LARGE')

  const bomb = await upload(base, grid, makePng(8, 8, { claim: { width: 60_000, height: 60_000 } }), 'image/png')
  t.equal(bomb.status, 422, 'a PNG whose header claims 3.6 gigapixels')
  t.equal(bomb.body.code, 'TB_PHOTO_TOO_MANY_PIXELS')
  t.equal((await upload(base, grid, Buffer.from('{}'), 'application/json')).status, 415, 'JSON is no photo body')
  t.equal(await photoCount(), before, 'nothing refused was recorded')

  const dept = await departmentToken()
  t.equal((await call(base, 'GET', `/api/v1/photos/${jpeg.body.sha256}`, dept)).status, 200, 'a department reads photos of the whistles it answers (whistles:answer)')
  t.equal((await call(base, 'POST', '/api/v1/photos', await auth(['auditor']))).status, 403, 'an auditor uploads none')
})
