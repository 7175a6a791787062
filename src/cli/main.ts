// The `tongban` command.
import { parseArgs } from 'node:util'
import { isTongbanError } from '../errors.ts'
import { createLogger } from '../log.ts'
import { readSettings, type Settings } from '../runtime/settings.ts'
import { fromRoot } from '../paths.ts'
import type { Config } from '../config/schema.ts'
import { CliError, gatewayClient } from './gateway.ts'
import { startTracing, stopTracing } from '../telemetry/index.ts'

// Commands load what they need when they run: `tongban normalize` starts in a blink.

const USAGE = `Usage: tongban <command> [options]

Commands:
  start [--no-workers]        gateway, all adapter workers (unless --no-workers) and configured simulators
  start --role api|worker|scheduler|all [--adapter <id>]...
                              one part only (needs DATABASE_URL and REDIS_URL): api the HTTP server, worker the
                              workers (of --adapter's instances), scheduler schedules and sweeps; all (default) everything
  worker --adapter <id> ...   workers of the given adapter instances only (needs DATABASE_URL and REDIS_URL)
  migrate                     apply database migrations (through the running gateway on the embedded database)
  normalize <kind> [value]    normalise a value (or lines of standard input) and print JSON:
                              kinds id, credit-code, division, date, phone, gender, ethnicity, name, capital
  audit verify [--anchor <chain>:<seq>:<hash>]...
                              check every county's hash chain and every signed root; one line of JSON, exit 0
                              sound, 1 broken (through the running gateway with an auditor's token in TONGBAN_API_TOKEN)
  audit export --month YYYY-MM --out <file>
                              write a month of the audit log as JSON lines with its hashes; records the file's SM3
  audit detach --month YYYY-MM
                              drop an exported month past retention (TONGBAN_AUDIT_RETENTION_MONTHS, 36) from the log;
                              exit 1 with TB_AUDIT_DETACH_REFUSED otherwise
  vault status                data keys, secrets per key and algorithm, whether the master key fits
                              (the running gateway's, when one holds the embedded database)
  vault rotate [--new-master-key-file <path>]
                              seal every vault secret again under a new data key (and master key)
  staff add|disable|enable|reset-password|list, token create|revoke|list
                              staff accounts and API tokens (see README: One login)
  adapter new <id> --mode push|pull|files --transport http-json|http-xml|sftp|local --auth <strategy> [--dir <where>]
                              a new department's adapter folder: adapter, data, simulator, demo options and tests
  adapter list [--config <file>] [--json]
                              the adapters the configuration loads, what each does and where it came from
  adapter check <id|path> [--against-simulator] [--config <file>] [--seed <n>] [--json]
                              conformance checks of an adapter (with its simulator); exit 0 conforms, 1 not, 2 usage
  calendar check [--year <year>] [--config <file>]
                              the working-day calendar's years and their notices; exit 1 when the current or
                              next year (or --year) is not covered
  help                        this text

Environment: PORT, HOST, TONGBAN_DATA_DIR, TONGBAN_CONFIG, REDIS_URL, DATABASE_URL, TONGBAN_ADMIN_TOKEN, TONGBAN_API_TOKEN,
TONGBAN_ROLE, TONGBAN_SWEEP_EVERY_MS, TONGBAN_INBOX_RETENTION_MONTHS, TONGBAN_DEMO_HOUSEHOLD_SECRET, LOG_LEVEL. See README.md.`

function onSignals (stop: () => Promise<void>): void {
  let stopping = false
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    process.stderr.write(`tongban: ${signal} received, draining in-flight work…\n`)
    // Spans are flushed last, those of the shutdown with them.
    stop().finally(stopTracing).then(() => { process.stderr.write('tongban: stopped\n'); process.exit(0) }, (err: unknown) => { process.stderr.write(`tongban: shutdown failed: ${String(err)}\n`); process.exit(1) })
  }
  process.once('SIGTERM', handler)
  process.once('SIGINT', handler)
}

/**
 * The one line a person reads at start-up, on stderr like the other lines meant for people
 * (stdout is the JSON log). The demo's own configuration gets its published sign-in.
 */
function startedLine (url: string, settings: Settings, config: Config): string {
  const demo = settings.configPath === fromRoot('config', 'demo.yaml')
  const window = demo ? config.seedStaff?.find((s) => s.roles.includes('window-staff')) : undefined
  return window
    ? `tongban: open ${url}/ and sign in as ${window.username} / ${window.password}\n`
    : `tongban: listening on ${url}/\n`
}

