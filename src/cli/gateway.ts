// Commands and the running gateway. On the embedded database PGlite belongs to the gateway
// process, so a command that needs the database while a gateway holds the data dir asks the
// gateway over its API instead — with TONGBAN_API_TOKEN if set, else the bootstrap token.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runningGateway } from '../runtime/data-dir-lock.ts'
import type { Settings } from '../runtime/settings.ts'

/** A refusal or failure a person can act on: `tongban` prints it as one line, without a stack. */
export class CliError extends Error {
  constructor (message: string, readonly code?: string) {
    super(message)
    this.name = 'CliError'
  }
}

export interface GatewayClient {
  pid: number
  url: string
  /** The JSON answer of `/api/v1<path>`; a refusal throws a CliError with the gateway's code and message. */
  call: <T>(method: string, path: string, body?: unknown) => Promise<T>
}

export const API_TOKEN_ENV = 'TONGBAN_API_TOKEN'

/** The gateway holding this data dir, once it listens (it may be starting right now). */
async function listeningGateway (dataDir: string, stderr: NodeJS.WritableStream): Promise<{ pid: number, url: string } | undefined> {
  for (let waited = 0; ; waited += 250) {
    const info = await runningGateway(dataDir)
    if (!info) return undefined
    if (info.url) return { pid: info.pid, url: info.url }
    if (waited === 0) stderr.write(`tongban: the gateway (pid ${info.pid}) is starting; waiting for it…\n`)
    if (waited > 120_000) throw new CliError(`the gateway (pid ${info.pid}) has not started listening after two minutes`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

async function bootstrapToken (settings: Settings): Promise<string> {
  if (settings.adminToken) return settings.adminToken
  const file = join(settings.dataDir, 'admin-token')
  try {
    return (await readFile(file, 'utf8')).trim()
  } catch {
    throw new CliError(`the running gateway needs a token: set ${API_TOKEN_ENV} or TONGBAN_ADMIN_TOKEN (${file} cannot be read)`)
  }
}

/**
 * The running gateway of the embedded database, or undefined when the command may open the
 * database itself (DATABASE_URL is set, or no gateway holds the data dir).
 */
export async function gatewayClient (settings: Settings, opts: { env?: NodeJS.ProcessEnv, stderr?: NodeJS.WritableStream } = {}): Promise<GatewayClient | undefined> {
  if (settings.databaseUrl) return undefined
  const gateway = await listeningGateway(settings.dataDir, opts.stderr ?? process.stderr)
  if (!gateway) return undefined
  const env = opts.env ?? process.env
  const tokenName = env[API_TOKEN_ENV] ? API_TOKEN_ENV : 'the bootstrap token'
  return {
    ...gateway,
    call: async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const token = env[API_TOKEN_ENV] || await bootstrapToken(settings)
      let res: Response
      try {
        res = await fetch(`${gateway.url}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        })
      } catch (err) {
        throw new CliError(`the gateway (pid ${gateway.pid}) at ${gateway.url} cannot be reached: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`)
      }
      const answer = await res.json().catch(() => ({})) as T & { code?: string, message?: string }
      if (res.ok) return answer
      const code = answer.code ?? `HTTP ${res.status}`
      const hint = res.status === 401 || res.status === 403 ? ` (the gateway was asked with ${tokenName}; set ${API_TOKEN_ENV} to an API token of a role that may do this)` : ''
      throw new CliError(`${answer.message ?? res.statusText}${hint}`, code)
    },
  }
}
