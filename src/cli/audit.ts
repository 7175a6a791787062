// `tongban audit verify [--anchor <chain>:<seq>:<hash>]...`: walks every chain of the audit log and
// checks every signed root; one line of JSON, exit 0 when sound, 1 when broken, 2 when it could not
// be checked. While a gateway holds the embedded database, the gateway checks
// (GET /api/v1/audit/verify).
// `tongban audit export --month YYYY-MM --out <file>` and `tongban audit detach --month YYYY-MM`:
// a month leaves the log only after it was exported and is past retention (audit/archive.ts).
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Writable } from 'node:stream'
import { readSettings, type Settings } from '../runtime/settings.ts'
import { API_TOKEN_ENV, CliError, gatewayClient } from './gateway.ts'
import { detachAuditMonth, exportAuditMonth, parseAnchor, verifyAudit, type AuditAnchor } from '../audit/index.ts'
import type { Db } from '../store/db.ts'
import { TongbanError } from '../errors.ts'

const USAGE = `Usage: tongban audit verify [--anchor <chain>:<seq>:<hash>]...
       tongban audit export --month YYYY-MM --out <file>
       tongban audit detach --month YYYY-MM`

type Command = { name: 'verify', anchors: AuditAnchor[] } | { name: 'export', month: string, out: string } | { name: 'detach', month: string }

function parse (args: string[]): Command {
  const { positionals, values } = parseArgs({
    args, allowPositionals: true,
    options: { anchor: { type: 'string', multiple: true }, month: { type: 'string' }, out: { type: 'string' } },
  })
  const [name, ...extra] = positionals
  if (extra.length > 0 || (name !== 'verify' && name !== 'export' && name !== 'detach')) throw new Error('expected the subcommand verify, export or detach')
  if (name === 'verify') {
    return {
      name,
      anchors: (values.anchor ?? []).map((text) => {
        const anchor = parseAnchor(text)
        if (!anchor) throw new Error(`--anchor ${text} is not <chain>:<seq>:<64 hex digits> (the head printed by an earlier verify) or <id>:<64 hex digits> of the legacy chain`)
        return anchor
      }),
    }
  }
  if (!values.month || !/^\d{4}-(0[1-9]|1[0-2])$/.test(values.month)) throw new Error(`audit ${name} needs --month YYYY-MM`)
  if (name === 'detach') return { name, month: values.month }
  if (!values.out) throw new Error('audit export needs --out <file>')
  return { name, month: values.month, out: resolve(values.out) }
}

const anchorText = (a: AuditAnchor): string => a.chain === undefined ? `${a.seq}:${a.hash}` : `${a.chain}:${a.seq}:${a.hash}`

export async function auditCommand (args: string[], out: Writable, err: Writable): Promise<number> {
  let command: Command
  try {
    command = parse(args)
  } catch (e) {
    err.write(`tongban audit: ${(e as Error).message}\n${USAGE}\n`)
    return 2
  }

  const settings = readSettings()
  try {
    const gateway = await gatewayClient(settings, { stderr: err })
    if (gateway && command.name !== 'verify') {
      err.write(`tongban audit: the running gateway (pid ${gateway.pid}) holds the embedded database in ${settings.dataDir}; stop it for the moment of audit ${command.name}\n`)
      return 2
    }
    if (gateway && command.name === 'verify') {
      // PGlite belongs to the gateway: ask it. Verifying is an auditor's (separation of duties),
      // which the bootstrap token is not.
      if (!process.env[API_TOKEN_ENV]) {
        err.write(`tongban audit: the running gateway (pid ${gateway.pid}) holds the embedded database; verifying through it takes an auditor's API token in ${API_TOKEN_ENV} ` +
          '(tongban token create --name audit --role auditor --town <code>), or stop the gateway first\n')
        return 2
      }
      const query = command.anchors.length === 0 ? '' : `?anchors=${encodeURIComponent(command.anchors.map(anchorText).join(','))}`
      const result = await gateway.call<{ ok: boolean }>('GET', `/audit/verify${query}`)
      out.write(`${JSON.stringify(result)}\n`)
      return result.ok ? 0 : 1
    }
  } catch (e) {
    if (!(e instanceof CliError)) throw e
    err.write(`tongban audit: ${e.code ? `${e.code}: ` : ''}${e.message}\n`)
    return 2
  }
  return await withAuditDb(settings, err, async (db) => {
    if (command.name === 'verify') {
      const result = await verifyAudit(db, { anchors: command.anchors })
      out.write(`${JSON.stringify(result)}\n`)
      return result.ok ? 0 : 1
    }
    if (command.name === 'export') {
      const record = await exportAuditMonth(db, command.month, command.out)
      out.write(`${JSON.stringify(record)}\n`)
      return 0
    }
    try {
      out.write(`${JSON.stringify(await detachAuditMonth(db, command.month, { retentionMonths: settings.auditRetentionMonths }))}\n`)
      return 0
    } catch (e) {
      if (!(e instanceof TongbanError)) throw e
      err.write(`tongban audit: ${e.code}: ${e.message}\n`)
      return 1
    }
  })
}

async function withAuditDb (settings: Settings, err: Writable, run: (db: Db) => Promise<number>): Promise<number> {
  if (!settings.databaseUrl && !existsSync(join(settings.dataDir, 'pglite'))) {
    err.write(`tongban audit: there is no embedded database in ${settings.dataDir}; set TONGBAN_DATA_DIR or DATABASE_URL\n`)
    return 2
  }
  const { openDb } = await import('../store/db.ts')
  const db = await openDb({ databaseUrl: settings.databaseUrl, databaseDirectUrl: settings.databaseDirectUrl, dataDir: settings.dataDir })
  try {
    const { rows: [table] } = await db.query<{ t: string | null }>("SELECT to_regclass('audit_chains')::text AS t")
    if (!table?.t) {
      err.write('tongban audit: the database has no audit chains yet; run tongban migrate\n')
      return 2
    }
    return await run(db)
  } finally {
    await db.close()
  }
}
