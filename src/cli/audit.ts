// `tongban audit verify [--anchor <id>:<hash>]...`: walks the audit log's hash chain and prints one
// line of JSON; exit 0 when the chain is sound, 1 when it is broken, 2 when it could not be checked.
// While a gateway holds the embedded database, the gateway checks (GET /api/v1/audit/verify).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Writable } from 'node:stream'
import { readSettings } from '../runtime/settings.ts'
import { API_TOKEN_ENV, CliError, gatewayClient } from './gateway.ts'
import { parseAnchor, verifyAudit, type AuditAnchor } from '../audit/index.ts'

const USAGE = 'Usage: tongban audit verify [--anchor <id>:<hash>]...'

export async function auditCommand (args: string[], out: Writable, err: Writable): Promise<number> {
  let anchors: AuditAnchor[]
  try {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { anchor: { type: 'string', multiple: true } } })
    if (positionals.length !== 1 || positionals[0] !== 'verify') throw new Error('expected the subcommand verify')
    anchors = (values.anchor ?? []).map((text) => {
      const anchor = parseAnchor(text)
      if (!anchor) throw new Error(`--anchor ${text} is not <id>:<64 hex digits> (the head printed by an earlier verify)`)
      return anchor
    })
  } catch (e) {
    err.write(`tongban audit: ${(e as Error).message}\n${USAGE}\n`)
    return 2
  }

  const settings = readSettings()
  try {
    const gateway = await gatewayClient(settings, { stderr: err })
    if (gateway) {
      // PGlite belongs to the gateway: ask it. Verifying is an auditor's (separation of duties),
      // which the bootstrap token is not.
      if (!process.env[API_TOKEN_ENV]) {
        err.write(`tongban audit: the running gateway (pid ${gateway.pid}) holds the embedded database; verifying through it takes an auditor's API token in ${API_TOKEN_ENV} ` +
          '(tongban token create --name audit --role auditor --town <code>), or stop the gateway first\n')
        return 2
      }
      const query = anchors.length === 0 ? '' : `?anchors=${encodeURIComponent(anchors.map((a) => `${a.id}:${a.hash}`).join(','))}`
      const result = await gateway.call<{ ok: boolean }>('GET', `/audit/verify${query}`)
      out.write(`${JSON.stringify(result)}\n`)
      return result.ok ? 0 : 1
    }
  } catch (e) {
    if (!(e instanceof CliError)) throw e
    err.write(`tongban audit: ${e.code ? `${e.code}: ` : ''}${e.message}\n`)
    return 2
  }
  if (!settings.databaseUrl && !existsSync(join(settings.dataDir, 'pglite'))) {
    err.write(`tongban audit: there is no embedded database in ${settings.dataDir}; set TONGBAN_DATA_DIR or DATABASE_URL\n`)
    return 2
  }
  const { openDb } = await import('../store/db.ts')
  const db = await openDb({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir })
  try {
    const { rows: [table] } = await db.query<{ t: string | null }>("SELECT to_regclass('audit_log')::text AS t")
    if (!table?.t) {
      err.write('tongban audit: the database has no audit log yet; run tongban migrate\n')
      return 2
    }
    const result = await verifyAudit(db, { anchors })
    out.write(`${JSON.stringify(result)}\n`)
    return result.ok ? 0 : 1
  } finally {
    await db.close()
  }
}
