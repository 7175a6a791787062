// The matters the staff member's town offers on a day (today unless asked), and each matter's
// guide (办事指南): the version in force, or, for a matter the town no longer offers (a case
// opened under it links here with `?version=`), the version asked or the latest, marked 已取消.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { can } from '../../auth/access.ts'
import { beijingToday } from '../../calendar/days.ts'
import type { Matter } from '../../model/matter.ts'
import { matterOf, matterVersion, mattersInForce, type OfferedMatter } from '../../store/matters.ts'
import { idNumberByRef, recordInScope, recordLabels } from '../../store/records.ts'
import { html, type Html } from '../../html.ts'
import { beijingTime } from '../format.ts'
import { queryText } from '../query.ts'
import { PageError, type PortalKit, type SignedIn } from '../kit.ts'
import { guideBody, matterListBody } from './matters-view.ts'

export const TASK_HANDLE_ITEM = z.string().regex(/^[0-9A-Z]{33}$/, 'a 33-character business item code')
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(d)), 'a date that exists')

/** An applicant in a page's address: a resident by their opaque reference (never the ID number), an enterprise by its credit code. */
export const APPLICANT = z.string().regex(/^(person:[0-9a-f]{32}|enterprise:[0-9A-Z]{18})$/, 'person:<ref> or enterprise:<credit code>')

export interface Applicant { kind: 'person' | 'enterprise', key: string, param: string }

/** The applicant an address names, in the staff member's scope; a 404 page otherwise. */
export async function applicantByParam (kit: PortalKit, s: SignedIn, param: string): Promise<Applicant> {
  const { db } = kit.platform
  const scope = kit.recordScope(s)
  const [kind, value] = param.split(':') as ['person' | 'enterprise', string]
  const key = kind === 'person' ? await idNumberByRef(db, value) : value
  if (key === undefined || !await recordInScope(db, kind, key, scope)) throw new PageError(404)
  return { kind, key, param }
}

/** The town whose window the staff member works at; a 403 page for an account without one or without the right. */
export function windowTown (kit: PortalKit, s: SignedIn): string {
  kit.requirePermission(s, 'cases:read')
  if (s.principal.town === null) throw new PageError(403)
  return s.principal.town
}

/** The guide's print button and the 接件 form's helpers (no inline scripts: the CSP allows only 'self'). */
export const mattersScript = (kit: PortalKit): Html => html`<script src="${kit.assets.url('matters.js')}" defer></script>`

export async function matterPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, signIn, render, townName } = kit
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.get('/portal/matters', {
    schema: { hide: true, querystring: z.object({ q: queryText(60).optional(), on: z.union([Day, z.literal('')]).optional(), applicant: APPLICANT.optional(), lang: queryText(8).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const town = windowTown(kit, s)
    const on = req.query.on || beijingToday()
    const q = req.query.q ?? ''
    const items = await mattersInForce(db, { town, on, q })
    const a = req.query.applicant ? await applicantByParam(kit, s, req.query.applicant) : undefined
    const applicant = a && { param: a.param, name: (await recordLabels(db, a.kind, [a.key])).get(a.key)?.name ?? '' }
    return render(req, reply, s, (ctx) => ctx.t('matter.listTitle'), (ctx) =>
      matterListBody(ctx, { townName: townName(town), on, q, items, canStart: can(s.principal, 'cases:act'), applicant }))
  })

  api.get('/portal/matters/:taskHandleItem', {
    schema: {
      hide: true,
      params: z.object({ taskHandleItem: TASK_HANDLE_ITEM }),
      querystring: z.object({ version: z.coerce.number().int().min(1).max(100_000).optional(), lang: queryText(8).optional() }),
    },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const town = windowTown(kit, s)
    const today = beijingToday()
    const history = await matterOf(db, { town, taskHandleItem: req.params.taskHandleItem, on: today })
    if (!history) throw new PageError(404)
    const asked = req.query.version
    const offered: OfferedMatter | null = history.inForce && (asked === undefined || history.inForce.matter.version === asked) ? history.inForce : null
    let matter: Matter | undefined = offered?.matter
    if (!matter) matter = asked === undefined ? history.versions[0]?.matter : (await matterVersion(db, req.params.taskHandleItem, asked, town))?.matter
    if (!matter) throw new PageError(404)
    const shown = matter
    return render(req, reply, s, (ctx) => ctx.t('matter.guideTitle', shown.name), (ctx) => {
      const notice = offered
        ? undefined
        : shown.state === 'withdrawn' || (shown.effectiveUntil !== undefined && shown.effectiveUntil < today)
          ? (shown.effectiveUntil ? ctx.t('matter.withdrawn', shown.effectiveUntil) : ctx.t('matter.withdrawnNoDate'))
          : ctx.t('matter.notOffered')
      return guideBody(ctx, { matter: shown, origin: offered?.origin ?? null, notice, canStart: can(s.principal, 'cases:act'), printedAt: beijingTime(new Date().toISOString()) })
    }, { scripts: mattersScript(kit) })
  })
}
