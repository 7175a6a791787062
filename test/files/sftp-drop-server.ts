// A department's SFTP server for the tests: ssh2's server on 127.0.0.1 with a host key generated
// per run, serving a local directory read-only as `/drop`, accepting one user by password or by
// public key, and counting the sessions open at once.
import { createHash } from 'node:crypto'
import { open, readdir, stat, type FileHandle } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { join, posix } from 'node:path'
import ssh2 from 'ssh2'
import type { Connection, AuthContext, SFTPWrapper } from 'ssh2'

const { Server, utils } = ssh2
const { STATUS_CODE, OPEN_MODE } = utils.sftp

export interface SftpDropServer {
  port: number
  /** The host key's fingerprint as `ssh-keygen -l` prints it. */
  hostKey: string
  user: { username: string, password: string, privateKey: string }
  /** Most sessions open at the same time so far. */
  peakSessions: () => number
  close: () => Promise<void>
}

const attrsOf = (s: Stats): { mode: number, uid: number, gid: number, size: number, atime: number, mtime: number } =>
  ({ mode: s.mode, uid: s.uid, gid: s.gid, size: s.size, atime: Math.floor(s.atimeMs / 1000), mtime: Math.floor(s.mtimeMs / 1000) })

function serveSftp (sftp: SFTPWrapper, dir: string): void {
  const handles = new Map<number, { file?: FileHandle, listing?: string[] | undefined }>()
  let next = 0
  const handle = (entry: { file?: FileHandle, listing?: string[] }): Buffer => {
    const id = next++
    handles.set(id, entry)
    const buf = Buffer.alloc(4)
    buf.writeUInt32BE(id)
    return buf
  }
  const entryOf = (h: Buffer) => (h.length === 4 ? handles.get(h.readUInt32BE(0)) : undefined)
  // Only /drop and the files directly in it exist.
  const local = (remote: string): string | undefined => {
    const path = posix.normalize(remote)
    if (path === '/drop' || path === '/drop/') return dir
    const name = path.startsWith('/drop/') ? path.slice('/drop/'.length) : undefined
    return name && !name.includes('/') ? join(dir, name) : undefined
  }
  const fail = (reqid: number): void => { sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE) }

  sftp.on('REALPATH', (reqid, path) => { sftp.name(reqid, [{ filename: posix.normalize(path === '.' ? '/drop' : path), longname: '', attrs: {} as any }]) })
  const statLike = (reqid: number, path: string): void => {
    const file = local(path)
    if (!file) { fail(reqid); return }
    stat(file).then((s) => { sftp.attrs(reqid, attrsOf(s)) }, () => { fail(reqid) })
  }
  sftp.on('STAT', statLike)
  sftp.on('LSTAT', statLike)
  sftp.on('OPEN', (reqid, filename, flags) => {
    const file = local(filename)
    if (!file || flags !== OPEN_MODE.READ) { sftp.status(reqid, file ? STATUS_CODE.PERMISSION_DENIED : STATUS_CODE.NO_SUCH_FILE); return }
    open(file, 'r').then((fh) => { sftp.handle(reqid, handle({ file: fh })) }, () => { fail(reqid) })
  })
  sftp.on('FSTAT', (reqid, h) => {
    const file = entryOf(h)?.file
    if (!file) { sftp.status(reqid, STATUS_CODE.FAILURE); return }
    file.stat().then((s) => { sftp.attrs(reqid, attrsOf(s)) }, () => { sftp.status(reqid, STATUS_CODE.FAILURE) })
  })
  sftp.on('READ', (reqid, h, offset, length) => {
    const file = entryOf(h)?.file
    if (!file) { sftp.status(reqid, STATUS_CODE.FAILURE); return }
    const buf = Buffer.alloc(length)
    file.read(buf, 0, length, offset).then(({ bytesRead }) => {
      if (bytesRead === 0) sftp.status(reqid, STATUS_CODE.EOF)
      else sftp.data(reqid, buf.subarray(0, bytesRead))
    }, () => { sftp.status(reqid, STATUS_CODE.FAILURE) })
  })
  sftp.on('OPENDIR', (reqid, path) => {
    if (local(path) !== dir) { fail(reqid); return }
    sftp.handle(reqid, handle({}))
  })
  sftp.on('READDIR', (reqid, h) => {
    const entry = entryOf(h)
    if (!entry) { sftp.status(reqid, STATUS_CODE.FAILURE); return }
    if (entry.listing !== undefined) { sftp.status(reqid, STATUS_CODE.EOF); return }
    readdir(dir).then(async (names) => {
      entry.listing = names
      const items = await Promise.all(names.map(async (name) => {
        const s = await stat(join(dir, name))
        return { filename: name, longname: `${s.isFile() ? '-' : 'd'}rw-r--r-- 1 drop drop ${s.size} Dec  1 00:00 ${name}`, attrs: attrsOf(s) }
      }))
      sftp.name(reqid, items)
    }, () => { sftp.status(reqid, STATUS_CODE.FAILURE) })
  })
  sftp.on('CLOSE', (reqid, h) => {
    const entry = entryOf(h)
    if (h.length === 4) handles.delete(h.readUInt32BE(0))
    Promise.resolve(entry?.file?.close()).then(() => { sftp.status(reqid, STATUS_CODE.OK) }, () => { sftp.status(reqid, STATUS_CODE.FAILURE) })
  })
}

export async function startSftpDrop (dir: string): Promise<SftpDropServer> {
  const host = utils.generateKeyPairSync('ed25519')
  const userKey = utils.generateKeyPairSync('ed25519')
  const allowed = utils.parseKey(userKey.public)
  if (allowed instanceof Error) throw allowed
  const hostPublic = utils.parseKey(host.public)
  if (hostPublic instanceof Error) throw hostPublic
  const user = { username: 'town-drop', password: 'drop-password-0123', privateKey: userKey.private }
  let sessions = 0
  let peak = 0
  const clients = new Set<Connection>()

  const authenticate = (ctx: AuthContext): void => {
    if (ctx.username !== user.username) { ctx.reject(); return }
    if (ctx.method === 'password' && ctx.password === user.password) { ctx.accept(); return }
    if (ctx.method === 'publickey' && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH())) {
      if (!ctx.signature) { ctx.accept(); return }
      if (allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) { ctx.accept(); return }
    }
    ctx.reject(['password', 'publickey'])
  }

  const server = new Server({ hostKeys: [host.private] }, (client) => {
    clients.add(client)
    let counted = false
    client.on('authentication', authenticate)
    client.on('ready', () => {
      counted = true
      peak = Math.max(peak, ++sessions)
      client.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => { serveSftp(acceptSftp(), dir) })
      })
    })
    client.on('close', () => {
      clients.delete(client)
      if (counted) sessions--
    })
    client.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    hostKey: `SHA256:${createHash('sha256').update(hostPublic.getPublicSSH()).digest('base64').replace(/=+$/, '')}`,
    user,
    peakSessions: () => peak,
    async close () {
      for (const c of clients) c.end()
      await new Promise<void>((resolve) => server.close(() => { resolve() }))
    },
  }
}
