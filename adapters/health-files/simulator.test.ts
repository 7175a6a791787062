// The simulated file exchange through a real SFTP client (ssh2-sftp-client): the DEMO key, the
// host key, at most 2 sessions per user, each day's files and their `.ok` (rows and SM3 match for
// whole files, not for a truncated upload, whose rows come again whole on the next day with
// files), days without files, files deleted after `keepDays` days.
import { createHash } from 'node:crypto'
import SftpClient from 'ssh2-sftp-client'
import t, { type Test } from 'tap'
import { startSimulator, type HealthFilesSimulator, type SimulatorOptions } from './simulator.ts'
import { dayFiles, filesOnDay, type DataOptions } from './data.ts'
import { DEMO_HOST_KEY, DEMO_HOST_KEY_FINGERPRINT, DEMO_USER_KEY } from './demo-keys.ts'
import { decodeBytes } from '../../src/adapter-sdk/index.ts'
import { hostKeyFingerprint } from '../../src/department/files/sftp.ts'
import { demoSimulator } from './demo.ts'
import { householdContracted } from '../demo-story.ts'

const USER = 'hlz320412120'
const DATA: DataOptions = { seed: 3, residents: 500, rowsPerFile: 120, maxFilesPerDay: 3, startDay: '2026-11-01' }

async function sim (tt: Test, opts: Partial<SimulatorOptions> = {}): Promise<HealthFilesSimulator> {
  const s = await startSimulator({
    ...DATA,
    town: '320412120',
    users: [{ username: USER, publicKey: DEMO_USER_KEY.publicKey }],
    maxSessionsPerUser: 2,
    hostKey: DEMO_HOST_KEY,
    host: '127.0.0.1',
    port: 0,
    dayEveryMs: 0,
    truncatedRate: 0,
    keepDays: 30,
    ...opts,
  })
  tt.teardown(s.close)
  return s
}

async function connect (tt: Test, s: HealthFilesSimulator): Promise<SftpClient> {
  const client = new SftpClient('test', { error: () => {}, end: () => {}, close: () => {} })
  let presented = ''
  await client.connect({
    host: '127.0.0.1',
    port: s.port,
    username: USER,
    privateKey: DEMO_USER_KEY.privateKey,
    readyTimeout: 20_000,
    hostVerifier: (key: Buffer) => { presented = hostKeyFingerprint(key); return true },
  })
  tt.equal(presented, DEMO_HOST_KEY_FINGERPRINT, 'the server presents the DEMO host key')
  tt.teardown(async () => { await client.end().catch(() => {}) })
  return client
}

const sm3 = (bytes: Buffer): string => createHash('sm3').update(bytes).digest('hex').toUpperCase()

t.test('a day: its files, then its .ok with rows and SM3 of each; the outbox read-only; at most 2 sessions', async (t) => {
  const s = await sim(t)
  const client = await connect(t, s)
  t.same(await client.list(s.path), [], 'nothing before the first day')
  const day = await s.emit()
  t.equal(day.stamp, '20261101')
  const names = (await client.list(s.path)).map((e) => e.name).sort()
  t.same(names, [...day.files.map((f) => f.name), 'JTYSQY_20261101.ok'].sort())
  const ok = decodeBytes(await client.get(`${s.path}/JTYSQY_20261101.ok`) as Buffer, 'gb18030')
  t.match(ok, /^(JTYSQY_20261101_\d{3}\.csv,120,[0-9A-F]{64}\r\n)+$/, '{file},{rows},{SM3 hex} a line, CRLF')
  for (const line of ok.trim().split('\r\n')) {
    const [name, rows, digest] = line.split(',')
    const bytes = await client.get(`${s.path}/${name}`) as Buffer
    t.equal(sm3(bytes), digest, `${name}: SM3 matches`)
    const text = decodeBytes(bytes, 'gb18030')
    t.ok(text.startsWith('身份证号,姓名,签约状态,签约日期,到期日期,签约团队,签约机构,重点人群,联系电话,居住地址,更新时间\r\n'), 'the header, GB18030, CRLF')
    t.equal(text.split('\r\n').filter((l) => /^\d{17}[\dX],/.test(l)).length, Number(rows), 'as many rows as the .ok says')
  }
  await t.rejects(client.put(Buffer.from('x'), `${s.path}/JTYSQY_20261101_009.csv`), 'read-only')
  await connect(t, s)
  await t.rejects(connect(t, s), 'a third session of the town is refused')
  t.equal(s.peakSessions(), 2)
})