async function migrateCommand (): Promise<void> {
  const settings = readSettings()
  const gateway = await gatewayClient(settings)
  if (gateway) {
    // PGlite belongs to the gateway process: ask it to run the migrations.
    const { applied } = await gateway.call<{ applied: string[] }>('POST', '/admin/migrate')
    process.stdout.write(`migrations applied through the running gateway (pid ${gateway.pid}): ${applied.join(', ') || 'none pending'}\n`)
    return
  }
  const { openDb } = await import('../store/db.ts')
  const { migrate } = await import('../store/migrate.ts')
  const db = await openDb(settings)
  try {
    const applied = await migrate(db)
    process.stdout.write(`migrations applied on ${db.kind}: ${applied.join(', ') || 'none pending'}\n`)
  } finally {
    await db.close()
  }
}

async function main (argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  // Before the runtime is imported: the instrumentations patch pg and ioredis as they load.
  if (command === 'start' || command === 'worker') await startTracing()
  switch (command) {
    case 'start': {
      const { values } = parseArgs({ args: rest, options: { 'no-workers': { type: 'boolean', default: false }, role: { type: 'string' }, adapter: { type: 'string', multiple: true } } })
      const { roleOf, startRole } = await import('../runtime/roles.ts')
      const chosen = roleOf(values.role)
      const misuse = 'usage' in chosen
        ? chosen.usage
        : values.adapter && chosen.role !== 'worker' ? '--adapter goes with --role worker' : values['no-workers'] && chosen.role !== 'all' ? '--no-workers goes with the role all' : undefined
      if (misuse || 'usage' in chosen) {
        process.stderr.write(`tongban: ${misuse}\n\n${USAGE}\n`)
        process.exitCode = 2
        return
      }
      const { role } = chosen
      const settings = readSettings()
      const logger = role === 'all' ? createLogger() : createLogger({ base: { service: `tongban-${role}` } })
      const running = await startRole(role, settings, logger, { workers: !values['no-workers'], adapters: values.adapter })
      onSignals(running.stop)
      process.stderr.write(running.config ? startedLine(running.url, settings, running.config) : `tongban: ${role} answering /livez, /readyz and /metrics on ${running.url}/\n`)
      return
    }
    case 'worker': {
      const { values } = parseArgs({ args: rest, options: { adapter: { type: 'string', multiple: true } } })
      const { startWorkerProcess } = await import('../runtime/worker.ts')
      const worker = await startWorkerProcess(readSettings(), values.adapter ?? [], createLogger({ base: { service: 'tongban-worker' } }))
      onSignals(worker.stop)
      return
    }
    case 'migrate':
      await migrateCommand()
      return
    case 'normalize': {
      const { normalizeCommand } = await import('./normalize.ts')
      process.exitCode = await normalizeCommand(rest, process.stdin, process.stdout)
      return
    }
    case 'audit': {
      const { auditCommand } = await import('./audit.ts')
      process.exitCode = await auditCommand(rest, process.stdout, process.stderr)
      return
    }
    case 'vault': {
      const { vaultCommand } = await import('./vault.ts')
      process.exitCode = await vaultCommand(rest, process.stdout, process.stderr)
      return
    }
    case 'staff':
    case 'token': {
      const { staffCommand } = await import('./staff.ts')
      process.exitCode = await staffCommand(command, rest, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr })
      return
    }
    case 'adapter': {
      const [verb, ...args] = rest
      if (verb === 'check') {
        const { adapterCheckCommand } = await import('./adapter-check.ts')
        process.exitCode = await adapterCheckCommand(args, { stdout: process.stdout, stderr: process.stderr })
        return
      }
      if (verb === 'list') {
        const { adapterListCommand } = await import('./adapter-list.ts')
        process.exitCode = await adapterListCommand(args, { stdout: process.stdout, stderr: process.stderr })
        return
      }
      if (verb === 'new') {
        const { adapterNewCommand } = await import('./adapter-new.ts')
        process.exitCode = await adapterNewCommand(args, { stdout: process.stdout, stderr: process.stderr })
        return
      }
      process.stderr.write(`tongban: unknown adapter command "${verb ?? ''}"\n\n${USAGE}\n`)
      process.exitCode = 2
      return
    }
    case 'calendar': {
      const { calendarCommand } = await import('./calendar.ts')
      process.exitCode = await calendarCommand(rest, { stdout: process.stdout, stderr: process.stderr })
      return
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`)
      return
    default:
      process.stderr.write(`tongban: unknown command "${command}"\n\n${USAGE}\n`)
      process.exitCode = 2
  }
}

/** What a person can act on, in one line; undefined for a bug (then the stack helps). */
function refusal (err: unknown): string | undefined {
  if (isTongbanError(err)) return `${err.code}: ${err.message}`
  if (err instanceof CliError) return err.code ? `${err.code}: ${err.message}` : err.message
  return undefined
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`tongban: ${(err as Error).message}; see tongban help\n`)
    process.exit(2)
  }
  process.stderr.write(`tongban: ${refusal(err) ?? (err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
