// Photos as files under the data directory. A file reaches its name only complete and on disk
// (temporary file, fsync, rename), so a crash never leaves a short photo under a hash.
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { photoKey, sha256Of, type PhotoMeta, type PhotoStore, type StoredPhoto } from './store.ts'

export class LocalPhotoStore implements PhotoStore {
  readonly dataDir: string

  constructor (dataDir: string) {
    this.dataDir = dataDir
  }

  async put (bytes: Buffer, meta: PhotoMeta): Promise<StoredPhoto> {
    const sha256 = sha256Of(bytes)
    const key = photoKey(sha256)
    const stored = { ...meta, sha256, size: bytes.length, key }
    if (await this.has(sha256)) return stored
    const path = join(this.dataDir, key)
    const tmpDir = join(this.dataDir, 'photos', 'tmp')
    await mkdir(tmpDir, { recursive: true })
    await mkdir(dirname(path), { recursive: true })
    const tmp = join(tmpDir, randomBytes(8).toString('hex'))
    try {
      const file = await open(tmp, 'wx', 0o640)
      try {
        await file.writeFile(bytes)
        await file.sync()
      } finally {
        await file.close()
      }
      await rename(tmp, path)
    } catch (err) {
      await rm(tmp, { force: true })
      throw err
    }
    return stored
  }

  async get (sha256: string): Promise<Buffer | undefined> {
    try {
      return await readFile(join(this.dataDir, photoKey(sha256)))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  async has (sha256: string): Promise<boolean> {
    try {
      return (await stat(join(this.dataDir, photoKey(sha256)))).isFile()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw err
    }
  }
}
