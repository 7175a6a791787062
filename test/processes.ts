// Whole processes for tests that crash things: a redis-server the test may kill or wipe, and a
// `tongban start` gateway the test may kill -9.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { freePort } from '../src/runtime/redis-child.ts'
import { eventually, tempDir } from './helpers.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** A redis-server of the test's own on `port`, persisting nothing; answers PING when this returns. */
export async function startRedisServer (port: number, dir: string): Promise<ChildProcess> {
  await mkdir(dir, { recursive: true })
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  await eventually(async () => {
    const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    r.on('error', () => {}) // refused until the server is up: that is what this loop waits for
    try { await r.connect(); return (await r.ping()) === 'PONG' } catch { return false } finally { r.disconnect() }
  }, 10_000, 50)
  return child
}

/**
 * What a test of `tongban start` processes begins with: a temp dir, a redis-server of its own
 * (killed at teardown) and a configuration of the demo town with one household-registration
 * instance taking webhooks signed with `secret`.
 */
export async function householdProcessSetup (t: { teardown: (fn: () => unknown) => void }, secret: string): Promise<{ dir: string, configPath: string, redis: ChildProcess, redisPort: number, redisUrl: string }> {
  const dir = await tempDir(t)
  const redisPort = await freePort()
  const redis = await startRedisServer(redisPort, join(dir, 'redis'))
  t.teardown(() => { redis.kill('SIGKILL') })
  const configPath = join(dir, 'tongban.yaml')
  await writeFile(configPath, [
    'towns:',
    '  - { code: "320412120000", name: 武进区湟里镇 }',
    'adapters:',
    `  - { id: household-registration, adapter: household-registration, webhook: { secrets: [ "${secret}" ] } }`,
    '',
  ].join('\n'))
  return { dir, configPath, redis, redisPort, redisUrl: `redis://127.0.0.1:${redisPort}` }
}

export interface GatewayProcess {
  child: ChildProcess
  output: { stdout: string, stderr: string }
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/**
 * `tongban start` in a child process with `env` (on top of PATH and the master key), answering
 * /healthz on `url` when this returns. Killed at teardown if still running.
 */
export async function startGatewayProcess (t: { teardown: (fn: () => unknown) => void }, url: string, env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TONGBAN_MASTER_KEY: process.env.TONGBAN_MASTER_KEY ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output = { stdout: '', stderr: '' }
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { output.stdout += d })
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { output.stderr += d })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => { resolve({ code, signal }) }))
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGKILL')
    await exited
  })
  for (const until = Date.now() + 120_000; ;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the gateway exited (${child.exitCode ?? child.signalCode}) while starting; stderr: ${output.stderr}`)
    if (await fetch(`${url}/healthz`).then((res) => res.ok, () => false)) break
    if (Date.now() > until) throw new Error(`the gateway did not answer /healthz within 120 s; stderr: ${output.stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return { child, output, exited }
}
