// The `tongban` command.
import { parseArgs } from 'node:util'
import { isTongbanError } from '../errors.ts'
import { createLogger } from '../log.ts'
import { readSettings, type Settings } from '../runtime/settings.ts'
import { fromRoot } from '../runtime/paths.ts'
import type { Config } from '../config/schema.ts'
import { runningGateway, type GatewayInfo } from '../runtime/data-dir-lock.ts'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

// Commands load what they need when they run: `tongban normalize` starts in a blink.

const USAGE = `Usage: tongban <command> [options]

Commands:
  start [--no-workers]        gateway, all adapter workers (unless --no-workers) and configured simulators
  worker --adapter <id> ...   workers of the given adapter instances only (needs DATABASE_URL and REDIS_URL)
  migrate                     apply database migrations (through the running gateway on the embedded database)
  normalize <kind> [value]    normalise a value (or lines of standard input) and print JSON:
                              kinds id, credit-code, division, date, phone, gender, ethnicity, name, capital
  audit verify [--anchor <id>:<hash>]...
                              check the audit log's hash chain; one line of JSON, exit 0 sound, 1 broken
  vault status                data keys, secrets per key and algorithm, whether the master key fits
  vault rotate [--new-master-key-file <path>]
                              seal every vault secret again under a new data key (and master key)
  staff add|disable|enable|reset-password|list, token create|revoke|list
                              staff accounts and API tokens (see README: One login)
  help                        this text

Environment: PORT, HOST, TONGBAN_DATA_DIR, TONGBAN_CONFIG, REDIS_URL, DATABASE_URL, TONGBAN_ADMIN_TOKEN,
TONGBAN_DEMO_HOUSEHOLD_SECRET, LOG_LEVEL. See README.md.`

function onSignals (stop: () => Promise<void>): void {
  let stopping = false
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    process.stderr.write(`tongban: ${signal} received, draining in-flight work…\n`)
    stop().then(() => { process.stderr.write('tongban: stopped\n'); process.exit(0) }, (err: unknown) => { process.stderr.write(`tongban: shutdown failed: ${String(err)}\n`); process.exit(1) })
  }
  process.once('SIGTERM', handler)
  process.once('SIGINT', handler)
}

/** The running gateway of this data dir, once it listens (it may be starting right now). */
async function gatewayUrl (dataDir: string): Promise<Required<GatewayInfo> | undefined> {
  for (let waited = 0; ; waited += 250) {
    const info = await runningGateway(dataDir)
    if (!info) return undefined
    if (info.url) return { pid: info.pid, url: info.url }
    if (waited === 0) process.stderr.write(`tongban: the gateway (pid ${info.pid}) is starting; waiting for it…\n`)
    if (waited > 120_000) throw new Error(`the gateway (pid ${info.pid}) has not started listening after two minutes`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
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
  if (!settings.databaseUrl) {
    const gateway = await gatewayUrl(settings.dataDir)
    if (gateway) {
      // PGlite belongs to the gateway process: ask it to run the migrations.
      const token = settings.adminToken ?? (await readFile(join(settings.dataDir, 'admin-token'), 'utf8')).trim()
      const res = await fetch(`${gateway.url}/api/v1/admin/migrate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      const body = await res.json() as { applied?: string[], message?: string }
      if (!res.ok) throw new Error(`gateway pid ${gateway.pid} answered ${res.status}: ${body.message ?? ''}`)
      process.stdout.write(`migrations applied through the running gateway (pid ${gateway.pid}): ${body.applied?.join(', ') || 'none pending'}\n`)
      return
    }
  }
  const { openDb } = await import('../store/db.ts')
  const { migrate } = await import('../store/migrate.ts')
  const db = await openDb({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir })
  try {
    const applied = await migrate(db)
    process.stdout.write(`migrations applied on ${db.kind}: ${applied.join(', ') || 'none pending'}\n`)
  } finally {
    await db.close()
  }
}

async function main (argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case 'start': {
      const { values } = parseArgs({ args: rest, options: { 'no-workers': { type: 'boolean', default: false } } })
      const { startGateway } = await import('../runtime/gateway.ts')
      const settings = readSettings()
      const gateway = await startGateway(settings, { workers: !values['no-workers'] })
      onSignals(gateway.stop)
      process.stderr.write(startedLine(gateway.url, settings, gateway.platform.config))
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

main(process.argv.slice(2)).catch((err: unknown) => {
  // One line a person can act on; the stack only when it is not one of ours.
  process.stderr.write(isTongbanError(err) ? `tongban: ${err.code}: ${err.message}\n` : `tongban: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
