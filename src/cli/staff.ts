// `tongban staff …` and `tongban token …`: security administration from the command line. On the
// embedded database a running gateway owns PGlite, so the commands go through its admin API
// (./gateway.ts); otherwise they open the database themselves.
import { parseArgs } from 'node:util'
import { TongbanError } from '../errors.ts'
import { readSettings, type Settings } from '../runtime/settings.ts'
import { gatewayClient, type GatewayClient } from './gateway.ts'
import type { Role } from '../auth/principal.ts'
import type { NewStaff, Staff } from '../auth/staff.ts'
import type { ApiToken, NewToken } from '../auth/tokens.ts'

export const STAFF_USAGE = `  staff add <username> --town <12-digit code> --role <role> [--role <role>] [--name <name>] [--department <code>]
                              create an account; the password is read from standard input
                              (a department-liaison names its department of whistles.departments)
  staff disable|enable <username>
  staff reset-password <username>   new password from standard input; unlocks, ends sessions
  staff list
  token create --name <name> --role <role> [--role …] --town <code> [--days <n>] [--department <code>]
                              print a new API token (shown once)
  token revoke <id> · token list`

interface AdminOps {
  createStaff: (input: NewStaff) => Promise<Staff>
  setStatus: (username: string, status: 'active' | 'disabled') => Promise<Staff>
  resetPassword: (username: string, password: string) => Promise<Staff>
  listStaff: () => Promise<Staff[]>
  createToken: (input: NewToken) => Promise<{ token: string, info: ApiToken }>
  revokeToken: (id: number) => Promise<ApiToken>
  listTokens: () => Promise<ApiToken[]>
  close: () => Promise<void>
}

function viaGateway ({ call }: GatewayClient): AdminOps {
  return {
    createStaff: async (input) => await call('POST', '/staff', input),
    setStatus: async (username, status) => await call('POST', `/staff/${encodeURIComponent(username)}/${status === 'active' ? 'enable' : 'disable'}`),
    resetPassword: async (username, password) => await call('POST', `/staff/${encodeURIComponent(username)}/reset-password`, { password }),
    listStaff: async () => (await call<{ items: Staff[] }>('GET', '/staff')).items,
    createToken: async (input) => await call('POST', '/tokens', input),
    revokeToken: async (id) => await call('DELETE', `/tokens/${id}`),
    listTokens: async () => (await call<{ items: ApiToken[] }>('GET', '/tokens')).items,
    close: async () => {},
  }
}

async function direct (settings: Settings): Promise<AdminOps> {
  const { openDb } = await import('../store/db.ts')
  const { migrate } = await import('../store/migrate.ts')
  const staff = await import('../auth/staff.ts')
  const tokens = await import('../auth/tokens.ts')
  // A liaison's department is checked against the configuration, as the gateway's API does; read
  // only then, so town accounts are made without a configuration file at hand.
  const checkLiaison = async (input: { roles: readonly Role[], department?: string | undefined, town: string }): Promise<void> => {
    if (input.department === undefined && !input.roles.includes('department-liaison')) return
    const { loadConfig } = await import('../config/load.ts')
    const { departmentRegistry } = await import('../departments/registry.ts')
    departmentRegistry((await loadConfig(settings.configPath)).whistles.departments).checkLiaison(input)
  }
  const db = await openDb(settings)
  await migrate(db)
  // Sessions live in Redis; without REDIS_URL the gateway's private Redis went with it.
  const { connectRedis } = await import('../redis/connect.ts')
  const { SessionStore } = await import('../auth/sessions.ts')
  const redis = settings.redisUrl ? connectRedis(settings.redisUrl, { maxRetriesPerRequest: 20 }) : undefined
  const sessions = redis ? new SessionStore(redis) : { destroyAllOf: async () => 0 }
  return {
    createStaff: async (input) => { await checkLiaison(input); return await staff.createStaff(db, input) },
    setStatus: async (username, status) => status === 'disabled'
      ? await staff.disableStaff(db, sessions, username)
      : await staff.setStaffStatus(db, username, status),
    resetPassword: async (username, password) => await staff.resetPassword(db, sessions, username, password),
    listStaff: async () => await staff.listStaff(db),
    createToken: async (input) => {
      await checkLiaison(input)
      const { token, record } = await tokens.createToken(db, input, 'cli')
      return { token, info: record }
    },
    revokeToken: async (id) => await tokens.revokeToken(db, id),
    listTokens: async () => await tokens.listTokens(db),
    close: async () => { redis?.disconnect(); await db.close() },
  }
}

