// The conformance kit's file-integrity check against a file-drop simulator (a directory drop): the
// files each emit writes are imported once with their manifest's rows; after failNext of a fault
// meaning 'integrity' the truncated file is set aside whole; the next emit's correction is imported
// and clears it — and an adapter that cannot tell the correction fails, saying what to declare.
import t from 'tap'
import { formatReport } from '../../src/conformance/report.ts'
import { runChecks } from '../../src/conformance/runner.ts'
import { loadSubject } from '../../src/conformance/subject.ts'
import { fromRoot } from '../../src/paths.ts'

t.setTimeout(300_000)

const fixture = (name: string): string => fromRoot('test', 'conformance', 'fixtures', `${name}.ts`)
const NAME = 'files: integrity against the simulator'

t.test('a file-drop adapter and its simulator pass the file-integrity check', async (t) => {
  const report = await runChecks(await loadSubject(fixture('files-daily')), { againstSimulator: true, seed: 1, configFile: undefined })
  const check = report.checks.find((c) => c.name === NAME)
  t.equal(check?.outcome, 'pass', formatReport(report))
  t.match(check?.summary, /^1 file\(s\) imported once, each with its manifest's rows; failNext\('truncated'\): RK_20261113_001\.csv set aside whole \(TB_FILE_INTEGRITY\); the correction RK_20261114_001\.csv, RK_20261114_002\.csv imported and clears it$/)
  t.equal(report.checks.find((c) => c.name.startsWith('business codes'))?.outcome, 'skip', 'an integrity fault is not asked of pages')
})

t.test('an adapter that cannot tell a correction sent as a new file fails, saying what to declare', async (t) => {
  const report = await runChecks(await loadSubject(fixture('files-daily-no-corrects')), { againstSimulator: true, seed: 1, configFile: undefined })
  const check = report.checks.find((c) => c.name === NAME)
  t.equal(check?.outcome, 'fail')
  t.same(check?.details, ['RK_20261113_001.csv: still set aside after the correction (RK_20261114_001.csv, RK_20261114_002.csv) was imported: a department that sends corrections as new files needs files.corrects'])
})

t.test('an adapter taking no files skips it', async (t) => {
  const report = await runChecks(await loadSubject('market-regulation'), { againstSimulator: true, seed: 1, configFile: fromRoot('config', 'demo.yaml') })
  t.match(report.checks.find((c) => c.name === NAME), { outcome: 'skip', summary: 'the adapter takes no file drops' })
})
