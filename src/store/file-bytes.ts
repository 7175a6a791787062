// The bytes of dropped files, kept as files under the data directory named by their SHA-256
// (`files/ab/abcdef…`), not as bytea: a 40 MB bytea passes whole through one query — in PGlite
// through WebAssembly memory, which grows to fit and never shrinks — and comes back whole, while a
// file streams in and out in 64 KiB chunks, is hashed on the way in, and is deleted when kept long
// enough. The file inbox table (file-inbox.ts) says which file is which.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'

export interface StoredBytes {
  /** SHA-256 of the bytes, lowercase hex: their name in the store. */
  hash: string
  size: number
}

export class FileBytes {
  readonly root: string

  constructor (root: string) {
    this.root = root
  }

  path (hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new TypeError(`not a SHA-256 hex digest: ${hash}`)
    return join(this.root, hash.slice(0, 2), hash)
  }

  /**
   * Writes `bytes` into the store and answers their hash. They reach their name only complete and on
   * disk (written to a temporary file, synced, renamed), so a crash never leaves a short file under a
   * hash; the same bytes stored twice are one file.
   */
  async put (bytes: AsyncIterable<Uint8Array>): Promise<StoredBytes> {
    const tmpDir = join(this.root, 'tmp')
    await mkdir(tmpDir, { recursive: true })
    const tmp = join(tmpDir, randomBytes(8).toString('hex'))
    const hasher = createHash('sha256')
    let size = 0
    const out = await open(tmp, 'w')
    try {
      for await (const chunk of bytes) {
        hasher.update(chunk)
        size += chunk.length
        await out.write(chunk)
      }
      await out.sync()
    } catch (err) {
      await out.close()
      await rm(tmp, { force: true })
      throw err
    }
    await out.close()
    const hash = hasher.digest('hex')
    await mkdir(join(this.root, hash.slice(0, 2)), { recursive: true })
    await rename(tmp, this.path(hash))
    return { hash, size }
  }

  async has (hash: string): Promise<boolean> {
    return await stat(this.path(hash)).then(() => true, () => false)
  }

  read (hash: string): AsyncIterable<Buffer> {
    return createReadStream(this.path(hash), { highWaterMark: 64 * 1024 })
  }

  async remove (hash: string): Promise<void> {
    await rm(this.path(hash), { force: true })
  }
}
