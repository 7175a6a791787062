// The tests a scaffolded adapter starts with: its field map on generated rows, its simulator, and
// the conformance kit against the simulator — what `tongban adapter check <folder>
// --against-simulator` runs — so the folder is right from the first `npx tap`.
import type { Mode } from './options.ts'
import type { Names } from './names.ts'

/** Assertions on `results` (mapRecord of each row of `rows`): every row is its person. */
const PERSONS_MAPPED = `  t.same(results.flatMap((r) => r.ok ? [] : [r.rejection]), [], 'no row is quarantined')
  t.match(results, rows.map((row) => ({
    ok: true,
    record: {
      kind: 'person',
      key: row.ZJHM,
      sourceId: \`\${row.ZJHM}@\${row.GXSJ}\`,
      data: { idNumber: row.ZJHM, name: row.XM, divisionCode: row.XZQHDM.padEnd(12, '0'), phone: row.LXDH },
    },
  })), 'each row is its person')
`

/** The configuration the conformance run reads: the instance that talks to the simulator and the simulator's options. */
export interface CheckConfig {
  instance: Record<string, unknown>
  simulator: Record<string, unknown>
}

export function adapterTestTs (n: Names, mode: Mode, check: CheckConfig): string {
  return `// ${n.department}: the field map on generated rows, and the conformance kit against the simulator
// (what \`tongban adapter check <this folder> --against-simulator\` runs).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { stringify } from 'yaml'
import { formatReport } from '${n.src}/conformance/report.ts'
import { runChecks } from '${n.src}/conformance/runner.ts'
import { loadSubject } from '${n.src}/conformance/subject.ts'
import { mapRecord } from '${n.src}/pipeline/map.ts'
import adapter, { toRawRecord } from './adapter.ts'
import { rowAt } from './data.ts'

const FOLDER = fileURLToPath(new URL('.', import.meta.url))

/** The instance (test credentials) and, matching it, the simulator the conformance run starts. */
const INSTANCE = ${JSON.stringify({ id: n.id, ...check.instance })}
const SIMULATOR = ${JSON.stringify(check.simulator)}

t.test('generated rows map to persons', async (t) => {
  const rows = Array.from({ length: 200 }, (_, i) => rowAt(1, i))
  const results = rows.map((row) => mapRecord(adapter, toRawRecord(row, new Date())))
${PERSONS_MAPPED}})

t.test('tongban adapter check --against-simulator', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), '${n.id}-check-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const configFile = join(dir, 'tongban.yaml')
  await writeFile(configFile, stringify({
    towns: [{ code: '320412120000', name: '湟里镇' }],
    adapters: [{ ...INSTANCE, path: FOLDER }],
    simulators: { [adapter.id]: SIMULATOR },
  }))
  const report = await runChecks(await loadSubject(FOLDER), { againstSimulator: true, seed: 1, configFile })
  t.comment(formatReport(report))
  t.ok(report.ok, 'the adapter conforms')
  t.ok(report.checks.some((c) => c.outcome === 'pass' && c.name.startsWith('${mode === 'pull' ? 'pull ' : 'webhooks: '}')), 'the ${mode === 'pull' ? 'paging' : 'webhook'} checks ran against the simulator')
})
`
}

export function pullSimulatorTestTs (n: Names, checked: boolean, simulator: Record<string, unknown>): string {
  return `// The simulated ${n.department} on its own: the register it pages${checked ? ' and the caller it refuses' : ''}.
import t from 'tap'
import { rowAt } from './data.ts'
import { SimulatorOptions } from './demo.ts'
import { startSimulator } from './simulator.ts'

const PAGE = '/api/v1/persons?updatedAfter=20000101000000&pageNo=1&pageSize=10'

t.test('the simulator serves its register', async (t) => {
  const sim = await startSimulator(SimulatorOptions.parse({ ...${JSON.stringify(simulator)}, rows: 50, churnPerRequest: 0 }))
  t.teardown(sim.close)
  t.equal(sim.rowKeys().length, 50)
  t.same(sim.rowAt(7), rowAt(1, 7), 'rows are the generator\\'s')
  const answer = await (await fetch(sim.url + PAGE)).json() as { code: string, data: { list: unknown[] } | null }
${checked
  ? "  t.equal(answer.code, '4001', 'a caller without credentials is refused')"
  : "  t.equal(answer.code, '0000')\n  t.same(answer.data?.list, Array.from({ length: 10 }, (_, i) => rowAt(1, i)), 'the first page is the first rows in update order')"}
  sim.failNext('503')
  t.equal((await fetch(sim.url + PAGE)).status, 503, 'a queued fault is served once')
})
`
}

