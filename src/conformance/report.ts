// The report a person reads: one line per check (✓ passed, ✗ failed, – skipped and why), the
// findings of a failed check beneath it, and how to run the same fuzz inputs again.
import type { Report } from './result.ts'

const MARK = { pass: '✓', fail: '✗', skip: '–' } as const
const MAX_FINDINGS = 20

export function formatReport (report: Report): string {
  const lines = [`adapter ${report.adapter} (${report.source})${report.againstSimulator ? ', against its simulator' : ''}`]
  for (const check of report.checks) {
    lines.push(`  ${MARK[check.outcome]} ${check.name}: ${check.summary}`)
    const shown = check.outcome === 'fail' ? check.details.slice(0, MAX_FINDINGS) : []
    for (const finding of shown) lines.push(`      ${finding.replace(/\n/g, '\n      ')}`)
    if (check.outcome === 'fail' && check.details.length > shown.length) lines.push(`      … and ${check.details.length - shown.length} more (--json lists them all)`)
  }
  const failed = report.checks.filter((c) => c.outcome === 'fail').length
  const took = `${(report.durationMs / 1000).toFixed(1)} s`
  lines.push(failed === 0
    ? `${report.adapter} conforms (fuzz seed ${report.seed}, ${took})`
    : `${report.adapter} does not conform: ${failed} check(s) failed (fuzz seed ${report.seed}; --seed ${report.seed} repeats the inputs; ${took})`)
  return `${lines.join('\n')}\n`
}
