// A department's SFTP server for simulators and tests: ssh2's server serving a local directory
// read-only as `/` (so `/outbox/320412120/` is `root/outbox/320412120`), users by password and/or
// public key, and at most `maxSessionsPerUser` sessions of a user at once — one more is let in and
// then refused its channel and dropped, as departments' servers do. Only simulators load this
// (through the kit's index): a gateway never does.
import { createHash } from 'node:crypto'
import { open, readdir, stat, type FileHandle } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { join, posix } from 'node:path'
import ssh2 from 'ssh2'
import type { AuthContext, Connection, ParsedKey, SFTPWrapper } from 'ssh2'

const { Server, utils } = ssh2
const { STATUS_CODE, OPEN_MODE } = utils.sftp

export interface SftpUser {
  username: string
  password?: string
  /** An OpenSSH public key line (`ssh-ed25519 AAAA…`) the user signs in with. */
  publicKey?: string
}

export interface SftpServerOptions {
  /** The directory served read-only as `/`. */
  root: string
  users: readonly SftpUser[]
  /** Default: no limit. */
  maxSessionsPerUser?: number
  /** The host's private key (OpenSSH or PEM); default: an ed25519 key made for this run. */
  hostKey?: string
  host?: string
  /** Default 0: a free port. */
  port?: number
}

export interface RunningSftpServer {
  port: number
  /** The host key's fingerprint as `ssh-keygen -l` prints it (`SHA256:…`): what an instance configures as `hostKey`. */
  hostKey: string
  /** Most sessions open at the same time so far, all users together (refused ones not counted). */
  peakSessions: () => number
  close: () => Promise<void>
}

export interface SftpKeyPair {
  /** OpenSSH private key, what an instance's `credentials.privateKey` holds. */
  privateKey: string
  /** OpenSSH public key line, what the server's user knows. */
  publicKey: string
}

/** A fresh user (or host) key pair: ed25519, or RSA 2048 for servers that want it. */
export function sftpKeyPair (type: 'ed25519' | 'rsa' = 'ed25519'): SftpKeyPair {
  // ssh2's generator strips leading zero bytes from an ed25519 public key, so about one pair in 256
  // is one its own parser refuses (mscdex/ssh2#1390): such a pair is made again.
  for (;;) {
    const pair = type === 'rsa' ? utils.generateKeyPairSync('rsa', { bits: 2048 }) : utils.generateKeyPairSync('ed25519')
    if (!(utils.parseKey(pair.public) instanceof Error) && !(utils.parseKey(pair.private) instanceof Error)) return { privateKey: pair.private, publicKey: pair.public }
  }
}

const parsed = (key: string, what: string): ParsedKey => {
  const k = utils.parseKey(key)
  if (k instanceof Error) throw new TypeError(`${what}: ${k.message}`)
  return Array.isArray(k) ? k[0]! : k
}

/** The fingerprint `ssh-keygen -l` prints for a key (public or private): SHA-256 of its wire form. */
export function sshFingerprint (key: string): string {
  return `SHA256:${createHash('sha256').update(parsed(key, 'key').getPublicSSH()).digest('base64').replace(/=+$/, '')}`
}

const attrsOf = (s: Stats): { mode: number, uid: number, gid: number, size: number, atime: number, mtime: number } =>
  ({ mode: s.mode, uid: s.uid, gid: s.gid, size: s.size, atime: Math.floor(s.atimeMs / 1000), mtime: Math.floor(s.mtimeMs / 1000) })

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const longname = (name: string, s: Stats): string => {
  const m = s.mtime
  return `${s.isDirectory() ? 'd' : '-'}r--r--r-- 1 dept dept ${s.size} ${MONTHS[m.getUTCMonth()]} ${String(m.getUTCDate()).padStart(2)} ${m.getUTCFullYear()} ${name}`
}

interface Handle { file?: FileHandle, dir?: string, listed?: boolean }

