// What each role may do, and which records it may see. Town roles see their town, a county admin
// the county; security administration and audit never see residents' data (MLPS level 3 keeps
// system, security and audit administration apart). The bootstrap token only sets up. What came
// in from departments (the webhook inbox, failed jobs) is county-wide, so only county admins read it.
import type { Scope } from '../model/scope.ts'
import type { Principal, Role } from './principal.ts'

export const PERMISSIONS = [
  'records:read', // residents, enterprises, their history, within scope
  'conflicts:read',
  'conflicts:resolve',
  'quarantine:read',
  'quarantine:manage', // retry, dismiss, inbox replay
  'operations:read', // sync status and pull runs: how each department system is doing
  'intake:read', // the webhook inbox and failed jobs of every town: what departments sent and why it failed
  'operations:manage', // job retry, inbox replay (reprocessing stored personal data)
  'migrations:run', // apply database migrations
  'staff:manage',
  'tokens:manage',
  'vault:manage', // service credentials and staff members' department accounts
  'vault:status', // the vault's data keys and master key fingerprint, never a secret
  'audit:read',
  'cases:read', // the town's cases (办件): applicants, forms, events
  'cases:act', // open cases and move them at the window
  'cases:approve', // a leader's approval: the one 延期 extension (行政许可法 §42)
  'matters:read', // the towns' service matters (power list), their versions and the county's local decisions
  'matters:manage', // record a county's local 赋权 decision for a town
  'ratings:read', // 好差评 of the town: ratings, rectifications, appeals, the leader's figures
  'ratings:view', // ratings and rectifications: of one's own steps, or with ratings:read of the whole scope
  'ratings:act', // rating links for the window tablet, a 差评's follow-up contacts and re-rating links
  'ratings:appeal', // appeal a 差评 judged abusive
  'ratings:decide', // the county's decision on an appeal
  'orders:read', // the town's hotline work orders (工单) and their events
  'orders:act', // place, sign, answer and reply to work orders
  'whistles:read', // the town's whistles, their departments' answers and ladders
  'whistles:blow', // blow a whistle (a window worker's waits for a leader's approval when the configuration says so)
  'whistles:lead', // approve, re-route, decide extensions, check and close, reopen: the town leader's
  'whistles:answer', // a department's answers to the whistles it is summoned by: its own department only
  'risks:report', // report a risk source or hidden danger, and correct one's report
  'risks:read', // the town's risk reports (the county's, for a county admin)
  'risks:close', // verify and close a risk report: the town leader's
  'evaluation:read', // the monthly evaluation of departments (考评) and the hotline's 三率
] as const
export type Permission = (typeof PERMISSIONS)[number]

const GRANTS: Record<Role, readonly Permission[]> = {
  'window-staff': ['records:read', 'conflicts:read', 'conflicts:resolve', 'cases:read', 'cases:act', 'matters:read', 'ratings:view', 'ratings:act', 'ratings:appeal', 'orders:read', 'orders:act', 'whistles:read', 'whistles:blow', 'risks:read'],
  'grid-staff': ['records:read', 'risks:report', 'risks:read', 'whistles:read'],
  'town-leader': ['records:read', 'conflicts:read', 'conflicts:resolve', 'operations:read', 'cases:read', 'cases:act', 'cases:approve', 'matters:read', 'ratings:read', 'ratings:view', 'ratings:act', 'ratings:appeal', 'orders:read', 'orders:act', 'whistles:read', 'whistles:blow', 'whistles:lead', 'risks:read', 'risks:report', 'risks:close', 'evaluation:read'],
  'county-admin': ['records:read', 'conflicts:read', 'conflicts:resolve', 'quarantine:read', 'quarantine:manage', 'operations:read', 'intake:read', 'operations:manage', 'migrations:run', 'cases:read', 'matters:read', 'matters:manage', 'ratings:read', 'ratings:view', 'ratings:decide', 'orders:read', 'whistles:read', 'risks:read', 'evaluation:read'],
  'security-admin': ['staff:manage', 'tokens:manage', 'vault:manage', 'vault:status'],
  auditor: ['audit:read'],
  // answers only, for its own department: no route lets it close, hide or delete a whistle or a risk report
  'department-liaison': ['whistles:answer'],
}

/**
 * First set-up only: create staff and tokens, run migrations, and see whether the vault's keys fit
 * (`tongban vault status` through the gateway). Never residents' data, nor anything that reprocesses
 * it (retries, replays) or writes department credentials: those are the roles' work.
 */
const BOOTSTRAP: readonly Permission[] = ['staff:manage', 'tokens:manage', 'migrations:run', 'vault:status']

export function can (principal: Principal, permission: Permission): boolean {
  if (principal.kind === 'bootstrap') return BOOTSTRAP.includes(permission)
  return principal.roles.some((role) => GRANTS[role].includes(permission))
}

export function grantsOf (roles: readonly Role[]): Permission[] {
  return PERMISSIONS.filter((p) => roles.some((r) => GRANTS[r].includes(p)))
}

/** The significant digits of a 12-digit division code: '320412120000' -> '320412120', '320400000000' -> '3204'. */
export function divisionPrefix (code: string): string {
  for (const [len, zeros] of [[2, 10], [4, 8], [6, 6], [9, 3]] as const) {
    if (code.slice(len) === '0'.repeat(zeros)) return code.slice(0, len)
  }
  return code
}

/** Its town (a token's division of any level), widened to the county for a county admin; undefined when it may see no records. */
export function scopeOf (principal: Principal): Scope | undefined {
  if (principal.town === null || !can(principal, 'records:read')) return undefined
  const own = divisionPrefix(principal.town)
  const county = principal.roles.includes('county-admin')
  return { prefix: county ? own.slice(0, 6) : own, unlocated: county }
}
