// The department client the checks call the simulator through: the platform's own (transport,
// auth strategy, rate limit, timeouts), with the instance's credentials. Paging retries what the
// platform's queue would retry, so a simulator's random outages do not end the run.
import type { AdapterDefinition } from '../../adapter-sdk/index.ts'
import type { AdapterInstance } from '../../config/schema.ts'
import { createDepartmentClient, type DepartmentClient } from '../../department/client.ts'
import { isTongbanError } from '../../errors.ts'

export function departmentClient (adapter: AdapterDefinition, instance: AdapterInstance): DepartmentClient {
  const credentials = instance.credentials === 'vault' ? undefined : instance.credentials
  return createDepartmentClient({
    department: instance.id,
    baseUrl: instance.baseUrl!,
    timeoutMs: instance.timeout,
    // An SFTP key opens a file drop, never an HTTP call: a file-drop adapter's client goes without
    // it (and is never called: its simulator is a directory or an SFTP server).
    auth: adapter.auth?.type === 'sftp-key' ? undefined : adapter.auth,
    credentials: credentials === undefined ? undefined : async () => credentials,
    rateLimit: instance.rateLimit,
  })
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** Runs `call` as the platform's pull job would: a new token after an auth error, backing off on rate limits and outages. */
export async function withRetries<T> (client: DepartmentClient, call: () => Promise<T>, attempts = 12): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (err) {
      const code = isTongbanError(err) ? err.code : undefined
      const retried = code === 'TB_DEPARTMENT_AUTH' || code === 'TB_DEPARTMENT_RATE_LIMITED' || code === 'TB_DEPARTMENT_UNAVAILABLE'
      if (!retried || attempt >= attempts) throw err
      if (code === 'TB_DEPARTMENT_AUTH') client.resetAuth()
      await sleep(Math.min(100 * 2 ** attempt, 2000))
    }
  }
}
