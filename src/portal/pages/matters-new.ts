// 接件 at the window: the matter's forms pre-filled from the applicant's unified record (each value
// with its source and day), changes to pre-filled values kept as corrections with their reason,
// the materials checklist, and the case opened through the case service. Field errors come back
// at their fields in the page's language with the values as typed; nothing is opened until the
// whole form passes. A hidden request id makes a double click open one case.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { isTongbanError } from '../../errors.ts'
import { beijingToday } from '../../calendar/days.ts'
import type { Matter } from '../../model/matter.ts'
import type { FieldCorrection, MaterialProvided } from '../../model/case.ts'
import { checkForm, type FieldError } from '../../cases/form.ts'
import { platformPrefill, prefillForm } from '../../cases/prefill.ts'
import { matterOf } from '../../store/matters.ts'
import { personRef } from '../../store/records.ts'
import { creditCode, residentId } from '../../normalize/index.ts'
import { page, type PageContext } from '../layout.ts'
import { isMessageKey } from '../i18n.ts'
import { queryText } from '../query.ts'
import { PageError, type PortalKit, type SignedIn } from '../kit.ts'
import { APPLICANT, TASK_HANDLE_ITEM, applicantByParam, mattersScript, windowTown, type Applicant } from './matters.ts'
import { applicantShown } from './cases-view.ts'
import { actorOf, newRequestId } from './cases.ts'
import { defaultProvided, newCaseBody, type NewCaseView, type Prefilled, type Provided } from './matters-new-view.ts'

const Params = z.object({ taskHandleItem: TASK_HANDLE_ITEM })
const Query = z.object({ applicant: APPLICANT.optional(), lang: queryText(8).optional() })
/** The form: f.<field>, why.<field>, offer.<field>, m.<material index>, requestId, _csrf. */
const NewBody = z.record(z.string().max(80), z.string().max(2000))
const PROVIDED = new Set<string>(['paper', 'electronic', 'shared', 'missing'])

interface Filled { name: string, values: Map<string, Prefilled>, withheld: Set<string>, replacements: NewCaseView['replacements'] }

/** A field error in the page's language: the code's message, or the code itself for one the catalogue lacks. */
function errorText (ctx: PageContext, e: Pick<FieldError, 'code'>): string {
  const key = `formError.${e.code}`
  return isMessageKey(key) ? ctx.t(key) : ctx.t('formError.other', e.code)
}

