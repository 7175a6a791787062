// `tongban start --role …`: one process does everything (`all`, the default, embedded defaults
// included), or the work is split so each part scales on its own:
//   api        the HTTP server: webhooks, API, portal; it queues work and runs none
//   worker     the BullMQ workers (ingest, pull, files, catalogues, outbox)
//   scheduler  job schedulers, the inbox sweeper, pruning and the deadline sweep; safe with replicas
// Every role answers /livez, /readyz and /metrics on PORT. Split roles share PostgreSQL and Redis.
import { z } from 'zod'
import type { Logger } from '../log.ts'
import { startGateway } from './gateway.ts'
import { sharedUrls, startWorkerProcess } from './worker.ts'
import { startSchedulerProcess } from './scheduler.ts'
import type { Settings } from './settings.ts'
import type { Config } from '../config/schema.ts'

export const ROLES = ['all', 'api', 'worker', 'scheduler'] as const
export const Role = z.enum(ROLES)
export type Role = z.infer<typeof Role>

export const ROLE_ENV = 'TONGBAN_ROLE'

/** The role the flag names, else TONGBAN_ROLE, else `all`; a usage message for any other word. */
export function roleOf (flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { role: Role } | { usage: string } {
  const given = flag ?? (env[ROLE_ENV] || undefined)
  const parsed = Role.safeParse(given ?? 'all')
  if (parsed.success) return { role: parsed.data }
  const source = flag === undefined ? `${ROLE_ENV}=${given}` : `--role ${given}`
  return { usage: `${source} is not a role; use one of ${ROLES.join(', ')}` }
}

export interface RunningRole {
  role: Role
  /** Where the process answers: the gateway's URL, or the health port's of a worker or scheduler. */
  url: string
  /** The configuration, for the gateway's start-up line. */
  config?: Config
  stop: () => Promise<void>
}

export async function startRole (role: Role, settings: Settings, logger: Logger, opts: { workers?: boolean, adapters?: string[] } = {}): Promise<RunningRole> {
  switch (role) {
    case 'all': {
      const gateway = await startGateway(settings, { logger, workers: opts.workers !== false })
      return { role, url: gateway.url, config: gateway.platform.config, stop: gateway.stop }
    }
    case 'api': {
      // Checked before startGateway, which would otherwise start the embedded defaults.
      sharedUrls(settings, 'an api process (--role api)')
      const gateway = await startGateway(settings, { logger, role: 'api' })
      return { role, url: gateway.url, config: gateway.platform.config, stop: gateway.stop }
    }
    case 'worker': {
      const worker = await startWorkerProcess(settings, opts.adapters ?? [], logger, { role: true })
      return { role, url: worker.url!, stop: worker.stop }
    }
    case 'scheduler': {
      const scheduler = await startSchedulerProcess(settings, logger)
      return { role, ...scheduler }
    }
  }
}
