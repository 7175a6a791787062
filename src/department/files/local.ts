// A file drop in a local (or mounted) directory.
import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import type { FileInfo } from '../../adapter-sdk/index.ts'
import type { FileSource } from './source.ts'

export function localDirectory (dir: string): FileSource {
  const root = resolve(dir)
  const pathOf = (name: string): string => {
    // Names come from the listing; one that leaves the directory is a bug, not a file.
    if (basename(name) !== name) throw new TypeError(`not a file name in ${root}: ${name}`)
    return join(root, name)
  }
  return {
    location: root,
    async list () {
      const entries = await readdir(root, { withFileTypes: true })
      const files: FileInfo[] = []
      for (const entry of entries) {
        if (!entry.isFile()) continue
        // A file removed between readdir and stat is simply not listed.
        const info = await stat(join(root, entry.name)).catch(() => undefined)
        if (info) files.push({ name: entry.name, size: info.size, modifiedAt: info.mtime })
      }
      return files
    },
    read: (name) => createReadStream(pathOf(name), { highWaterMark: 64 * 1024 }),
    close: async () => {},
  }
}
