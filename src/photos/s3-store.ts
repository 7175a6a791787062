// Photos in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, cloud OSS with an S3 endpoint),
// signed with SigV4 by aws4fetch. The payload's SHA-256 is signed too, so the server refuses bytes
// altered on the way.
import { AwsClient } from 'aws4fetch'
import { TongbanError } from '../errors.ts'
import { photoKey, sha256Of, type PhotoMeta, type PhotoStore, type StoredPhoto } from './store.ts'

export interface S3PhotoStoreOptions {
  /** The service's base URL, e.g. https://s3.cn-north-1.amazonaws.com.cn or http://minio.internal:9000. */
  readonly endpoint: string
  readonly region: string
  readonly bucket: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** `endpoint/bucket/key` (MinIO and most self-hosted servers) rather than `bucket.endpoint/key`. */
  readonly forcePathStyle?: boolean
  /** Per request, in milliseconds. */
  readonly timeoutMs?: number
}

export class S3PhotoStore implements PhotoStore {
  readonly #client: AwsClient
  readonly #base: string
  readonly #timeoutMs: number

  constructor (options: S3PhotoStoreOptions) {
    // aws4fetch retries 5xx and network errors itself; a few times is enough behind an upload.
    this.#client = new AwsClient({ accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, service: 's3', region: options.region, retries: 2 })
    const url = new URL(options.endpoint)
    const base = url.href.replace(/\/$/, '')
    this.#base = options.forcePathStyle ? `${base}/${encodeURIComponent(options.bucket)}` : `${url.protocol}//${options.bucket}.${url.host}${url.pathname.replace(/\/$/, '')}`
    this.#timeoutMs = options.timeoutMs ?? 30_000
  }

  async put (bytes: Buffer, meta: PhotoMeta): Promise<StoredPhoto> {
    const sha256 = sha256Of(bytes)
    const key = photoKey(sha256)
    const stored = { ...meta, sha256, size: bytes.length, key }
    if (await this.has(sha256)) return stored
    const res = await this.#send('PUT', key, {
      body: new Uint8Array(bytes), // a copy, typed as the BodyInit fetch takes
      headers: { 'content-type': meta.type, 'x-amz-content-sha256': sha256 },
    })
    if (!res.ok) throw await unavailable('PUT', key, res)
    await res.body?.cancel()
    return stored
  }

  async get (sha256: string): Promise<Buffer | undefined> {
    const key = photoKey(sha256)
    const res = await this.#send('GET', key)
    if (res.status === 404) { await res.body?.cancel(); return undefined }
    if (!res.ok) throw await unavailable('GET', key, res)
    return Buffer.from(await res.arrayBuffer())
  }

  async has (sha256: string): Promise<boolean> {
    const key = photoKey(sha256)
    const res = await this.#send('HEAD', key)
    await res.body?.cancel()
    if (res.status === 404) return false
    if (!res.ok) throw await unavailable('HEAD', key, res)
    return true
  }

  async #send (method: string, key: string, init: { body?: Uint8Array<ArrayBuffer>, headers?: Record<string, string> } = {}): Promise<Response> {
    try {
      return await this.#client.fetch(`${this.#base}/${key}`, { method, ...init, signal: AbortSignal.timeout(this.#timeoutMs) })
    } catch (err) {
      throw new TongbanError('TB_PHOTO_STORE_UNAVAILABLE', [`${method} ${key}: ${(err as Error).message}`], { cause: err })
    }
  }
}

async function unavailable (method: string, key: string, res: Response): Promise<TongbanError> {
  // S3 errors are XML with a <Code>; that is what an operator needs (AccessDenied, NoSuchBucket…).
  const text = method === 'HEAD' ? '' : await res.text().catch(() => '')
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1]
  return new TongbanError('TB_PHOTO_STORE_UNAVAILABLE', [`${method} ${key} answered ${res.status}${code ? ` ${code}` : ''}`])
}
