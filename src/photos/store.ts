// Where accepted photos are kept: by the SHA-256 of their bytes, so the same photo sent twice (a
// reporter retrying, a photo attached to two answers) is stored once.
import { createHash } from 'node:crypto'
import type { PhotoType } from './inspect.ts'

export interface PhotoMeta {
  readonly type: PhotoType
  readonly width: number
  readonly height: number
}

export interface StoredPhoto extends PhotoMeta {
  /** SHA-256 of the stored bytes, lowercase hex. */
  readonly sha256: string
  readonly size: number
  /** Where the bytes are: `photos/ab/cd/<sha256>` under the data directory or in the bucket. */
  readonly key: string
}

export interface PhotoStore {
  put (bytes: Buffer, meta: PhotoMeta): Promise<StoredPhoto>
  get (sha256: string): Promise<Buffer | undefined>
  has (sha256: string): Promise<boolean>
}

export function sha256Of (bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export function photoKey (sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new TypeError(`not a SHA-256 hex digest: ${sha256}`)
  return `photos/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`
}
