// SIGTERM ends the gateway within its bound even when Redis is gone: the workers' drain waits on
// Redis, so it is cut short, and the log says what was abandoned.
import t from 'tap'
import { join } from 'node:path'
import { freePort } from '../src/runtime/redis-child.ts'
import { freshPostgresUrl } from './helpers.ts'
import { householdProcessSetup, startGatewayProcess } from './processes.ts'

t.setTimeout(300_000)

t.test('a gateway whose Redis is gone stops on SIGTERM within the bound', async (t) => {
  const { dir, configPath, redis, redisUrl } = await householdProcessSetup(t, 'whsec_c3RvcC10ZXN0LXNlY3JldC1vZi1pdHMtb3du')
  const port = await freePort()
  const gateway = await startGatewayProcess(t, `http://127.0.0.1:${port}`, {
    TONGBAN_DATA_DIR: join(dir, 'data'), TONGBAN_CONFIG: configPath, DATABASE_URL: await freshPostgresUrl(t), REDIS_URL: redisUrl,
    PORT: String(port), HOST: '127.0.0.1', TONGBAN_ADMIN_TOKEN: 'test-admin-token-0123456789',
  })

  redis.kill('SIGKILL')
  await new Promise((resolve) => redis.once('exit', resolve))
  // Let the workers find out that Redis is gone.
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const sent = Date.now()
  gateway.child.kill('SIGTERM')
  // Without the bound it never exits: give up (and fail) after a while.
  const exit = await Promise.race([gateway.exited, new Promise<string>((resolve) => setTimeout(() => { resolve('still running after 30 s') }, 30_000).unref())])
  const tookMs = Date.now() - sent
  t.same(exit, { code: 0, signal: null }, 'exits 0', { stderr: gateway.output.stderr })
  // The bound is 8 s (5 s of it for the workers' drain); the rest is the process ending.
  t.ok(tookMs < 12_000, `stopped within 12 s (took ${tookMs} ms)`)
  const log = gateway.output.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
  t.match(log.find((l) => typeof l.msg === 'string' && l.msg.startsWith('workers did not drain in time')), { level: 40, drainMs: 5000, abandoned: Array }, 'the log says the drain was cut short and what it abandoned')
  t.match(gateway.output.stderr, /tongban: stopped/)
})