function serveSftp (sftp: SFTPWrapper, root: string): void {
  const handles = new Map<number, Handle>()
  let next = 0
  const handle = (entry: Handle): Buffer => {
    const id = next++
    handles.set(id, entry)
    const buf = Buffer.alloc(4)
    buf.writeUInt32BE(id)
    return buf
  }
  const entryOf = (h: Buffer): Handle | undefined => (h.length === 4 ? handles.get(h.readUInt32BE(0)) : undefined)
  // posix.normalize of an absolute path resolves `..` at `/`: nothing above root is reachable.
  const remote = (path: string): string => posix.normalize(posix.join('/', path === '.' ? '/' : path))
  const local = (path: string): string => join(root, remote(path))
  const status = (reqid: number, code: number) => (): void => { sftp.status(reqid, code) }

  sftp.on('REALPATH', (reqid, path) => { sftp.name(reqid, [{ filename: remote(path), longname: '', attrs: {} as never }]) })
  const statLike = (reqid: number, path: string): void => {
    stat(local(path)).then((s) => { sftp.attrs(reqid, attrsOf(s)) }, status(reqid, STATUS_CODE.NO_SUCH_FILE))
  }
  sftp.on('STAT', statLike)
  sftp.on('LSTAT', statLike)
  sftp.on('OPEN', (reqid, filename, flags) => {
    if (flags !== OPEN_MODE.READ) { sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED); return }
    open(local(filename), 'r').then((file) => { sftp.handle(reqid, handle({ file })) }, status(reqid, STATUS_CODE.NO_SUCH_FILE))
  })
  sftp.on('FSTAT', (reqid, h) => {
    const file = entryOf(h)?.file
    if (!file) { sftp.status(reqid, STATUS_CODE.FAILURE); return }
    file.stat().then((s) => { sftp.attrs(reqid, attrsOf(s)) }, status(reqid, STATUS_CODE.FAILURE))
  })
  sftp.on('READ', (reqid, h, offset, length) => {
    const file = entryOf(h)?.file
    if (!file) { sftp.status(reqid, STATUS_CODE.FAILURE); return }
    const buf = Buffer.alloc(length)
    file.read(buf, 0, length, offset).then(({ bytesRead }) => {
      if (bytesRead === 0) sftp.status(reqid, STATUS_CODE.EOF)
      else sftp.data(reqid, buf.subarray(0, bytesRead))
    }, status(reqid, STATUS_CODE.FAILURE))
  })
  sftp.on('OPENDIR', (reqid, path) => {
    const dir = local(path)
    stat(dir).then((s) => {
      if (s.isDirectory()) sftp.handle(reqid, handle({ dir }))
      else sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE)
    }, status(reqid, STATUS_CODE.NO_SUCH_FILE))
  })
  sftp.on('READDIR', (reqid, h) => {
    const entry = entryOf(h)
    const dir = entry?.dir
    if (!entry || dir === undefined) { sftp.status(reqid, STATUS_CODE.FAILURE); return }
    if (entry.listed === true) { sftp.status(reqid, STATUS_CODE.EOF); return }
    entry.listed = true
    readdir(dir).then(async (names) => {
      // A file deleted between the listing and its stat is simply not listed.
      const items = (await Promise.all(names.map(async (name) => {
        const s = await stat(join(dir, name)).catch(() => undefined)
        return s && { filename: name, longname: longname(name, s), attrs: attrsOf(s) }
      }))).filter((item) => item !== undefined)
      if (items.length === 0) sftp.status(reqid, STATUS_CODE.EOF)
      else sftp.name(reqid, items)
    }, status(reqid, STATUS_CODE.FAILURE))
  })
  sftp.on('CLOSE', (reqid, h) => {
    const entry = entryOf(h)
    if (h.length === 4) handles.delete(h.readUInt32BE(0))
    Promise.resolve(entry?.file?.close()).then(status(reqid, STATUS_CODE.OK), status(reqid, STATUS_CODE.FAILURE))
  })
  // Writes, removals, renames, new directories: a read-only drop (ssh2 answers OP_UNSUPPORTED to the rest).
  for (const op of ['REMOVE', 'RENAME', 'MKDIR', 'RMDIR', 'SETSTAT', 'FSETSTAT', 'WRITE', 'SYMLINK'] as const) {
    sftp.on(op as 'REMOVE', (reqid: number) => { sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED) })
  }
}

export async function startSftpServer (opts: SftpServerOptions): Promise<RunningSftpServer> {
  const hostKey = opts.hostKey ?? sftpKeyPair().privateKey
  const users = new Map(opts.users.map((u) => [u.username, { ...u, key: u.publicKey === undefined ? undefined : parsed(u.publicKey, `user ${u.username}'s public key`) }]))
  const limit = opts.maxSessionsPerUser ?? Infinity
  const sessions = new Map<string, number>()
  let open = 0
  let peak = 0
  const clients = new Set<Connection>()

  const authenticate = (ctx: AuthContext): void => {
    const user = users.get(ctx.username)
    const methods = user ? [...(user.password !== undefined ? ['password' as const] : []), ...(user.key ? ['publickey' as const] : [])] : ['password' as const, 'publickey' as const]
    if (user?.password !== undefined && ctx.method === 'password' && ctx.password === user.password) { ctx.accept(); return }
    const key = user?.key
    if (key && ctx.method === 'publickey' && ctx.key.algo === key.type && ctx.key.data.equals(key.getPublicSSH())) {
      // Without a signature the client only asks whether this key would do.
      if (!ctx.signature || key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) { ctx.accept(); return }
    }
    ctx.reject(methods)
  }

  // Departments' servers are OpenSSH, and clients size their reads by the name (ssh2 asks OpenSSH for 256 KiB, others for 32 KiB).
  const server = new Server({ hostKeys: [hostKey], ident: 'OpenSSH_9.2p1' }, (client) => {
    clients.add(client)
    // One READ answered at a time: Nagle's algorithm would hold each answer back for the client's delayed ACK.
    // ssh2's server-side connection has setNoDelay (lib/server.js); @types/ssh2 declares it on the client only
    ;(client as unknown as { setNoDelay: (noDelay: boolean) => void }).setNoDelay(true)
    let username: string | undefined
    client.on('authentication', (ctx) => {
      authenticate(ctx)
      username = ctx.username
    })
    client.on('ready', () => {
      const user = username!
      const now = sessions.get(user) ?? 0
      if (now >= limit) {
        // Over the limit: the session channel is refused and the connection dropped.
        client.on('session', (_accept, reject) => { reject() })
        setImmediate(() => { client.end() })
        return
      }
      sessions.set(user, now + 1)
      peak = Math.max(peak, ++open)
      client.once('close', () => {
        sessions.set(user, sessions.get(user)! - 1)
        open--
      })
      client.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => { serveSftp(acceptSftp(), opts.root) })
      })
    })
    client.on('close', () => { clients.delete(client) })
    // A client that drops mid-handshake is its own business.
    client.on('error', () => {})
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  return {
    port: (server.address() as { port: number }).port,
    hostKey: sshFingerprint(hostKey),
    peakSessions: () => peak,
    async close () {
      for (const c of clients) c.end()
      await new Promise<void>((resolve) => server.close(() => { resolve() }))
    },
  }
}