export async function newCasePages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, signIn, requireCsrf, requirePermission, recordScope, ctxOf, sendPage, audit } = kit
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()

  /** The matter the staff member's town offers today; a withdrawn or foreign one cannot be started. */
  const offeredMatter = async (s: SignedIn, taskHandleItem: string): Promise<Matter> => {
    requirePermission(s, 'cases:act')
    const town = windowTown(kit, s)
    const history = await matterOf(db, { town, taskHandleItem, on: beijingToday() })
    if (!history?.inForce) throw new PageError(404)
    return history.inForce.matter
  }

  const applicantOf = async (s: SignedIn, param: string): Promise<Applicant> => await applicantByParam(kit, s, param)

  /**
   * The record's values for the matter's fields, with the department and day each came from (the
   * read audited as a pre-fill, with opening this matter's case as its purpose), and what stands in
   * for each 免提交 material.
   */
  const prefilled = async (req: FastifyRequest, s: SignedIn, matter: Matter, a: Applicant): Promise<Filled> => {
    const purpose = `办理“${matter.name}”`.slice(0, 200)
    const filled = await prefillForm(platformPrefill(platform, s.principal.roles), matter, { kind: a.kind, key: a.key }, recordScope(s), purpose)
    const values = new Map<string, Prefilled>()
    const withheld = new Set<string>()
    for (const f of filled.fields) {
      if (f.value !== null) values.set(f.field, { value: f.value, source: f.source?.department ?? '', observedAt: f.source?.observedAt ?? '' })
      if (f.withheld) withheld.add(f.field)
    }
    await audit(req, s, 'case.prefill', { subjectKind: a.kind, subject: a.key, purpose, details: { taskHandleItem: matter.taskHandleItem, fields: [...values.keys()] } })
    const replacements = filled.materials.map((m) => m.replacedBy ? { title: m.replacedBy.title, source: m.replacedBy.source?.department ?? '', observedAt: m.replacedBy.source?.observedAt ?? '' } : null)
    return { name: filled.applicant.name ?? '', values, withheld, replacements }
  }

  const formPage = (req: FastifyRequest, reply: FastifyReply, s: SignedIn, status: number, v: NewCaseView): FastifyReply => {
    const ctx = ctxOf(req, reply, s)
    return sendPage(reply, status, page(ctx, ctx.t('matter.newTitle', v.matter.name), newCaseBody(ctx, v), { scripts: mattersScript(kit) }))
  }

  api.get('/portal/matters/:taskHandleItem/new', { schema: { hide: true, params: Params, querystring: Query } }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    const matter = await offeredMatter(s, req.params.taskHandleItem)
    const empty = { prefilled: new Map(), withheld: new Set<string>(), replacements: [], values: {}, why: {}, offer: new Set<string>(), provided: matter.materials.map(defaultProvided), errors: new Map(), requestId: newRequestId() }
    if (!req.query.applicant) return formPage(req, reply, s, 200, { matter, ...empty })
    const a = await applicantOf(s, req.query.applicant)
    const filled = await prefilled(req, s, matter, a)
    return formPage(req, reply, s, 200, {
      matter, ...empty, applicant: { param: a.param, name: filled.name, masked: applicantShown(a.kind, a.key) },
      prefilled: filled.values, withheld: filled.withheld, replacements: filled.replacements, values: Object.fromEntries([...filled.values].map(([k, f]) => [k, f.value])),
    })
  })

  // An ID number or credit code typed at the window: to the form's address by the record's reference.
  api.post('/portal/matters/:taskHandleItem/new/applicant', {
    schema: { hide: true, params: Params, body: z.object({ _csrf: z.string().max(128).optional(), key: queryText(30).optional() }) },
  }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    await offeredMatter(s, req.params.taskHandleItem)
    const typed = (req.body.key ?? '').trim().toUpperCase()
    const id = residentId(typed)
    const code = id.ok ? undefined : creditCode(typed)
    const param = id.ok ? `person:${(await personRef(db, id.value))?.ref ?? ''}` : code?.ok ? `enterprise:${code.value}` : ''
    const notFound = (): never => { throw new PageError(404, ctxOf(req, reply, s).t('matter.applicantUnknown')) }
    if (!APPLICANT.safeParse(param).success) notFound()
    await applicantOf(s, param).catch(notFound)
    return reply.code(303).header('location', `/portal/matters/${req.params.taskHandleItem}/new?${new URLSearchParams({ applicant: param }).toString()}`).send()
  })

  api.post('/portal/matters/:taskHandleItem/new', { schema: { hide: true, params: Params, querystring: Query, body: NewBody } }, async (req, reply) => {
    const s = await signIn(req, reply)
    if (!s) return reply
    requireCsrf(req, s)
    const matter = await offeredMatter(s, req.params.taskHandleItem)
    if (!req.query.applicant) throw new PageError(404)
    const a = await applicantOf(s, req.query.applicant)
    const filled = await prefilled(req, s, matter, a)
    const b = req.body
    const ctx = ctxOf(req, reply, s)
    const fields = matter.forms.flatMap((f) => f.fields)
    const values = Object.fromEntries(fields.map((f) => [f.name, (b[`f.${f.name}`] ?? '').trim()]))
    const why = Object.fromEntries(fields.map((f) => [f.name, (b[`why.${f.name}`] ?? '').trim()]))
    const offer = new Set(fields.filter((f) => b[`offer.${f.name}`] !== undefined).map((f) => f.name))
    const provided = matter.materials.map((m, i) => {
      const p = b[`m.${i}`]
      return p !== undefined && PROVIDED.has(p) ? p as Provided : defaultProvided(m)
    })
    const errors = new Map<string, string>()
    const corrections: FieldCorrection[] = []
    for (const [name, pre] of filled.values) {
      if (values[name] === pre.value) continue
      if (!why[name]) errors.set(`why.${name}`, ctx.t('formError.correctionWhy'))
      else corrections.push({ field: name, from: pre.value, to: values[name] ?? '', why: why[name]!, offerToRecord: offer.has(name) })
    }
    const formData = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''))
    const checked = checkForm(matter, formData)
    if (!checked.ok) for (const e of checked.errors) errors.set(e.field, errorText(ctx, e))
    const view: NewCaseView = {
      matter, applicant: { param: a.param, name: filled.name, masked: applicantShown(a.kind, a.key) }, prefilled: filled.values, withheld: filled.withheld, replacements: filled.replacements,
      values, why, offer, provided, errors, requestId: /^[A-Za-z0-9_-]{8,64}$/.test(b.requestId ?? '') ? b.requestId! : newRequestId(),
    }
    if (errors.size > 0) return formPage(req, reply, s, 422, view)
    const materials: MaterialProvided[] = matter.materials.map((m, i) => ({ name: m.name, provided: provided[i]! }))
    let projectNo: string
    try {
      ({ projectNo } = await platform.cases.open({ taskHandleItem: matter.taskHandleItem, applicant: { kind: a.kind, key: a.key }, formData, corrections, materials, requestId: view.requestId }, actorOf(s.principal), windowTown(kit, s)))
    } catch (err) {
      // The service checks the form again (the matter may have changed in between).
      if (!isTongbanError(err) || err.code !== 'TB_CASE_FORM_INVALID') throw err
      const detail = (err.details as { errors?: FieldError[] } | undefined)?.errors ?? []
      for (const e of detail) errors.set(e.field, errorText(ctx, e))
      return formPage(req, reply, s, 422, view)
    }
    await audit(req, s, 'case.open', { subjectKind: 'case', subject: projectNo, details: { taskHandleItem: matter.taskHandleItem, corrections: corrections.length } })
    return reply.code(303).header('location', `/portal/cases/${projectNo}?opened=1`).send()
  })
}
