// What the platform checks of an adapter's operations when it loads the adapter, beyond what the
// SDK's types can say: the permission names one of the platform's, and an operation acting as a
// staff member has a way to carry their account that does not also carry a service account's.
import type { AdapterDefinition, OperationDeclaration } from '../adapter-sdk/index.ts'
import { PERMISSIONS } from '../auth/access.ts'

/** An operation's name is a URL segment: /api/v1/adapters/:instance/operations/:name. */
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/
const KNOWN: ReadonlySet<string> = new Set(PERMISSIONS)

function problemOf (adapter: AdapterDefinition, name: string, op: OperationDeclaration): string | undefined {
  if (!NAME.test(name)) return 'its name must be letters, digits, _ and - (at most 64), starting with a letter'
  if (!KNOWN.has(op.permission)) return `its permission "${op.permission}" is none of the platform's (${PERMISSIONS.join(', ')})`
  if (op.actAs === 'service') return undefined
  const { names, placement } = op.actAs.staff
  const auth = adapter.auth
  if (!names.username || !names.password || names.username === names.password) return 'acting as staff, it needs two distinct names for the account\'s user name and password'
  // Basic auth sends the service account's name and password with every request.
  if (auth?.type === 'basic') return 'it acts as staff, but the adapter authenticates with basic auth, which would send the service account too'
  if (placement === 'body') {
    if (auth?.type !== 'signed-params' || auth.placement !== 'body') return 'its staff account goes into the adapter\'s own body, which needs signed-params auth with placement body (the account comes back from http.sign())'
    const taken = Object.values(auth.names)
    if (taken.includes(names.username) || taken.includes(names.password)) return 'its staff account names collide with the signed values\' names'
  }
  return undefined
}

/** Throws a TypeError naming the first operation of the adapter that cannot run. */
export function checkOperations (adapter: AdapterDefinition): void {
  for (const [name, op] of Object.entries(adapter.operations ?? {})) {
    const problem = problemOf(adapter, name, op)
    if (problem) throw new TypeError(`adapter ${adapter.id}: operation ${name}: ${problem}`)
  }
}
