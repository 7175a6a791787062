// The staff pages (security administration, `staff:manage`): the accounts with their towns and
// roles, a new account, and per account: edit, disable/enable, a new password, the authenticator,
// its sessions, and (`vault:manage`) the department accounts it acts as, sealed in the vault.
// They call the same domain functions as /api/v1/staff and /api/v1/staff/:username/accounts and
// write the same audit actions. An administrator cannot disable their own account or drop their
// own security-admin role here, so the system does not lose its administrator by a slip.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ROLES, type Role } from '../../auth/principal.ts'
import { can } from '../../auth/access.ts'
import { TownCode, Username, createStaff, disableStaff, endSessions, findStaff, listStaff, resetPassword, resetTotp, setStaffStatus, updateStaff, type Staff } from '../../auth/staff.ts'
import { deleteStaffAccount, listStaffAccounts, putStaffAccount } from '../../vault/credentials.ts'
import { isTongbanError } from '../../errors.ts'
import type { MessageKey } from '../i18n.ts'
import { page, type PageContext } from '../layout.ts'
import { formText, queryText } from '../query.ts'
import { departmentOf } from '../format.ts'
import { PageError, type PortalKit, type SignedIn } from '../kit.ts'
import type { DepartmentRegistry } from '../../departments/registry.ts'
import { accountBody, accountHref, emptyForm, formOf, staffListBody, type AccountForm, type AccountView, type FieldErrors, type StaffForm } from './staff-view.ts'

const Lang = z.string().max(8).optional()
const Text = formText(1024).optional()
const Csrf = z.string().max(128).optional()
const StaffBody = z.object({
  _csrf: Csrf,
  username: Text,
  name: Text,
  town: Text,
  townOther: Text,
  roles: z.union([z.string().max(32), z.array(z.string().max(32)).max(20)]).optional(),
  password: Text,
  department: Text,
})
type StaffBody = z.infer<typeof StaffBody>
const UsernameParams = z.object({ username: z.string().max(128) })

/** What `?done=` after a change says. */
const DONE = ['created', 'updated', 'disabled', 'enabled', 'password', 'totp', 'logout', 'mapped', 'unmapped', 'unmappedNone'] as const
type Done = (typeof DONE)[number]

function readForm (body: StaffBody): StaffForm {
  const roles = body.roles === undefined ? [] : Array.isArray(body.roles) ? body.roles : [body.roles]
  return {
    username: (body.username ?? '').trim(),
    name: (body.name ?? '').trim(),
    town: (body.town ?? '').trim(),
    townOther: (body.townOther ?? '').trim(),
    roles: ROLES.filter((role) => roles.includes(role)),
    department: (body.department ?? '').trim(),
  }
}

/** A code typed in wins over the list: it is there for a town the list lacks. */
const townOf = (form: StaffForm): string => form.townOther !== '' ? form.townOther : form.town

/** The form's problems in words (the domain's schemas and the department registry decide what is valid). */
function formErrors (ctx: PageContext, form: StaffForm, withUsername: boolean, departments: DepartmentRegistry): FieldErrors {
  const { t } = ctx
  const errors: FieldErrors = {}
  if (withUsername && !Username.safeParse(form.username).success) errors.username = t(form.username === '' ? 'staff.error.usernameMissing' : 'staff.error.username')
  if (form.name === '' || form.name.length > 64) errors.name = t('staff.error.name')
  if (!TownCode.safeParse(townOf(form)).success) errors.town = t('staff.error.town')
  if (form.roles.length === 0) errors.roles = t('staff.error.roles')
  try {
    departments.checkLiaison({ roles: form.roles, department: form.department || null, town: townOf(form) })
  } catch (err) {
    if (!isTongbanError(err)) throw err
    errors.department = t('staff.error.department')
  }
  return errors
}

const hasErrors = (errors: object): boolean => Object.keys(errors).length > 0
const codeOf = (err: unknown): string => isTongbanError(err) ? err.code : 'TB_INTERNAL'
const isSelf = (s: SignedIn, staff: Staff): boolean => s.principal.kind === 'staff' && s.principal.id === String(staff.id)

