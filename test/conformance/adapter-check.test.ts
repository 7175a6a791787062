// The conformance kit: every adapter in the repository passes `tongban adapter check
// --against-simulator`, and deliberately broken copies (test/conformance/fixtures/) fail it with a
// report that says what is wrong and where. Real simulators, the platform's department client and
// PGlite; the CLI itself in a child process for exit codes and --json.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { adapters } from '../../src/config/adapters.ts'
import { fuzzInputs } from '../../src/conformance/fuzz.ts'
import { formatReport } from '../../src/conformance/report.ts'
import { runChecks } from '../../src/conformance/runner.ts'
import type { CheckResult, Report } from '../../src/conformance/result.ts'
import { loadSubject } from '../../src/conformance/subject.ts'
import { fromRoot } from '../../src/paths.ts'

t.setTimeout(600_000)

const DEMO = fromRoot('config', 'demo.yaml')
const fixture = (name: string): string => fromRoot('test', 'conformance', 'fixtures', `${name}.ts`)

async function check (target: string, againstSimulator: boolean): Promise<Report> {
  return await runChecks(await loadSubject(target), { againstSimulator, seed: 1, configFile: DEMO })
}

const named = (report: Report, start: string): CheckResult[] => report.checks.filter((c) => c.name.startsWith(start))

for (const id of Object.keys(adapters)) {
  t.test(`${id} passes adapter check --against-simulator`, async (t) => {
    const report = await check(id, true)
    t.ok(report.ok, formatReport(report))
    t.notOk(report.checks.some((c) => c.name === 'the simulator starts'), 'the simulator started')
    const adapter = adapters[id]!
    if (adapter.receive) {
      t.equal(named(report, 'webhooks:').length, 3)
      t.ok(named(report, 'webhooks:').every((c) => c.outcome === 'pass'), 'deliveries verified, parsed, unified and replayed; tampering refused')
    }
    for (const stream of Object.keys(adapter.pull ?? {})) {
      const pull = named(report, `pull ${stream}:`)
      t.equal(pull.length, 3, `paging, cursor and replay checks of ${stream}`)
      t.ok(pull.every((c) => c.outcome === 'pass'), `${stream} paged, its cursors round-tripped, a replay changed nothing`)
    }
    if (adapter.pull) t.equal(named(report, 'business codes')[0]?.outcome, 'pass', 'faults were asked for and mapped')
  })
}

t.test('an adapter no configuration names passes with the options and instance its simulator declares', async (t) => {
  const report = await check(fixture('standalone'), true)
  t.ok(report.ok, formatReport(report))
  t.match(named(report, 'pull enterprises: paged')[0]?.summary, /all 600 rows held at the start seen/)
  t.equal(named(report, 'business codes')[0]?.outcome, 'pass')
})

t.test('a simulator whose options the configuration lacks is a failed check saying what to give', async (t) => {
  const report = await runChecks(await loadSubject('market-regulation'), { againstSimulator: true, seed: 1, configFile: undefined })
  t.notOk(report.ok)
  const [start] = named(report, 'the simulator starts')
  t.match(start?.details[0], /simulators\.market-regulation\.clientId: .*give them under simulators\.market-regulation in the configuration \(--config\)/)
})

t.test('deliveries signed with a secret the instance does not hold fail, saying so', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tongban-check-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const configFile = join(dir, 'tongban.yaml')
  const secret = (text: string): string => `whsec_${Buffer.from(text).toString('base64')}`
  await writeFile(configFile, stringify({
    towns: [{ code: '320412120000', name: '武进区湟里镇' }],
    adapters: [{ id: 'household-registration', adapter: 'household-registration', webhook: { secrets: [secret('the instance holds this one')] } }],
    simulators: { 'household-registration': { deliverTo: 'household-registration', secret: secret('the department signs with this'), residents: 100 } },
  }))
  const report = await runChecks(await loadSubject('household-registration'), { againstSimulator: true, seed: 1, configFile })
  t.notOk(report.ok)
  const [delivered] = named(report, 'webhooks: the simulator')
  t.equal(delivered?.outcome, 'fail')
  t.match(delivered?.details[0], /delivery 1 to \/webhooks\/household-registration: the signature does not verify with the instance's webhook secrets \(TB_WEBHOOK_SIGNATURE_INVALID/)
})

t.test('a wrong business-code mapping fails, naming the fault and the error it should have been', async (t) => {
  const report = await check(fixture('wrong-business-code'), true)
  t.notOk(report.ok)
  const [codes] = named(report, 'business codes')
  t.equal(codes?.outcome, 'fail')
  t.match(codes?.details.join('\n'), /fault 4001 \(auth\) should throw DepartmentAuthError \(TB_DEPARTMENT_AUTH\), but fetchPage threw DepartmentUnavailableError/)
  t.equal(report.checks.filter((c) => c.outcome === 'fail').length, 1, 'nothing else is blamed')
  t.match(formatReport(report), /✗ business codes map to the right errors/)
})

