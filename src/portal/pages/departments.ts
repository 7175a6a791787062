// The departments pages: every configured department system with the links that open its apps
// already signed in (for all staff), its health, sync history and files set aside (operations:read),
// its inbox and failed jobs (intake:read),
// and retrying failed jobs (operations:manage).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Instance, Platform } from '../../platform.ts'
import { can } from '../../auth/access.ts'
import { intakeMode, syncStatus } from '../../sync/status.ts'
import { recentRuns } from '../../store/sync.ts'
import { listInbox } from '../../store/inbox.ts'
import { listFiles, setAsideCounts } from '../../store/file-inbox.ts'
import { listFailed, retryFailed } from '../../queues/failed.ts'
import { QUEUE_KINDS, queuesOf, type QueueKind } from '../../queues/queues.ts'
import { OIDC_PREFIX, issuerOf } from '../../auth/provider/issuer.ts'
import { PageError, type PortalKit, type SignedIn } from '../kit.ts'
import { detailBody, listBody, type AppLink, type Department, type QueueFailures } from './departments-view.ts'

const HISTORY_SIZE = 20
const FAILED_SHOWN = 50
export async function departmentPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, signIn, requireCsrf, audit } = kit
  const api = app.withTypeProvider<ZodTypeProvider>()

  const departmentOf = (id: string, instance: Instance, req: FastifyRequest) => ({
    id,
    name: instance.adapter.department.name,
    mode: intakeMode(instance.adapter),
    apps: appLinks(platform, app, req, id),
  })

  api.get('/portal/departments', {
    schema: { hide: true, querystring: z.object({ lang: z.string().max(8).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const showHealth = can(s.principal, 'operations:read')
    const status = showHealth ? new Map((await syncStatus(platform)).map((x) => [x.adapter, x])) : undefined
    const departments: Department[] = [...platform.instances].map(([id, instance]) => ({ ...departmentOf(id, instance, req), status: status?.get(id) }))
    return kit.render(req, reply, s, (ctx) => ctx.t('departments.title'), (ctx) => listBody(ctx, departments, showHealth))
  })

  const Params = z.object({ adapterId: z.string().max(200) })

  api.get('/portal/departments/:adapterId', {
    schema: { hide: true, params: Params, querystring: z.object({ lang: z.string().max(8).optional(), retried: z.coerce.number().int().min(0).optional().catch(undefined) }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const id = req.params.adapterId
    const instance = platform.instances.get(id)
    if (!instance) throw new PageError(404, kit.ctxOf(req, reply, s).t('departments.notFound'))
    const department: Department = departmentOf(id, instance, req)
    const operations = can(s.principal, 'operations:read') ? await operationsOf(platform, s, id, instance) : undefined
    if (operations) department.status = (await syncStatus(platform)).find((x) => x.adapter === id)
    const { retried } = req.query
    return kit.render(req, reply, s, (ctx) => ctx.t('departments.detailTitle', department.name), (ctx) => detailBody(ctx, {
      department,
      operations,
      notice: retried === undefined ? undefined : ctx.t('departments.retried', retried),
    }))
  })

  api.post('/portal/departments/:adapterId/retry', {
    schema: { hide: true, params: Params, body: z.object({ _csrf: z.string().max(128).optional(), queue: z.string().max(16).optional(), jobId: z.string().max(256).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    const id = req.params.adapterId
    const { queue: kind, jobId } = req.body
    const note = { subjectKind: 'adapter', subject: id, details: { queue: kind ?? null, jobId: jobId ?? null } }
    if (!can(s.principal, 'operations:manage')) {
      await audit(req, s, 'job.retry', { ...note, outcome: 'denied', details: { ...note.details, status: 403 } })
      throw new PageError(403)
    }
    const t = kit.ctxOf(req, reply, s).t
    const instance = platform.instances.get(id)
    if (!instance) throw new PageError(404, t('departments.notFound'))
    const queue = (QUEUE_KINDS as readonly string[]).includes(kind ?? '') ? instance.queues[kind as QueueKind] : undefined
    if (!queue) throw new PageError(422, t('departments.badQueue'))
    const retried = await retryFailed(queue, jobId)
    if (retried === undefined) {
      await audit(req, s, 'job.retry', { ...note, outcome: 'failed', details: { ...note.details, status: 409 } })
      throw new PageError(409, t('departments.jobGone'))
    }
    await audit(req, s, 'job.retry', { ...note, details: { ...note.details, retried } })
    return reply.code(303).header('location', `/portal/departments/${encodeURIComponent(id)}?retried=${retried}#failed`).send()
  })
}

async function operationsOf (platform: Platform, s: SignedIn, id: string, instance: Instance) {
  const { db } = platform
  const queues = queuesOf(instance.queues)
  // What departments sent (and why it failed) covers every town: county admins only (intake:read).
  const intake = can(s.principal, 'intake:read')
  const [runs, inbox, setAside, failures] = await Promise.all([
    instance.adapter.pull ? recentRuns(db, id, HISTORY_SIZE) : undefined,
    intake && instance.adapter.receive ? inboxOf(platform, id) : undefined,
    instance.adapter.files ? setAsideOf(platform, id) : undefined,
    intake
      ? Promise.all(queues.map(async ([kind, q]): Promise<QueueFailures> => {
        const [count, jobs] = await Promise.all([q.getFailedCount(), listFailed(q, FAILED_SHOWN)])
        return { queue: kind, count, jobs }
      }))
      : undefined,
  ])
  return { runs, inbox, setAside, failures, canRetry: can(s.principal, 'operations:manage'), shownJobs: FAILED_SHOWN }
}

async function inboxOf (platform: Platform, id: string) {
  const [items, counts] = await Promise.all([
    listInbox(platform.db, { adapter: id, limit: HISTORY_SIZE }),
    platform.db.query<{ status: string, n: number }>('SELECT status, count(*)::int AS n FROM inbox WHERE adapter = $1 GROUP BY status', [id]),
  ])
  return { items, counts: Object.fromEntries(counts.rows.map((r) => [r.status, r.n])) }
}

async function setAsideOf (platform: Platform, id: string) {
  const [items, counts] = await Promise.all([
    listFiles(platform.db, { adapter: id, status: 'rejected', superseded: false, limit: HISTORY_SIZE }),
    setAsideCounts(platform.db),
  ])
  return { items, count: counts.get(id) ?? 0 }
}

/**
 * The links that open an instance's department apps signed in: CAS through tongban's /cas/login
 * (a ticket for this session, then the app), OpenID Connect through the app's initiate_login_uri
 * with tongban as `iss` (the app then sends an authorization request, answered without a prompt).
 */
function appLinks (platform: Platform, app: FastifyInstance, req: FastifyRequest, id: string): AppLink[] {
  const sso = platform.config.sso
  if (!sso) return []
  const cas = sso.cas.services.filter((svc) => svc.adapter === id)
    .map((svc): AppLink => ({ name: svc.name, href: `/cas/login?service=${encodeURIComponent(svc.url)}` }))
  const oidc = sso.clients.filter((c) => c.adapter === id && c.initiateLoginUri !== undefined).map((c): AppLink => {
    const url = new URL(c.initiateLoginUri!)
    // Not listening (inject): the provider names itself by the request's Host, and so do we.
    url.searchParams.set('iss', issuerOf(sso, app) ?? `http://${req.headers.host ?? 'localhost'}${OIDC_PREFIX}`)
    return { name: c.name, href: url.toString() }
  })
  return [...cas, ...oidc]
}
