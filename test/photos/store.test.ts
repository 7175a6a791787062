// The local photo store: files named by SHA-256 under <dataDir>/photos/ab/cd/, written whole
// (temporary file, rename) and once however often the same photo comes; acceptPhoto from the
// upload to the store; the store the configuration names.
import t from 'tap'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import exifr from 'exifr'
import { tempDir } from '../helpers.ts'
import { PhotosConfig } from '../../src/config/schema.ts'
import { parseConfig } from '../../src/config/load.ts'
import { acceptPhoto, LocalPhotoStore, photoLimitsOf, photoStoreOf, S3PhotoStore, sha256Of } from '../../src/photos/index.ts'
import { gpsJpeg, HANGZHOU, makePng } from './images.ts'

const meta = { type: 'image/png', width: 30, height: 20 } as const

t.test('a photo is stored under its SHA-256, read back, and stored once', async (t) => {
  const dataDir = await tempDir(t)
  const store = new LocalPhotoStore(dataDir)
  const png = makePng(30, 20)
  const sha256 = sha256Of(png)
  t.notOk(await store.has(sha256))
  t.equal(await store.get(sha256), undefined)
  const stored = await store.put(png, meta)
  t.same(stored, { ...meta, sha256, size: png.length, key: `photos/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}` })
  const path = join(dataDir, stored.key)
  t.ok((await readFile(path)).equals(png))
  t.equal((await stat(path)).mode & 0o777, 0o640, 'readable by the gateway and its group only')
  t.ok(await store.has(sha256))
  t.ok((await store.get(sha256))!.equals(png))
  const mtime = (await stat(path)).mtimeMs
  t.same(await store.put(png, meta), stored, 'the same photo again: the same answer')
  t.equal((await stat(path)).mtimeMs, mtime, 'and the file was not written again')
  await t.rejects(store.get('../../etc/passwd'), TypeError, 'only a SHA-256 names a photo')
})

t.test('concurrent puts leave whole files and no temporary ones', async (t) => {
  const dataDir = await tempDir(t)
  const store = new LocalPhotoStore(dataDir)
  const photos = Array.from({ length: 8 }, (_, i) => makePng(20 + i, 20))
  // Each photo three times at once: every writer renames a complete file into place.
  const stored = await Promise.all(photos.flatMap((p) => [p, p, p]).map(async (p) => await store.put(p, meta)))
  t.equal(new Set(stored.map((s) => s.sha256)).size, 8)
  for (const p of photos) t.ok((await store.get(sha256Of(p)))!.equals(p))
  t.same(await readdir(join(dataDir, 'photos', 'tmp')), [], 'no temporary file left')
})

t.test('acceptPhoto: inspected, location removed, stored; the same upload twice is one photo', async (t) => {
  const store = new LocalPhotoStore(await tempDir(t))
  const accepted = await acceptPhoto(gpsJpeg, {}, store)
  t.match(accepted, { contentType: 'image/jpeg', width: 24, height: 16, locationKept: false, locationStripped: true })
  t.notOk('location' in accepted)
  t.ok(accepted.size < gpsJpeg.length)
  const bytes = (await store.get(accepted.sha256))!
  t.equal(sha256Of(bytes), accepted.sha256)
  t.equal(await exifr.gps(bytes), undefined, 'stored without its location')
  t.same(await acceptPhoto(gpsJpeg, {}, store), accepted, 'deduplicated')

  const kept = await acceptPhoto(gpsJpeg, { keepLocation: true }, store)
  t.match(kept, { locationKept: true, locationStripped: false, location: HANGZHOU, size: gpsJpeg.length })
  t.same(await exifr.gps((await store.get(kept.sha256))!), HANGZHOU, 'stored with its location')

  await t.rejects(acceptPhoto(Buffer.from('not a photo'), {}, store), { code: 'TB_PHOTO_NOT_IMAGE' })
  await t.rejects(acceptPhoto(gpsJpeg, { limits: photoLimitsOf(PhotosConfig.parse({ maxBytes: 2048 })) }, store), { code: 'TB_PHOTO_TOO_LARGE' })
})

t.test('the configuration: defaults, and the store it names', async (t) => {
  t.same(PhotosConfig.parse({}), { maxBytes: 10 * 1024 * 1024, maxPixels: 40_000_000, store: { kind: 'local' } })
  t.same(photoLimitsOf(undefined), { maxBytes: 10 * 1024 * 1024, maxPixels: 40_000_000, maxSide: 20_000 })
  t.ok(photoStoreOf({}, '/var/lib/tongban') instanceof LocalPhotoStore)
  t.equal((photoStoreOf({}, '/var/lib/tongban') as LocalPhotoStore).dataDir, '/var/lib/tongban')
  const s3 = PhotosConfig.parse({ store: { kind: 's3', endpoint: 'http://minio.internal:9000', bucket: 'tongban-photos', accessKeyId: 'k', secretAccessKey: 's', forcePathStyle: true } })
  t.match(s3.store, { region: 'us-east-1', forcePathStyle: true })
  t.ok(photoStoreOf({ photos: s3 }, '/var/lib/tongban') instanceof S3PhotoStore)
  t.throws(() => PhotosConfig.parse({ store: { kind: 's3', endpoint: 'ftp://x', bucket: 'b', accessKeyId: 'k', secretAccessKey: 's' } }), 'an http(s) endpoint and a bucket name')
  t.throws(() => PhotosConfig.parse({ maxBytes: 10 }), 'a byte limit under 1 KiB is a mistake')
})

t.test('a configuration file names an S3 store, its secret from the environment', async (t) => {
  const yaml = [
    "towns: [{ code: '330100001000', name: 'Demo town' }]",
    'adapters: []',
    'photos:',
    '  maxBytes: 5242880',
    '  store: { kind: s3, endpoint: "http://minio.internal:9000", bucket: tongban-photos, accessKeyId: tongban, secretAccessKey: "${PHOTOS_S3_SECRET}", forcePathStyle: true }',
  ].join('\n')
  const config = parseConfig(yaml, 'photos.yaml', { PHOTOS_S3_SECRET: 'from-the-environment' })
  t.match(config.photos, { maxBytes: 5_242_880, maxPixels: 40_000_000, store: { kind: 's3', secretAccessKey: 'from-the-environment', region: 'us-east-1' } })
  t.ok(photoStoreOf(config, '/var/lib/tongban') instanceof S3PhotoStore)
  t.equal(parseConfig(yaml.split('\n').slice(0, 2).join('\n'), 'photos.yaml', {}).photos, undefined, 'no photos: section, no photos key')
  t.throws(() => parseConfig(yaml, 'photos.yaml', {}), { code: 'TB_CONFIG_ENV_MISSING' }, 'the secret must be in the environment')
})
