// Process settings from the environment, validated like everything else at a boundary.
import { resolve } from 'node:path'
import { z } from 'zod'
import { TongbanError } from '../errors.ts'
import { fromRoot } from '../paths.ts'
import { RedisUrl } from '../redis/connect.ts'

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  // Loopback unless asked: the demo's passwords are published. The Docker image sets 0.0.0.0.
  HOST: z.string().default('127.0.0.1'),
  TONGBAN_DATA_DIR: z.string().default('./var'),
  TONGBAN_CONFIG: z.string().optional(),
  REDIS_URL: RedisUrl.optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
  // What needs a session (migrations) when DATABASE_URL is a pooler in transaction mode; default DATABASE_URL.
  DATABASE_DIRECT_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
  // A standby for searches that may lag (read-your-writes kept per caller: store/read-routing.ts).
  DATABASE_READ_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
  TONGBAN_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  TONGBAN_SWEEP_EVERY_MS: z.coerce.number().int().min(100).optional(),
  // How often a signed root of the audit chains is written (scheduler round), and how long audit months stay.
  TONGBAN_AUDIT_ROOT_EVERY_MS: z.coerce.number().int().min(1000).optional(),
  TONGBAN_AUDIT_RETENTION_MONTHS: z.coerce.number().int().min(0).optional(),
  // Whole months of webhooks kept in the inbox; 0 keeps them for good.
  TONGBAN_INBOX_RETENTION_MONTHS: z.coerce.number().int().min(0).default(6),
})

export interface Settings {
  port: number
  host: string
  dataDir: string
  configPath: string
  redisUrl: string | undefined
  databaseUrl: string | undefined
  databaseDirectUrl?: string | undefined
  databaseReadUrl?: string | undefined
  adminToken: string | undefined
  /** How often unfinished inbox rows are offered again (default: the sweeper's). */
  sweepEveryMs?: number | undefined
  /** How often a signed root of the audit chains is written (default: every 10 minutes). */
  auditRootEveryMs?: number | undefined
  /** Whole months an audit month must be past before `tongban audit detach` (default 36). */
  auditRetentionMonths?: number | undefined
  /** Whole months of webhooks the inbox keeps before their month is dropped; 0: for good (default 6). */
  inboxRetentionMonths?: number | undefined
}

export function readSettings (env: NodeJS.ProcessEnv = process.env): Settings {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''))
  const parsed = Env.safeParse(blankless)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new TongbanError('TB_CONFIG_INVALID', [`environment variable ${issue.path.join('.')}`, issue.message])
  }
  const e = parsed.data
  if (!e.DATABASE_URL && (e.DATABASE_DIRECT_URL || e.DATABASE_READ_URL)) {
    throw new TongbanError('TB_CONFIG_INVALID', ['environment variable DATABASE_URL', 'DATABASE_DIRECT_URL and DATABASE_READ_URL go with a PostgreSQL DATABASE_URL, not the embedded database'])
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.TONGBAN_DATA_DIR),
    // The demo configuration is the embedded default: simulated departments, one demo town.
    configPath: e.TONGBAN_CONFIG ? resolve(e.TONGBAN_CONFIG) : fromRoot('config', 'demo.yaml'),
    redisUrl: e.REDIS_URL,
    databaseUrl: e.DATABASE_URL,
    databaseDirectUrl: e.DATABASE_DIRECT_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    adminToken: e.TONGBAN_ADMIN_TOKEN,
    sweepEveryMs: e.TONGBAN_SWEEP_EVERY_MS,
    auditRootEveryMs: e.TONGBAN_AUDIT_ROOT_EVERY_MS,
    auditRetentionMonths: e.TONGBAN_AUDIT_RETENTION_MONTHS,
    inboxRetentionMonths: e.TONGBAN_INBOX_RETENTION_MONTHS,
  }
}
