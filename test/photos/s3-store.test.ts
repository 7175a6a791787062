// The S3 photo store against a real S3 API server run here (s3rver, an npm devDependency); its
// SigV4 signing checked against AWS's published example, since s3rver does not check V4 signatures.
import t from 'tap'
import { AwsV4Signer } from 'aws4fetch'
import { tempDir } from '../helpers.ts'
import { acceptPhoto, S3PhotoStore, sha256Of } from '../../src/photos/index.ts'
import { gpsJpeg, makePng } from './images.ts'

interface S3Server { run: () => Promise<{ port: number }>, close: () => Promise<void> }
type S3ServerClass = new (options: Record<string, unknown>) => S3Server

t.test('requests are signed as AWS documents SigV4 for S3 (PUT Object example)', async (t) => {
  const signed = await new AwsV4Signer({
    method: 'PUT',
    url: 'https://examplebucket.s3.amazonaws.com/test$file.text',
    headers: { date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072' },
    body: 'Welcome to Amazon S3.',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    service: 's3',
    region: 'us-east-1',
    datetime: '20130524T000000Z',
  }).sign()
  t.equal(signed.headers.get('authorization'), 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd')
})

const s3rver = 's3rver' // untyped, and optional: the test skips without it
const S3rver = await import(s3rver).then((m: { default: S3ServerClass }) => m.default, () => undefined)

t.test('S3PhotoStore against an S3 API server', { skip: S3rver ? false : 's3rver is not installed (npm install --save-dev s3rver): no S3 API server to test against' }, async (t) => {
  if (!S3rver) return
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: await tempDir(t), configureBuckets: [{ name: 'tongban-photos' }] })
  const { port } = await server.run()
  let running = true
  const stop = async (): Promise<void> => { if (running) { running = false; await server.close() } }
  t.teardown(stop)
  const options = { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', bucket: 'tongban-photos', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true }
  const store = new S3PhotoStore(options)

  const png = makePng(30, 20)
  const sha256 = sha256Of(png)
  t.notOk(await store.has(sha256))
  t.equal(await store.get(sha256), undefined)
  const stored = await store.put(png, { type: 'image/png', width: 30, height: 20 })
  t.same(stored, { type: 'image/png', width: 30, height: 20, sha256, size: png.length, key: `photos/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}` })
  t.ok(await store.has(sha256))
  t.ok((await store.get(sha256))!.equals(png))
  const object = await fetch(`${options.endpoint}/tongban-photos/${stored.key}`)
  t.equal(object.headers.get('content-type'), 'image/png', 'stored with its content type')
  await object.body?.cancel()
  t.same(await store.put(png, { type: 'image/png', width: 30, height: 20 }), stored, 'the same photo again')

  const accepted = await acceptPhoto(gpsJpeg, {}, store)
  t.match(accepted, { contentType: 'image/jpeg', locationStripped: true })
  t.ok(await store.has(accepted.sha256))

  const noBucket = new S3PhotoStore({ ...options, bucket: 'no-such-bucket' })
  await t.rejects(noBucket.put(png, { type: 'image/png', width: 30, height: 20 }), { code: 'TB_PHOTO_STORE_UNAVAILABLE', statusCode: 503, message: /PUT photos\/.* answered 404 NoSuchBucket/ })
  await stop()
  await t.rejects(store.get(sha256), { code: 'TB_PHOTO_STORE_UNAVAILABLE', message: /GET photos\/.*fetch failed/ }, 'the server gone')
})
