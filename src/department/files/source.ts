// Where a file drop's files are, as one small interface over a local directory and an SFTP server:
// list the files, read one as it streams. The file-drop job (src/sync/file-drop.ts) does the rest.
import type { FileInfo } from '../../adapter-sdk/index.ts'

export interface FileSource {
  /** Where the files are (`sftp://host:port/dir`, a directory), for the file inbox and the log; never a secret. */
  readonly location: string
  /** The regular files at the top of the drop (not its subdirectories). */
  list: () => Promise<FileInfo[]>
  /** A listed file's bytes as they arrive. */
  read: (name: string) => AsyncIterable<Buffer>
  close: () => Promise<void>
}

/** A small file whole (a manifest); more than `max` bytes is refused rather than held. */
export async function readSmall (source: FileSource, name: string, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of source.read(name)) {
    size += chunk.length
    if (size > max) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}
