// The department connections of one process, one per adapter instance, opened on first use and
// shared by all that call the department from here (pull workers, operations): one breaker, one
// rate limit and one token per department, whoever is asking.
import type { AdapterDefinition } from '../adapter-sdk/index.ts'
import type { AdapterInstance } from '../config/schema.ts'
import { openConnection, type ConnectionDeps, type DepartmentConnection } from './connection.ts'

export interface DepartmentConnections {
  of: (instance: { config: AdapterInstance, adapter: AdapterDefinition }) => Promise<DepartmentConnection>
  close: () => Promise<void>
}

export function departmentConnections (deps: ConnectionDeps): DepartmentConnections {
  const open = new Map<string, Promise<DepartmentConnection>>()
  return {
    async of (instance) {
      const id = instance.config.id
      let connection = open.get(id)
      if (!connection) {
        connection = openConnection(instance, deps)
        open.set(id, connection)
        // A failed opening (Redis down) is not kept: the next caller tries again.
        connection.catch(() => { if (open.get(id) === connection) open.delete(id) })
      }
      return await connection
    },
    async close () {
      const opened = [...open.values()]
      open.clear()
      await Promise.all(opened.map(async (c) => { await (await c.catch(() => undefined))?.close() }))
    },
  }
}
