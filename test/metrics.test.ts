// /metrics is valid Prometheus exposition: checked by promtool where it is installed (CI installs
// it, see .ci/run), and by the naming rule it most often trips on, without it.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { buildMessage } from '../adapters/household-registration/data.ts'
import { eventually, postSignedWebhook, startTestGateway } from './helpers.ts'

const promtool = spawnSync('promtool', ['--version']).error === undefined

t.test('GET /metrics', async (t) => {
  const { gateway } = await startTestGateway(t, { store: 'pglite', redisIndex: 0 })
  // Labelled series appear once something happened: a webhook accepted, its job completed.
  const msg = { ...buildMessage(71, 1, { records: 1, eventType: 'QR' }), msgId: `HRMETRICS${process.pid}${Date.now()}` }
  t.equal((await postSignedWebhook(gateway.url, 'household-registration', msg)).status, 202)
  const text = await eventually(async () => {
    const body = await (await fetch(`${gateway.url}/metrics`)).text()
    return /^tongban_jobs_total\{adapter="household-registration",queue="ingest",outcome="completed"\} 1$/m.test(body) ? body : undefined
  })

  t.test('only counters end in _total', async (t) => {
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => ({ name: name!, type: type! }))
    t.ok(types.length > 20, 'the defaults and ours are there')
    t.same(types.filter((m) => m.type !== 'counter' && m.name.endsWith('_total')).map((m) => m.name), [], 'no gauge (or other non-counter) is named *_total')
    t.same(types.filter((m) => m.type === 'counter' && !m.name.endsWith('_total')).map((m) => m.name), [], 'every counter is named *_total')
    t.ok(types.some((m) => m.name === 'tongban_nodejs_active_handles' && m.type === 'gauge'), 'active handles are kept, per type (sum() is the total)')
  })

  t.test('promtool check metrics', { skip: promtool ? false : 'promtool is not installed (apt-get install prometheus)' }, async (t) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { output += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { output += d })
    child.stdin.end(text)
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    t.equal(code, 0, 'promtool finds nothing to complain about', { output })
    t.equal(output.trim(), '', 'and says nothing')
  })
})
