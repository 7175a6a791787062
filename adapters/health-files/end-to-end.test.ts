// Health files end to end: the simulator's SFTP server, the platform's file drop (scheduler, queue,
// worker) with the DEMO key and host key, into PostgreSQL. A day's files land as persons and
// family-doctor facets with provenance; a truncated upload is set aside whole (TB_FILE_INTEGRITY,
// none of its rows stored) and its rows arrive with the corrected file of a later day, which
// supersedes it.
import t from 'tap'
import adapter from './adapter.ts'
import { startSimulator } from './simulator.ts'
import { contractFacts, type DataOptions } from './data.ts'
import { DEMO_HOST_KEY, DEMO_HOST_KEY_FINGERPRINT, DEMO_USER_KEY } from './demo-keys.ts'
import { eventually, stores } from '../../test/helpers.ts'
import { dropPlatform, files } from '../../test/files/drop-kit.ts'

const DATA: DataOptions = { seed: 5, residents: 100_000, rowsPerFile: 150, maxFilesPerDay: 2, startDay: '2026-11-01' }
const USER = 'hlz320412120'

t.test('family-doctor files through the file drop into PostgreSQL', async (t) => {
  const sim = await startSimulator({
    ...DATA, town: '320412120', users: [{ username: USER, publicKey: DEMO_USER_KEY.publicKey }], maxSessionsPerUser: 2, hostKey: DEMO_HOST_KEY,
    host: '127.0.0.1', port: 0, dayEveryMs: 0, truncatedRate: 0, keepDays: 30,
  })
  t.teardown(sim.close)
  const { db } = await stores.postgres(t)
  const kit = await dropPlatform(t, db, {
    redisIndex: 25,
    adapter,
    instance: {
      id: 'health-files',
      adapter: 'health-files',
      files: { sftp: { host: '127.0.0.1', port: sim.port, path: sim.path, hostKey: DEMO_HOST_KEY_FINGERPRINT, sessions: 2 } },
      credentials: { username: USER, privateKey: DEMO_USER_KEY.privateKey },
    },
  })
  const first = await sim.emit()
  await kit.start()
  const settled = async (count: number) => await eventually(async () => {
    const f = await files(db)
    return f.length === count && f.every((x) => x.status === 'done' || x.status === 'rejected') && f
  }, 120_000)
  const day1 = await settled(first.files.length)
  t.same(day1.map((f) => [f.name, f.status, f.rows_done]), first.files.map((f) => [f.name, 'done', f.rows]))

  const facetOf = async (idNumber: string) => (await db.query<{ data: Record<string, unknown>, adapter: string, source_id: string }>(
    "SELECT data, adapter, source_id FROM facet_entries WHERE subject_kind = 'person' AND subject_key = $1 AND facet = 'family-doctor'", [idNumber])).rows[0]
  const facts = contractFacts(DATA, 7)
  const entry = await facetOf(facts.idNumber)
  t.same(entry?.data, { state: facts.state, signedOn: facts.signedOn, expiresOn: facts.expiresOn, team: facts.team.normalize('NFKC').replace(/\s+/g, ' '), clinic: facts.clinic, keyGroups: facts.keyGroups })
  t.match(entry, { adapter: 'health-files', source_id: new RegExp(`^${first.files[0]!.name}#\\d+$`) }, 'provenance: the file and the line')
  const { rows: [person] } = await db.query<{ name: string, phone: string | null }>('SELECT name, phone FROM persons WHERE id_number = $1', [facts.idNumber])
  t.equal(person?.name, facts.name)

  // A truncated upload: set aside whole, reported; the next day's corrected file brings its rows.
  sim.failNext('truncated')
  const cut = await sim.emit()
  const all = first.files.length + cut.files.length
  const day2 = await settled(all)
  const truncated = day2.find((f) => f.name === cut.files[0]!.name)!
  t.match(truncated, { status: 'rejected', reason_code: 'TB_FILE_INTEGRITY', rows_done: 0 })
  const cutFrom = (await import('./data.ts')).dayFiles(DATA, cut.day)[0]!.from
  t.notOk(await facetOf(contractFacts(DATA, cutFrom).idNumber), 'none of its rows stored')
  const { rows: [aside] } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM file_inbox WHERE status = 'rejected' AND superseded_by IS NULL")
  t.equal(aside!.n, 1, 'one file set aside')

  const next = await sim.emit()
  const day3 = await settled(all + next.files.length)
  const correction = next.files.at(-1)!
  t.match(day3.find((f) => f.name === correction.name), { status: 'done', rows_done: correction.rows })
  t.ok(await facetOf(contractFacts(DATA, cutFrom).idNumber), 'the truncated rows arrive with the corrected file')
  const { rows: [left] } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM file_inbox WHERE status = 'rejected' AND superseded_by IS NULL")
  t.equal(left!.n, 0, 'the corrected file supersedes the one set aside')
  t.ok(sim.peakSessions() <= 2, `at most 2 sessions (${sim.peakSessions()})`)
})