export async function staffPages (app: FastifyInstance, kit: PortalKit): Promise<void> {
  const { platform, sessions, signIn, requireCsrf, requirePermission, ctxOf, sendPage, audit, townName } = kit
  const { db, config } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()
  const towns = config.towns
  const passwordOptional = Boolean(config.federation?.oidc ?? config.federation?.cas)

  /** After a change: back to the account's page, which says what was done (POST-redirect-GET). */
  const done = (reply: FastifyReply, staff: Staff, what: Done, n?: number): FastifyReply =>
    reply.code(303).header('location', `${accountHref(staff.username)}?done=${what}${n === undefined ? '' : `&n=${n}`}`).send()

  /** Signed in with `staff:manage` (and the CSRF token for a POST); undefined when it answered. */
  const admin = async (req: FastifyRequest, reply: FastifyReply): Promise<SignedIn | undefined> => {
    const s = await signIn(req, reply)
    if (!s) return undefined
    if (req.method === 'POST') requireCsrf(req, s)
    requirePermission(s, 'staff:manage')
    return s
  }

  /** The account named in the path; a 404 page when there is none. */
  const account = async (username: string): Promise<Staff> => {
    const staff = Username.safeParse(username).success ? await findStaff(db, username) : undefined
    if (!staff) throw new PageError(404)
    return staff
  }

  // -------------------------------------------------------------------------------------------
  // the list and a new account

  const listPage = async (req: FastifyRequest, reply: FastifyReply, s: SignedIn, status: number, filter: { town: string, q: string }, form: StaffForm, errors: FieldErrors): Promise<FastifyReply> => {
    const ctx = ctxOf(req, reply, s)
    const all = await listStaff(db)
    const q = filter.q.toLowerCase()
    const shown = all.filter((one) => (filter.town === '' || one.town === filter.town) &&
      (q === '' || one.username.includes(q) || one.name.toLowerCase().includes(q)))
    const others = [...new Set(all.map((one) => one.town))].filter((code) => !towns.some((town) => town.code === code)).sort()
    const filterTowns = [...towns, ...others.map((code) => ({ code, name: code }))]
    const body = staffListBody(ctx, { staff: shown, towns, filterTowns, filter, form, errors, passwordOptional, townName, departments: platform.departments.all })
    return sendPage(reply, status, page(ctx, ctx.t('staff.title'), body))
  }

  api.get('/portal/staff', {
    schema: { hide: true, querystring: z.object({ town: queryText(12).optional(), q: queryText(64).optional(), lang: Lang }) },
  }, async (req, reply) => {
    const s = await admin(req, reply)
    if (!s) return reply
    return await listPage(req, reply, s, 200, { town: req.query.town ?? '', q: (req.query.q ?? '').trim() }, emptyForm(towns), {})
  })

  api.post('/portal/staff', { schema: { hide: true, body: StaffBody } }, async (req, reply) => {
    const s = await admin(req, reply)
    if (!s) return reply
    const ctx = ctxOf(req, reply, s)
    const form = readForm(req.body)
    const password = req.body.password ?? ''
    const errors = formErrors(ctx, form, true, platform.departments)
    if (password === '' && !passwordOptional) errors.password = ctx.t('staff.error.passwordMissing')
    if (hasErrors(errors)) return await listPage(req, reply, s, 422, { town: '', q: '' }, form, errors)
    try {
      const staff = await createStaff(db, { username: form.username, name: form.name, town: townOf(form), roles: form.roles, ...(form.department === '' ? {} : { department: form.department }), ...(password === '' ? {} : { password }) })
      await audit(req, s, 'staff.create', { subjectKind: 'staff', subject: staff.username, details: { town: staff.town, roles: staff.roles } })
      return done(reply, staff, 'created')
    } catch (err) {
      const code = codeOf(err)
      if (code !== 'TB_STAFF_EXISTS' && code !== 'TB_PASSWORD_WEAK') throw err
      await audit(req, s, 'staff.create', { subjectKind: 'staff', subject: form.username, outcome: 'failed', details: { code } })
      const refused: FieldErrors = code === 'TB_STAFF_EXISTS' ? { username: ctx.t('staff.error.exists', form.username) } : { password: ctx.t('staff.error.passwordWeak') }
      return await listPage(req, reply, s, code === 'TB_STAFF_EXISTS' ? 409 : 422, { town: '', q: '' }, form, refused)
    }
  })

  // -------------------------------------------------------------------------------------------
  // one account

  interface AccountOptions {
    status?: number
    notice?: string | undefined
    error?: { form: AccountForm, text: string }
    edit?: StaffForm
    editErrors?: FieldErrors
    passwordErrors?: FieldErrors
    mapping?: { adapter: string, account: string }
    mappingErrors?: NonNullable<AccountView['mappings']>['errors']
  }

  const accountPage = async (req: FastifyRequest, reply: FastifyReply, s: SignedIn, staff: Staff, o: AccountOptions = {}): Promise<FastifyReply> => {
    const ctx = ctxOf(req, reply, s)
    const adapters = config.adapters.map((a) => ({ id: a.id, department: departmentOf(platform, a.id, ctx.t) }))
    const mappings: AccountView['mappings'] = can(s.principal, 'vault:manage')
      ? {
          items: await listStaffAccounts(db, { staffId: staff.id }),
          adapters,
          vaultMissing: !platform.vault,
          form: o.mapping ?? { adapter: adapters[0]?.id ?? '', account: '' },
          errors: o.mappingErrors ?? {},
        }
      : undefined
    const body = accountBody(ctx, {
      staff,
      towns,
      townName,
      departments: platform.departments.all,
      self: isSelf(s, staff),
      notice: o.notice,
      error: o.error,
      edit: o.edit ?? formOf(staff, towns),
      editErrors: o.editErrors ?? {},
      passwordErrors: o.passwordErrors ?? {},
      mappings,
    })
    return sendPage(reply, o.status ?? 200, page(ctx, ctx.t('staff.accountTitle', staff.name, staff.username), body))
  }

  api.get('/portal/staff/:username', {
    schema: { hide: true, params: UsernameParams, querystring: z.object({ done: z.enum(DONE).optional(), n: z.coerce.number().int().min(0).max(1_000_000).optional(), lang: Lang }) },
  }, async (req, reply) => {
    const s = await admin(req, reply)
    if (!s) return reply
    const staff = await account(req.params.username)
    const { done, n } = req.query
    const notice = done === undefined ? undefined : ctxOf(req, reply, s).t(`staff.done.${done}` as MessageKey, n ?? 0)
    return await accountPage(req, reply, s, staff, { notice })
  })

  api.post('/portal/staff/:username', { schema: { hide: true, params: UsernameParams, body: StaffBody } }, async (req, reply) => {
    const s = await admin(req, reply)
    if (!s) return reply
    const staff = await account(req.params.username)
    const ctx = ctxOf(req, reply, s)
    const form = { ...readForm(req.body), username: staff.username }
    const editErrors = formErrors(ctx, form, false, platform.departments)
    if (hasErrors(editErrors)) return await accountPage(req, reply, s, staff, { status: 422, edit: form, editErrors, error: { form: 'edit', text: ctx.t('staff.error.form') } })
    if (isSelf(s, staff) && staff.roles.includes('security-admin') && !form.roles.includes('security-admin')) {
      await audit(req, s, 'staff.update', { subjectKind: 'staff', subject: staff.username, outcome: 'denied', details: { reason: 'own security-admin role' } })
      return await accountPage(req, reply, s, staff, { status: 409, edit: form, error: { form: 'edit', text: ctx.t('staff.error.selfRole') } })
    }
    const updated = await updateStaff(db, staff.username, { name: form.name, town: townOf(form), roles: form.roles, department: form.department === '' ? null : form.department })
    await audit(req, s, 'staff.update', { subjectKind: 'staff', subject: staff.username, details: { town: updated.town, roles: updated.roles } })
    return done(reply, updated, 'updated')
  })

  api.post('/portal/staff/:username/disable', { schema: { hide: true, params: UsernameParams, body: z.object({ _csrf: Csrf }) } }, async (req, reply) => {
    const s = await admin(req, reply)
    if (!s) return reply
    const staff = await account(req.params.username)
    if (isSelf(s, staff)) {
      await audit(req, s, 'staff.disable', { subjectKind: 'staff', subject: staff.username, outcome: 'denied', details: { reason: 'own account' } })
      return await accountPage(req, reply, s, staff, { status: 409, error: { form: 'actions', text: ctxOf(req, reply, s).t('staff.error.selfDisable') } })
    }
    const disabled = await disableStaff(db, sessions, staff.username)
    await audit(req, s, 'staff.disable', { subjectKind: 'staff', subject: staff.username })
    return done(reply, disabled, 'disabled')
  })

  api.post('/portal/staff/:username/enable', { schema: { hide: true, params: UsernameParams, body: z.object({ _csrf: Csrf }) } }, async (req, reply) => {
    const s = await admin(req, reply)
    if (!s) return reply
    const staff = await account(req.params.username)
    const enabled = await setStaffStatus(db, staff.username, 'active')
    await audit(req, s, 'staff.enable', { subjectKind: 'staff', subject: staff.username })
    return done(reply, enabled, 'enabled')
  })

  api.post('/portal/staff/:username/password', { schema: { hide: true, params: UsernameParams, body: z.object({ _csrf: Csrf, password: Text }) } }, async (req, reply) => {
    const s = await admin(req, reply)
    if (!s) return reply
    const staff = await account(req.params.username)
    const { t } = ctxOf(req, reply, s)
    const password = req.body.password ?? ''
    if (password === '') return await accountPage(req, reply, s, staff, { status: 422, passwordErrors: { password: t('staff.error.passwordMissing') } })
    try {
      const changed = await resetPassword(db, sessions, staff.username, password)
      await audit(req, s, 'staff.reset-password', { subjectKind: 'staff', subject: staff.username })
      return done(reply, changed, 'password')
    } catch (err) {
      if (codeOf(err) !== 'TB_PASSWORD_WEAK') throw err
      await audit(req, s, 'staff.reset-password', { subjectKind: 'staff', subject: staff.username, outcome: 'failed', details: { code: codeOf(err) } })
      return await accountPage(req, reply, s, staff, { status: 422, passwordErrors: { password: t('staff.error.passwordWeak') } })
    }
  })

  api.post('/portal/staff/:username/totp', { schema: { hide: true, params: UsernameParams, body: z.object({ _csrf: Csrf }) } }, async (req, reply) => {
    const s = await admin(req, reply)
    if (!s) return reply
    const staff = await account(req.params.username)
    const changed = await resetTotp(db, staff.username)
    await audit(req, s, 'staff.update', { subjectKind: 'staff', subject: staff.username, details: { totp: 'removed' } })
    return done(reply, changed, 'totp')
  })

  api.post('/portal/staff/:username/logout', { schema: { hide: true, params: UsernameParams, body: z.object({ _csrf: Csrf }) } }, async (req, reply) => {
    const s = await admin(req, reply)
    if (!s) return reply
    const staff = await account(req.params.username)
    const ended = await endSessions(db, sessions, staff.username)
    await audit(req, s, 'auth.logout', { subjectKind: 'staff', subject: staff.username, details: { all: true, ended } })
    return done(reply, staff, 'logout', ended)
  })

  // -------------------------------------------------------------------------------------------
  // department accounts (the vault)

  /** A department-account change: `vault:manage` too. */
  const vaultAdmin = async (req: FastifyRequest, reply: FastifyReply): Promise<SignedIn | undefined> => {
    const s = await admin(req, reply)
    if (s) requirePermission(s, 'vault:manage')
    return s
  }

  api.post('/portal/staff/:username/accounts', {
    schema: { hide: true, params: UsernameParams, body: z.object({ _csrf: Csrf, adapter: z.string().max(64).optional(), account: Text, password: Text }) },
  }, async (req, reply) => {
    const s = await vaultAdmin(req, reply)
    if (!s) return reply
    const staff = await account(req.params.username)
    const { t } = ctxOf(req, reply, s)
    if (!platform.vault) throw new PageError(409, t('staff.vaultMissing'))
    const mapping = { adapter: req.body.adapter ?? '', account: (req.body.account ?? '').trim() }
    const mappingErrors: NonNullable<AccountOptions['mappingErrors']> = {}
    if (!platform.instances.has(mapping.adapter)) mappingErrors.adapter = t('staff.error.adapter')
    if (mapping.account === '' || mapping.account.length > 128) mappingErrors.account = t('staff.error.account')
    if (hasErrors(mappingErrors)) return await accountPage(req, reply, s, staff, { status: 422, mapping, mappingErrors, error: { form: 'mapping', text: t('staff.error.form') } })
    const password = req.body.password ?? ''
    await putStaffAccount(db, platform.vault, { staffId: staff.id, adapter: mapping.adapter, username: mapping.account, password: password === '' ? null : password })
    await audit(req, s, 'vault.store', { subjectKind: 'staff', subject: staff.username, details: { adapter: mapping.adapter, password: password !== '' } })
    return done(reply, staff, 'mapped')
  })

  api.post('/portal/staff/:username/accounts/:adapter/remove', {
    schema: { hide: true, params: z.object({ username: z.string().max(128), adapter: z.string().max(64) }), body: z.object({ _csrf: Csrf }) },
  }, async (req, reply) => {
    const s = await vaultAdmin(req, reply)
    if (!s) return reply
    const staff = await account(req.params.username)
    const removed = await deleteStaffAccount(db, staff.id, req.params.adapter)
    await audit(req, s, 'vault.store', { subjectKind: 'staff', subject: staff.username, details: { adapter: req.params.adapter, removed } })
    return done(reply, staff, removed ? 'unmapped' : 'unmappedNone')
  })
}