async function adminOps (settings: Settings): Promise<AdminOps> {
  const gateway = await gatewayClient(settings)
  return gateway ? viaGateway(gateway) : await direct(settings)
}

async function readPassword (stdin: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const chunk of stdin) {
    text += String(chunk)
    if (text.includes('\n')) break
  }
  const password = text.split(/\r?\n/)[0] ?? ''
  if (password === '') throw new TongbanError('TB_VALIDATION', ['no password on standard input (pipe it in: printf "%s\\n" "$PASSWORD" | tongban staff …)'])
  return password
}

const staffLine = (s: Staff): string =>
  [s.username, s.name, s.town, s.roles.join(','), s.department ? `department ${s.department}` : '', s.status, s.lockedUntil ? `locked until ${s.lockedUntil}` : '', s.hasTotp ? 'totp' : '', s.federated ? 'federated' : ''].filter(Boolean).join('\t')

/** Runs `staff …` or `token …`; returns the exit code. */
export async function staffCommand (command: 'staff' | 'token', args: string[], io: { stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream }): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { town: { type: 'string' }, role: { type: 'string', multiple: true }, name: { type: 'string' }, days: { type: 'string' }, department: { type: 'string' } },
  })
  const [action, subject] = positionals
  const usage = (): number => { io.stderr.write(`Usage:\n${STAFF_USAGE}\n`); return 2 }
  const known = command === 'staff' ? ['add', 'disable', 'enable', 'reset-password', 'list'] : ['create', 'revoke', 'list']
  if (!action || !known.includes(action) || (action !== 'list' && action !== 'create' && !subject)) return usage()
  const ops = await adminOps(readSettings())
  try {
    const print = (line: string): void => { io.stdout.write(`${line}\n`) }
    if (command === 'staff') {
      switch (action) {
        case 'add': {
          const password = await readPassword(io.stdin)
          const s = await ops.createStaff({ username: subject!, name: values.name ?? subject!, town: values.town ?? '', roles: (values.role ?? []) as Role[], password, ...(values.department ? { department: values.department } : {}) })
          print(`created ${staffLine(s)}`)
          break
        }
        case 'disable':
        case 'enable':
          print(staffLine(await ops.setStatus(subject!, action === 'enable' ? 'active' : 'disabled')))
          break
        case 'reset-password':
          print(staffLine(await ops.resetPassword(subject!, await readPassword(io.stdin))))
          break
        default:
          for (const s of await ops.listStaff()) print(staffLine(s))
      }
    } else {
      switch (action) {
        case 'create': {
          const { token, info } = await ops.createToken({
            name: values.name ?? '', roles: (values.role ?? []) as Role[], town: values.town ?? '', ...(values.days ? { expiresInDays: Number(values.days) } : {}),
            ...(values.department ? { department: values.department } : {}),
          })
          io.stderr.write(`token ${info.id} "${info.name}" (${info.roles.join(',')}, ${info.town}${info.department ? `, department ${info.department}` : ''}) expires ${info.expiresAt}; it is shown once:\n`)
          print(token)
          break
        }
        case 'revoke':
          print(`revoked ${(await ops.revokeToken(Number(subject))).id}`)
          break
        default:
          for (const t of await ops.listTokens()) print([t.id, t.name, t.roles.join(','), t.town, t.department ? `department ${t.department}` : '', `expires ${t.expiresAt}`, t.revokedAt ? 'revoked' : ''].filter(Boolean).join('\t'))
      }
    }
    return 0
  } finally {
    await ops.close()
  }
}
