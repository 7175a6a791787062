// tap's `before`: a redis-server for this run's test files, on a free port, with 64 database
// indexes: the files take an index each (test/helpers.ts freshRedis), more than a stock Redis's
// 16. With TEST_REDIS_URL set, that server is used and none starts. Servers of runs that ended
// without their `after` (interrupted) are stopped first.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { alive, DATA_DIR, stateFile, stopServer, type SuiteRedis } from './state.ts'

await mkdir(DATA_DIR, { recursive: true })
for (const name of await readdir(DATA_DIR)) {
  const runner = Number(/^run-(\d+)\.json$/.exec(name)?.[1])
  if (runner > 0 && runner !== process.ppid && !alive(runner)) await stopServer(join(DATA_DIR, name))
}

if (process.env.TEST_REDIS_URL === undefined) {
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  const dir = join(DATA_DIR, String(process.ppid))
  await mkdir(dir, { recursive: true })
  const pidFile = join(dir, 'redis.pid')
  const daemon = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--databases', '64', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--pidfile', pidFile, '--logfile', join(dir, 'redis.log'), '--daemonize', 'yes'], { stdio: 'inherit' })
  const [code] = await once(daemon, 'exit').catch((err: Error) => [err.message]) as [number | string]
  // A daemon writes its pid file once it is up.
  let pid = 0
  for (let tries = 0; code === 0 && pid === 0 && tries < 100; tries++) {
    pid = Number(await readFile(pidFile, 'utf8').catch(() => '0'))
    if (pid === 0) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (pid === 0) {
    console.error(`test/suite-redis: redis-server did not start (${code}); install it (apt-get install redis-server) or set TEST_REDIS_URL`)
    process.exit(1)
  }
  await writeFile(stateFile(process.ppid), JSON.stringify({ url: `redis://127.0.0.1:${port}`, pid, dir } satisfies SuiteRedis))
}
