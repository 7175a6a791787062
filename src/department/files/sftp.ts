// A file drop on a department's SFTP server (ssh2-sftp-client over ssh2): at most `sessions`
// sessions, opened when needed and kept for the next look; the server must present the configured
// host key; the user authenticates by password (`basic`) or private key (`sftp-key`), with
// credentials from the configuration or the vault, asked for at each new session.
import { createHash } from 'node:crypto'
import { posix } from 'node:path'
import SftpClient from 'ssh2-sftp-client'
import { DepartmentAuthError, DepartmentUnavailableError, type FileInfo } from '../../adapter-sdk/index.ts'
import type { CredentialsOf } from '../../adapter-sdk/index.ts'
import { TongbanError } from '../../errors.ts'
import type { Logger } from '../../log.ts'
import type { FileSource } from './source.ts'

export interface SftpPlace {
  host: string
  port: number
  path: string
  /** `SHA256:<base64>` as ssh-keygen -l prints it. */
  hostKey: string
  sessions: number
}

export type SftpCredentials = CredentialsOf<'basic'> | CredentialsOf<'sftp-key'>

export interface SftpOptions {
  instance: string
  place: SftpPlace
  credentials: () => Promise<SftpCredentials>
  /** The server refused the credentials: read them afresh next time (a rotation in the vault). */
  refused: () => void
  timeoutMs: number
  logger: Logger
}

/** The fingerprint ssh-keygen -l prints for a host key: SHA256 of its wire form, base64 without padding. */
export function hostKeyFingerprint (key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`
}

interface Session { client: SftpClient, alive: boolean }

export function sftpServer (opts: SftpOptions): FileSource {
  const { place, instance, logger } = opts
  const location = `sftp://${place.host}:${place.port}${place.path}`
  const expected = place.hostKey.replace(/=+$/, '')
  const idle: Session[] = []
  const waiting: Array<(session: Session | undefined) => void> = []
  const open = new Set<Session>()
  let closed = false

  const connect = async (): Promise<Session> => {
    const session: Session = { client: undefined as unknown as SftpClient, alive: true }
    const dead = (): void => { session.alive = false }
    session.client = new SftpClient(instance, {
      error: (err: unknown) => { dead(); logger.warn({ adapter: instance, sftp: location, err: (err as Error).message }, 'sftp session error') },
      end: dead,
      close: dead,
    })
    let presented: string | undefined
    const credentials = await opts.credentials()
    try {
      await session.client.connect({
        host: place.host,
        port: place.port,
        username: credentials.username,
        ...('password' in credentials ? { password: credentials.password } : { privateKey: credentials.privateKey, passphrase: credentials.passphrase }),
        readyTimeout: opts.timeoutMs,
        hostVerifier: (key: Buffer) => {
          presented = hostKeyFingerprint(key)
          return presented === expected
        },
      })
    } catch (err) {
      if (presented !== undefined && presented !== expected) throw new TongbanError('TB_SFTP_HOST_KEY', [location, presented, expected])
      const message = (err as Error).message
      if (/authentication/i.test(message)) {
        opts.refused()
        throw new DepartmentAuthError(instance, `SFTP ${location}: ${message}`)
      }
      throw new DepartmentUnavailableError(instance, `SFTP ${location}: ${message}`)
    }
    open.add(session)
    return session
  }

  const acquire = async (): Promise<Session> => {
    if (closed) throw new DepartmentUnavailableError(instance, `SFTP ${location}: the file drop is closed`)
    for (let session = idle.pop(); session; session = idle.pop()) {
      if (session.alive) return session
      open.delete(session)
    }
    if (open.size < place.sessions) return await connect()
    const session = await new Promise<Session | undefined>((resolve) => { waiting.push(resolve) })
    // A released session that died, or none because one closed: open a new one in its place.
    return session?.alive === true ? session : await acquire()
  }

  const release = (session: Session): void => {
    if (!session.alive) {
      open.delete(session)
      session.client.end().catch(() => {})
      waiting.shift()?.(undefined)
      return
    }
    const next = waiting.shift()
    if (next) next(session)
    else idle.push(session)
  }

  const failed = (err: unknown): never => {
    if (err instanceof TongbanError) throw err
    throw new DepartmentUnavailableError(instance, `SFTP ${location}: ${(err as Error).message}`)
  }

  return {
    location,
    async list () {
      const session = await acquire()
      try {
        const entries = await session.client.list(place.path)
        return entries.filter((e) => e.type === '-').map((e): FileInfo => ({ name: e.name, size: e.size, modifiedAt: new Date(e.modifyTime) }))
      } catch (err) {
        session.alive = false
        return failed(err)
      } finally {
        release(session)
      }
    },
    async * read (name) {
      if (posix.basename(name) !== name) throw new TypeError(`not a file name in ${location}: ${name}`)
      const session = await acquire()
      try {
        const stream = session.client.createReadStream(posix.join(place.path, name), { highWaterMark: 64 * 1024 })
        try {
          for await (const chunk of stream) yield chunk as Buffer
        } finally {
          // Closing the remote handle may still be under way when the session ends (the drop
          // closing): its error would reach a stream nobody listens to, and crash the process.
          stream.on('error', () => {})
          stream.destroy()
        }
      } catch (err) {
        // A read that failed midway leaves the session in no known state.
        session.alive = false
        failed(err)
      } finally {
        release(session)
      }
    },
    async close () {
      closed = true
      for (const resolve of waiting.splice(0)) resolve(undefined)
      await Promise.all([...open].map(async (s) => { await s.client.end().catch(() => {}) }))
      open.clear()
      idle.length = 0
    },
  }
}
