// The conformance checks for national-algorithm push departments, against a fixture department
// (SM4-encrypted fields, HMAC-SM3 signatures) and its broken copies: signatures verified and
// tampering refused by the platform's verifier; a wrong data key quarantines and stores nothing.
import t from 'tap'
import { formatReport } from '../../src/conformance/report.ts'
import { runChecks } from '../../src/conformance/runner.ts'
import type { CheckResult, Report } from '../../src/conformance/result.ts'
import { loadSubject } from '../../src/conformance/subject.ts'
import { fromRoot } from '../../src/paths.ts'

t.setTimeout(300_000)

const SIGNATURES = 'webhooks: SM3/SHA-256 signatures'
const ENCRYPTED = 'encrypted fields: a wrong key quarantines, never stores'

async function check (fixture: string): Promise<Report> {
  return await runChecks(await loadSubject(fromRoot('test', 'conformance', 'fixtures', `${fixture}.ts`)), { againstSimulator: true, seed: 1, configFile: undefined })
}
const named = (report: Report, name: string): CheckResult | undefined => report.checks.find((c) => c.name === name)

t.test('a department encrypting with SM4 and signing with HMAC-SM3 passes both checks', async (t) => {
  const report = await check('encrypted-push')
  t.ok(report.ok, formatReport(report))
  t.match(named(report, SIGNATURES), { outcome: 'pass', summary: /^the simulator signs v1sm3; signed v1sm3 a delivery verifies, signed v1 it is refused \(not accepted here\); a flipped signature byte, a changed body byte and a stale timestamp are refused/ })
  t.match(named(report, ENCRYPTED), { outcome: 'pass', summary: /^5 records of delivery ENC\d+ \(SFZH, SJHM\): a wrong key quarantined all \(5 TB_FIELD_DECRYPT_FAILED\) and stored nothing; the instance's key decrypted them \(5 mapped\)/ })
})

t.test('an encrypted field the adapter does not declare fails: nothing maps with the right key', async (t) => {
  const report = await check('encrypted-field-missed')
  t.notOk(report.ok)
  const encrypted = named(report, ENCRYPTED)
  t.equal(encrypted?.outcome, 'fail')
  t.match(encrypted?.details, [/^with the instance's data key none of 5 records mapped \(TB_ID_FORMAT: SFZH: /])
  t.equal(named(report, SIGNATURES)?.outcome, 'pass')
})

t.test('a simulator signing with a scheme the instance does not accept fails, naming both', async (t) => {
  const report = await check('signs-v1-not-sm3')
  t.notOk(report.ok)
  const signatures = named(report, SIGNATURES)
  t.equal(signatures?.outcome, 'fail')
  t.match(signatures?.details, [/^the simulator's delivery ENC\d+ \(signed v1\): expected it to verify, got TB_WEBHOOK_SCHEME_NOT_ACCEPTED$/])
})
