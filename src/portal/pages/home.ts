// The home page: the staff member's town (or county) at a glance — residents and enterprises in
// scope, open conflicts, quarantined records, today's changes per department and the department
// systems' health, each a link; an auditor's the audit chain, a security admin's the accounts
// that need attention. Without a session `/` is the sign-in page.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { can, scopeOf } from '../../auth/access.ts'
import type { Scope } from '../../model/scope.ts'
import { listStaff } from '../../auth/staff.ts'
import { listAudit } from '../../audit/index.ts'
import { divisionCode } from '../../normalize/index.ts'
import { sessionPrincipal } from '../../web/session.ts'
import { scopeParams } from '../../store/records.ts'
import { beijingMidnight, changesSince } from '../../store/activity.ts'
import { syncStatus } from '../../sync/status.ts'
import { maySearch, page } from '../layout.ts'
import { scopeCounts } from '../scope-counts.ts'
import { callerOf, readRouting } from '../../store/read-routing.ts'
import type { PortalKit } from '../kit.ts'
import { signInPage } from './sign-in.ts'
import { homeBody } from './home-view.ts'
import { caseCounts } from './cases.ts'

export async function homePages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, sessions, sendPage, ctxOf, townName } = kit
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.get('/', {
    schema: { hide: true, querystring: z.object({ lang: z.string().max(8).optional() }).passthrough() },
  }, async (req, reply) => {
    const found = await sessionPrincipal(platform, sessions, req)
    if (!found) return await signInPage(kit, req, reply, undefined)
    req.portal = found
    // A department's liaison has one page: its department's whistles.
    if (found.principal.department !== undefined) return await reply.code(303).header('location', '/portal/whistles').send()
    const ctx = ctxOf(req, reply, found)
    const { principal } = found
    const scope = scopeOf(principal)
    const count = async (sql: string, params: unknown[]): Promise<number> => (await db.query<{ n: number }>(sql, params)).rows[0]!.n
    const [counts, openConflicts, quarantine, status, today, staff, staffChanges, cases] = await Promise.all([
      scope ? readRouting(platform).reader(callerOf(principal)).then(async (reader) => await scopeCounts(reader, platform.redis, scope)) : undefined,
      scope && can(principal, 'conflicts:read')
        ? count("SELECT count(*)::int AS n FROM conflicts WHERE status = 'open' AND (division_code LIKE $1 || '%' OR ($2::boolean AND division_code IS NULL))", scopeParams(scope))
        : undefined,
      can(principal, 'quarantine:read') ? count("SELECT count(*)::int AS n FROM quarantine WHERE status = 'open'", []) : undefined,
      can(principal, 'operations:read') ? syncStatus(platform) : undefined,
      scope ? changesSince(db, scope, beijingMidnight()) : undefined,
      can(principal, 'staff:manage') ? listStaff(db) : undefined,
      can(principal, 'staff:manage') ? listAudit(db, { action: 'staff.', limit: 10 }) : undefined,
      scope && principal.town !== null && can(principal, 'cases:read') ? caseCounts(platform, found, scope.prefix) : undefined,
    ])
    const shown = scopeName(scope, townName(principal.town))
    const scopeText = !scope ? '' : scope.unlocated ? ctx.t('home.scope', ctx.t('home.scopeCounty', shown, scope.prefix)) : ctx.t('home.scope', shown)
    const accounts = staff && staffChanges
      ? { locked: staff.filter((s) => s.lockedUntil !== null), disabled: staff.filter((s) => s.status === 'disabled'), changes: staffChanges.items }
      : undefined
    return sendPage(reply, 200, page(ctx, ctx.t('home.title'), homeBody(ctx, platform, { townName: shown, scopeText, search: maySearch(principal), audit: can(principal, 'audit:read'), accounts, counts, openConflicts, quarantine, status, today, cases })))
  })
}

/**
 * What the page shows the figures of: the county a county admin answers for (named from the
 * division table; its code when unknown), otherwise the staff member's town.
 */
function scopeName (scope: Scope | undefined, town: string): string {
  if (!scope?.unlocated) return town
  const found = divisionCode(scope.prefix)
  const names = found.ok ? found.details : undefined
  return names?.county ? `${names.city ?? ''}${names.county}` : scope.prefix
}
