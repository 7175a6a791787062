// The cases API on the embedded PGlite (a smoke test: open, move, list, read), and a start-up
// that a bad calendar file stops with its catalogue code.
import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Config } from '../../src/config/schema.ts'
import { startGateway } from '../../src/runtime/gateway.ts'
import { BOOTSTRAP_TOKEN, callApi, captureLogger, freshRedis, tempDir } from '../helpers.ts'
import { TASK_CODE, TOWN, matter, residentIdOf } from './fixtures.ts'
import { startCasesGateway } from './api-kit.ts'

t.test('open, accept, list and read a case on PGlite', async (t) => {
  const { base, auth } = await startCasesGateway(t, { redisIndex: 23, store: 'pglite' })
  const headers = await auth(['window-staff'])
  const id = residentIdOf('19800101', '123')
  const opened = await callApi(base, 'POST', '/api/v1/cases', {
    headers,
    body: { taskHandleItem: matter().taskHandleItem, applicant: { kind: 'person', key: id }, formData: { name: '张三', idNumber: id, phone: '13912345678', reason: '意外事件' } },
  })
  t.equal(opened.status, 201, opened.text)
  t.match(opened.body.projectNo, new RegExp(`^${TASK_CODE}\\d{8}0001$`))
  const moved = await callApi(base, 'POST', `/api/v1/cases/${opened.body.projectNo as string}/transitions`, { headers, body: { action: 'accept' } })
  t.match(moved.body, { event: { action: 'accept', to: 'processing' }, case: { state: 'processing', town: TOWN } })
  const list = await callApi(base, 'GET', '/api/v1/cases?state=processing', { headers })
  t.strictSame(list.body.items.map((c: { projectNo: string }) => c.projectNo), [opened.body.projectNo])
  t.equal((await callApi(base, 'GET', `/api/v1/cases/${opened.body.projectNo as string}/events`, { headers })).body.items.length, 2)
})

t.test('a bad calendar file stops the start with TB_CALENDAR_FILE_INVALID', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, '2027.json')
  await writeFile(file, JSON.stringify({ year: 2027, source: { title: '国务院办公厅关于2027年部分节假日安排的通知' }, holidays: [{ date: '2026-01-01', name: '元旦' }] }))
  const config = Config.parse({ towns: [{ code: TOWN, name: '湟里镇' }], adapters: [], calendar: { files: ['2027.json'] } }) // relative to the configuration file's folder
  const err = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), configPath: join(dir, 'tongban.yaml'), redisUrl: await freshRedis(t, 24), databaseUrl: undefined, adminToken: BOOTSTRAP_TOKEN,
  }, { config, logger: captureLogger().logger }).then(async (g) => { await g.stop(); return undefined }, (e: unknown) => e) as { code?: string, message?: string } | undefined
  t.equal(err?.code, 'TB_CALENDAR_FILE_INVALID')
  t.match(err?.message, /2027\.json/)
  t.match(err?.message, /2026-01-01 is not in 2027/)
})