t.test('a field typo fails, naming the department field and the target', async (t) => {
  const report = await check(fixture('field-typo'), false)
  t.notOk(report.ok)
  const [fields] = named(report, 'field targets')
  t.equal(fields?.outcome, 'fail')
  t.same(fields?.details, ['fields.XM maps to "nmae", which is no person field'])
})

t.test('a typo in a link\'s field map fails, naming the link, the department field and the target', async (t) => {
  const report = await check(fixture('link-typo'), false)
  t.notOk(report.ok)
  const [fields] = named(report, 'field targets')
  t.equal(fields?.outcome, 'fail')
  t.same(fields?.details, ['links[0].fields.GZDWMC maps to "nmae", which is no enterprise field'])
  t.equal(report.checks.filter((c) => c.outcome === 'fail').length, 1, 'nothing else is blamed')
})

t.test('a parse that throws TypeError fails, naming the input and the seed that repeats it', async (t) => {
  const report = await check(fixture('parse-type-error'), false)
  t.notOk(report.ok)
  const [parse] = named(report, 'receive.parse')
  t.equal(parse?.outcome, 'fail')
  t.match(parse?.details.join('\n'), /input #3 JSON null \(seed 1\) threw TypeError: Cannot read properties of null/)
  t.match(formatReport(report), /--seed 1 repeats the inputs/)
})

t.test('a fetchPage that throws TypeError on an answer it does not expect fails, naming the answer', async (t) => {
  const report = await check(fixture('page-type-error'), false)
  t.notOk(report.ok)
  const [page] = named(report, 'fetchPage')
  t.equal(page?.outcome, 'fail')
  t.match(page?.details.join('\n'), /pull enterprises: answer #3 JSON null \(seed 1\) — fetchPage threw TypeError: Cannot read properties of null/)
})

t.test('a file drop is read in chunks: the platform\'s CSV reader passes, a custom reader that throws TypeError fails', async (t) => {
  const csv = await check(fixture('files-csv'), false)
  t.ok(csv.ok, formatReport(csv))
  t.equal(named(csv, 'files:')[0]?.outcome, 'pass')
  const broken = await check(fixture('files-type-error'), false)
  t.notOk(broken.ok)
  const [files] = named(broken, 'files:')
  t.equal(files?.outcome, 'fail')
  t.match(files?.details.join('\n'), /input #3 JSON null \(seed 1\) in \d chunk\(s\) of [\d+]+ bytes: threw TypeError: Cannot read properties of null \(reading 'map'\)/)
})

t.test('the fuzzer gives the same inputs for the same seed, other inputs for another', async (t) => {
  const sample = [Buffer.from('{"msgId":"M","records":[{"A":"1"}]}')]
  t.same(fuzzInputs(7, sample), fuzzInputs(7, sample))
  t.not(JSON.stringify(fuzzInputs(7, sample)), JSON.stringify(fuzzInputs(8, sample)))
})

interface Run { code: number | null, stdout: string, stderr: string }

async function cli (args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'adapter', 'check', ...args], { cwd: fromRoot(), stdio: ['ignore', 'pipe', 'pipe'] })
  const out = { stdout: '', stderr: '' }
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out.stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { out.stderr += d })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, ...out }
}

t.test('the command: exit 1 and a readable report when a check fails, --json, exit 2 on usage errors', async (t) => {
  const failed = await cli(['test/conformance/fixtures/field-typo.ts', '--seed', '5'])
  t.equal(failed.code, 1, failed.stderr)
  t.match(failed.stdout, /✗ field targets exist: 1 field target\(s\) name nothing\n\s+fields\.XM maps to "nmae", which is no person field/)
  t.match(failed.stdout, /household-registration does not conform: 1 check\(s\) failed \(fuzz seed 5/)

  const json = await cli(['household-registration', '--json', '--seed', '5'])
  t.equal(json.code, 0, json.stderr)
  const report = JSON.parse(json.stdout) as Report
  t.equal(report.adapter, 'household-registration')
  t.equal(report.seed, 5)
  t.ok(report.ok)

  const unknown = await cli(['no-such-adapter'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /no built-in adapter "no-such-adapter"/)
  const badSeed = await cli(['household-registration', '--seed', 'x'])
  t.equal(badSeed.code, 2)
  t.match(badSeed.stderr, /--seed must be an integer/)
  const none = await cli([])
  t.equal(none.code, 2)
})
