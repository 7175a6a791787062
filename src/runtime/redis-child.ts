// The embedded default: a private redis-server child with its data (AOF, fsync every second)
// under the data dir, on a free loopback port, stopped with the gateway.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { join } from 'node:path'
import { TongbanError } from '../errors.ts'

export interface RedisChild {
  url: string
  stop: () => Promise<void>
}

/** A TCP port on loopback that nothing listens on right now. */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => { resolve(port) })
    })
  })
}

async function answersPing (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.setTimeout(500)
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (d) => { socket.destroy(); resolve(d.toString().startsWith('+PONG')) })
    socket.once('error', () => { resolve(false) })
    socket.once('timeout', () => { socket.destroy(); resolve(false) })
  })
}

// A gateway killed with SIGKILL leaves its child behind; stop it before starting anew.
async function stopStale (pidFile: string): Promise<void> {
  const pid = Number(await readFile(pidFile, 'utf8').catch(() => ''))
  if (!pid) return
  try { process.kill(pid, 'SIGTERM') } catch { return }
  for (let i = 0; i < 50; i++) {
    try { process.kill(pid, 0) } catch { break }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await rm(pidFile, { force: true })
}

export async function startRedisChild (dataDir: string, opts: { port?: number } = {}): Promise<RedisChild> {
  const dir = join(dataDir, 'redis')
  await mkdir(dir, { recursive: true })
  const pidFile = join(dir, 'redis.pid')
  await stopStale(pidFile)
  const port = opts.port ?? await freePort()
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--pidfile', pidFile,
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
    '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--logfile', join(dir, 'redis.log'),
  ]
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code) }))
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new TongbanError('TB_REDIS_SERVER_MISSING') : err)
    })
  })
  for (let i = 0; ; i++) {
    if (await answersPing(port)) break
    if (child.exitCode !== null || i > 100) {
      child.kill('SIGKILL')
      throw new Error(`redis-server did not start on port ${port}; see ${join(dir, 'redis.log')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop () {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}