export function pushSimulatorTestTs (n: Names, secret: string): string {
  return `// The simulated ${n.department} on its own: what it delivers, signed, to a subscriber.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { secretKey, verify } from '${n.src}/crypto/webhook-signature.ts'
import { parse } from './adapter.ts'
import { rowAt } from './data.ts'
import { SimulatorOptions } from './demo.ts'
import { startSimulator } from './simulator.ts'

const SECRET = '${secret}'

t.test('the simulator delivers batches of its register, signed', async (t) => {
  const received: Array<{ headers: Record<string, string | string[] | undefined>, body: Buffer }> = []
  const subscriber = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => { received.push({ headers: req.headers, body: Buffer.concat(chunks) }); res.writeHead(204).end() })
  })
  await new Promise<void>((resolve) => subscriber.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { subscriber.close() })
  const url = \`http://127.0.0.1:\${(subscriber.address() as AddressInfo).port}/webhooks/${n.id}\`
  const sim = await startSimulator({ ...SimulatorOptions.parse({ secret: SECRET, batch: 5 }), subscriber: { url, secret: SECRET } })
  t.teardown(sim.close)
  const msgId = sim.emit()
  await sim.settled()
  t.equal(received.length, 1)
  const { headers, body } = received[0]!
  t.equal(headers['webhook-id'], msgId)
  t.doesNotThrow(() => verify([secretKey(SECRET)], { id: String(headers['webhook-id']), timestamp: String(headers['webhook-timestamp']), signature: String(headers['webhook-signature']) }, body, Date.now() / 1000), 'signed with the subscriber secret')
  t.same(parse(body, { receivedAt: new Date() }).map((raw) => raw.fields), Array.from({ length: 5 }, (_, i) => rowAt(1, i)), 'the next rows of the register')
})
`
}

export function filesAdapterTestTs (n: Names): string {
  return `// ${n.department}: a dropped file is whole and its rows map to persons (read as the platform
// reads it, streaming), and the conformance kit's checks (\`tongban adapter check <this folder>\`).
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { manifestName, type RawRecord } from '${n.sdk}/index.ts'
import { readFileRecords } from '${n.sdk}/file-reader.ts'
import { formatReport } from '${n.src}/conformance/report.ts'
import { runChecks } from '${n.src}/conformance/runner.ts'
import { loadSubject } from '${n.src}/conformance/subject.ts'
import { mapRecord } from '${n.src}/pipeline/map.ts'
import adapter from './adapter.ts'
import { rowAt } from './data.ts'
import { SimulatorOptions } from './demo.ts'
import { startSimulator } from './simulator.ts'

const FOLDER = fileURLToPath(new URL('.', import.meta.url))

t.test('a dropped file is whole and its rows map to persons', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), '${n.id}-drop-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const sim = await startSimulator(SimulatorOptions.parse({ dir, batch: 200 }))
  t.teardown(sim.close)
  const drop = adapter.files!
  const name = await sim.emit()
  t.match(name, drop.match, 'the drop takes the file')
  const bytes = await readFile(join(dir, name))
  const manifest = await readFile(join(dir, manifestName(drop.manifest!, name)))
  t.same(drop.manifest!.parse(manifest, name), { rows: 200, digest: { algorithm: 'sm3', hex: createHash('sm3').update(bytes).digest('hex') } }, 'the manifest tells the file')

  const raws: RawRecord[] = []
  for await (const raw of readFileRecords(drop, (async function * () { yield bytes })(), { name, size: bytes.length, modifiedAt: new Date() })) raws.push(raw)
  const rows = Array.from({ length: 200 }, (_, i) => rowAt(1, i))
  const results = raws.map((raw) => mapRecord(adapter, raw))
${PERSONS_MAPPED}})

t.test('tongban adapter check', async (t) => {
  const report = await runChecks(await loadSubject(FOLDER), { againstSimulator: false, seed: 1, configFile: undefined })
  t.comment(formatReport(report))
  t.ok(report.ok, 'the adapter conforms')
})
`
}

export function filesSimulatorTestTs (n: Names): string {
  return `// The simulated ${n.department} on its own: the files it drops.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { decodeBytes } from '${n.sdk}/index.ts'
import { rowAt } from './data.ts'
import { SimulatorOptions } from './demo.ts'
import { COLUMNS, startSimulator } from './simulator.ts'

t.test('the simulator drops GB18030 CSV files of its register, each with its manifest', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), '${n.id}-sim-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const sim = await startSimulator(SimulatorOptions.parse({ dir, batch: 3, rows: 4 }))
  t.teardown(sim.close)
  const first = await sim.emit()
  const second = await sim.emit()
  t.same((await readdir(dir)).sort(), [first, first + '.ok', second, second + '.ok'].sort(), 'files and manifests, nothing half-written')
  const lines = decodeBytes(await readFile(join(dir, first)), 'gb18030').split('\\r\\n')
  t.same(lines, [COLUMNS.join(','), ...[0, 1, 2].map((i) => COLUMNS.map((c) => rowAt(1, i)[c]).join(',')), ''])
  t.match(decodeBytes(await readFile(join(dir, second)), 'gb18030'), rowAt(1, 3).ZJHM, 'the next file goes on with the register')
})
`
}
