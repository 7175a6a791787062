// `tongban adapter check <id|path> [--against-simulator]`: the conformance kit for integrators.
// Prints a report (✓/✗ per check, what is wrong and where) or, with --json, the report as JSON;
// exits 0 when the adapter conforms, 1 when a check failed, 2 on a usage error.
import { parseArgs } from 'node:util'
import { fromRoot } from '../paths.ts'

export const ADAPTER_CHECK_USAGE = `Usage: tongban adapter check <id|path> [--against-simulator] [--config <file>] [--seed <n>] [--json]
  <id|path>            a built-in adapter's id, or a folder or file whose default export is an adapter
  --against-simulator  also start the adapter's simulator and page, receive, fault and call against it
  --config <file>      where the simulator's options and the instance that talks to it are (default config/demo.yaml)
  --seed <n>           the fuzzer's seed (default: random; the report prints it)
  --json               print the report as JSON`

interface Streams { stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream }

/** Returns the exit code. */
export async function adapterCheckCommand (args: readonly string[], io: Streams): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        'against-simulator': { type: 'boolean', default: false },
        config: { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    })
  } catch (err) {
    io.stderr.write(`tongban: ${(err as Error).message}\n${ADAPTER_CHECK_USAGE}\n`)
    return 2
  }
  const { values, positionals } = parsed
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed)
  if (positionals.length !== 1 || !Number.isSafeInteger(seed)) {
    io.stderr.write(`${positionals.length !== 1 ? 'tongban: name one adapter\n' : `tongban: --seed must be an integer, not "${values.seed ?? ''}"\n`}${ADAPTER_CHECK_USAGE}\n`)
    return 2
  }
  const { loadSubject, SubjectError } = await import('../conformance/subject.ts')
  const { runChecks } = await import('../conformance/runner.ts')
  const { formatReport } = await import('../conformance/report.ts')
  let subject
  try {
    subject = await loadSubject(positionals[0]!)
  } catch (err) {
    if (!(err instanceof SubjectError)) throw err
    io.stderr.write(`tongban: ${err.message}\n`)
    return 2
  }
  const report = await runChecks(subject, {
    againstSimulator: values['against-simulator'],
    seed,
    configFile: values.config ?? fromRoot('config', 'demo.yaml'),
  })
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report))
  return report.ok ? 0 : 1
}