t.test('a truncated upload: its SM3 and rows do not match; the next day with files brings its rows again whole', async (t) => {
  const s = await sim(t)
  const client = await connect(t, s)
  s.failNext('truncated')
  const cut = await s.emit()
  t.ok(cut.files[0]!.truncated)
  const [first, ...rest] = cut.files
  const bytes = await client.get(`${s.path}/${first!.name}`) as Buffer
  t.not(sm3(bytes), first!.sm3, 'the truncated file does not match its .ok')
  t.ok(bytes.length > 0, 'part of it arrived')
  for (const f of rest) t.equal(sm3(await client.get(`${s.path}/${f.name}`) as Buffer), f.sm3, `${f.name}, whole, matches`)
  const next = await s.emit()
  const again = next.files.at(-1)!
  t.notOk(again.truncated)
  t.equal(again.rows, first!.rows)
  t.equal(sm3(await client.get(`${s.path}/${again.name}`) as Buffer), again.sm3, 'the re-sent file matches its .ok')
  t.ok(again.name > first!.name, `a new file on a later day (${again.name})`)
  t.throws(() => { s.failNext('garbled') }, /no fault garbled/)
})

t.test('days without files write nothing; files older than keepDays are deleted; a schedule writes days on its own', async (t) => {
  const empty = Array.from({ length: 40 }, (_, d) => d).filter((d) => filesOnDay(DATA, d) === 0)
  t.ok(empty.length > 0, `days without files: ${empty.join(', ')}`)
  const s = await sim(t, { keepDays: 5, rowsPerFile: 5 })
  const client = await connect(t, s)
  for (let i = 0; i < 12; i++) await s.emit()
  const days = s.written()
  t.ok(days.some((d) => d.files.length === 0), 'some days had no file')
  const last = days.at(-1)!.day
  const stamps = new Set((await client.list(s.path)).map((e) => e.name.slice(7, 15)))
  const kept = days.filter((d) => d.files.length > 0 && d.day > last - 5).map((d) => d.stamp)
  t.same([...stamps].sort(), kept.sort(), 'only the last 5 days are kept')
  for (const d of days.filter((x) => x.files.length === 0)) t.notOk(stamps.has(d.stamp))
  t.same(dayFiles({ ...DATA, rowsPerFile: 5 }, last).map((f) => f.name), days.at(-1)!.files.map((f) => f.name), 'the plan is the files')

  const scheduled = await sim(t, { dayEveryMs: 200 })
  const watcher = await connect(t, scheduled)
  for (let i = 0; i < 400 && scheduled.written().length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  t.ok(scheduled.written().length >= 3, 'days come on their own')
  t.ok((await watcher.list(scheduled.path)).some((e) => e.name === 'JTYSQY_20261101.ok'))
})

t.test('in the demo: household residents as the contracted, the instance the conformance kit is given reaches the server', async (t) => {
  const options = demoSimulator.options.parse({ port: 0, residentsFromHousehold: 2, rowsPerFile: 50 })
  const demo = { towns: ['320412120000'], simulators: { 'household-registration': { seed: 1, residents: 300 }, 'health-files': options } }
  if (demoSimulator.callsGateway) throw new Error('the file exchange calls nobody')
  const s = await demoSimulator.start(options, demo) as unknown as HealthFilesSimulator
  t.teardown(s.close)
  const instance = demoSimulator.instance!(options) as { files: { sftp: { port: number, path: string, hostKey: string } }, credentials: { username: string } }
  t.match(instance, { files: { sftp: { port: s.port, path: '/outbox/320412120', hostKey: DEMO_HOST_KEY_FINGERPRINT } }, credentials: { username: USER } }, 'the port it bound')
  const day = await s.emit()
  const client = await connect(t, s)
  const text = decodeBytes(await client.get(`${s.path}/${day.files[0]!.name}`) as Buffer, 'gb18030')
  const ids = new Set(text.split('\r\n').map((l) => l.slice(0, 18)))
  const residents = householdContracted(demo)!
  const inTown = [0, 2, 4, 6].map((slot) => residents(slot)).filter((p) => p !== undefined)
  t.ok(inTown.length > 0 && inTown.every((p) => ids.has(p.idNumber)), 'household residents are in the file')
  t.ok(inTown.some((p) => p.town === '320412120'), 'some of them in the demo town')
})
