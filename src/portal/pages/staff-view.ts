// The staff pages' bodies: the account list with its filters and the new-account form, and one
// account's page (details, edit, password, sign-in actions, department accounts).
import { ROLES, type Role } from '../../auth/principal.ts'
import type { Staff } from '../../auth/staff.ts'
import type { StaffAccount } from '../../vault/credentials.ts'
import { html, type Html } from '../../html.ts'
import type { MessageKey } from '../i18n.ts'
import { csrfField, type PageContext } from '../layout.ts'
import { beijingTime } from '../format.ts'

export interface Town { code: string, name: string }

/** What a staff form holds as typed (never a password). */
export interface StaffForm {
  username: string
  name: string
  /** The chosen configured town, '' for another one typed in `townOther`. */
  town: string
  townOther: string
  roles: Role[]
  /** A department liaison's department code; '' for town staff. */
  department: string
}

/** A department a liaison may answer for (config.whistles.departments). */
export interface DepartmentChoice { code: string, name: string }

export type FieldErrors = Partial<Record<'username' | 'name' | 'town' | 'roles' | 'password' | 'department', string>>

export const emptyForm = (towns: readonly Town[]): StaffForm => ({ username: '', name: '', town: towns[0]?.code ?? '', townOther: '', roles: [], department: '' })

/** The form of an existing account: a town that is not configured shows as typed. */
export function formOf (staff: Staff, towns: readonly Town[]): StaffForm {
  const configured = towns.some((town) => town.code === staff.town)
  return { username: staff.username, name: staff.name, town: configured ? staff.town : '', townOther: configured ? '' : staff.town, roles: [...staff.roles], department: staff.department ?? '' }
}

/** The roles, and a liaison's department by name. */
function rolesAndDepartment (ctx: PageContext, staff: Staff, departments: readonly DepartmentChoice[]): string {
  const roles = rolesText(ctx, staff.roles)
  if (!staff.department) return roles
  return `${roles}（${departments.find((d) => d.code === staff.department)?.name ?? staff.department}）`
}

const roleLabel = (ctx: PageContext, role: Role): string => ctx.t(`staff.role.${role}` as MessageKey)

const rolesText = (ctx: PageContext, roles: readonly Role[]): string => roles.map((r) => roleLabel(ctx, r)).join(ctx.lang === 'zh' ? '、' : ', ')

export const accountHref = (username: string): string => `/portal/staff/${encodeURIComponent(username)}`

/** An input's error: linked to the control by `aria-describedby`. */
function fieldError (id: string, text: string | undefined): Html | string {
  return text ? html`<p class="field-error" id="${id}-error">${text}</p>` : ''
}

/** The attributes that tie a control to its hint and its error. */
function described (id: string, errors: FieldErrors, field: keyof FieldErrors, hint?: string): Html {
  const ids = [hint, errors[field] ? `${id}-error` : undefined].filter(Boolean).join(' ')
  return html`${ids ? html` aria-describedby="${ids}"` : ''}${errors[field] ? html` aria-invalid="true"` : ''}`
}

function townFields (ctx: PageContext, prefix: string, towns: readonly Town[], form: StaffForm, errors: FieldErrors): Html {
  const { t } = ctx
  return html`<label for="${prefix}-town">${t('staff.town')}</label>
<select id="${prefix}-town" name="town"${described(`${prefix}-town`, errors, 'town')}>
  ${towns.map((town) => html`<option value="${town.code}"${form.town === town.code && form.townOther === '' ? ' selected' : ''}>${town.name}（${town.code}）</option>`)}
  <option value=""${form.town === '' || form.townOther !== '' ? ' selected' : ''}>${t('staff.townOtherOption')}</option>
</select>
<label for="${prefix}-townOther">${t('staff.townOther')}</label>
<input id="${prefix}-townOther" name="townOther" value="${form.townOther}" inputmode="numeric" maxlength="12" pattern="[0-9]{12}" aria-describedby="${prefix}-townOther-hint${errors.town ? ` ${prefix}-town-error` : ''}">
<p class="muted" id="${prefix}-townOther-hint">${t('staff.townOtherHint')}</p>
${fieldError(`${prefix}-town`, errors.town)}`
}

function roleFields (ctx: PageContext, prefix: string, chosen: readonly Role[], errors: FieldErrors): Html {
  const { t } = ctx
  return html`<fieldset class="roles"${errors.roles ? html` aria-describedby="${prefix}-roles-error"` : ''}><legend>${t('staff.roles')}</legend>
${ROLES.map((role) => html`<label><input type="checkbox" name="roles" value="${role}"${chosen.includes(role) ? ' checked' : ''}>
  <span><strong>${roleLabel(ctx, role)}</strong> <span class="muted">${t(`staff.roleHint.${role}` as MessageKey)}</span></span></label>`)}
${fieldError(`${prefix}-roles`, errors.roles)}
</fieldset>`
}

/** Only with the department-liaison role: the department it answers whistles for. */
function departmentField (ctx: PageContext, prefix: string, departments: readonly DepartmentChoice[], form: StaffForm, errors: FieldErrors): Html {
  const { t } = ctx
  return html`<label for="${prefix}-department">${t('staff.department')}</label>
<select id="${prefix}-department" name="department"${described(`${prefix}-department`, errors, 'department', `${prefix}-department-hint`)}>
  <option value=""${form.department === '' ? ' selected' : ''}>${t('staff.departmentNone')}</option>
  ${departments.map((d) => html`<option value="${d.code}"${form.department === d.code ? ' selected' : ''}>${d.name}（${d.code}）</option>`)}
</select>
<p class="muted" id="${prefix}-department-hint">${t('staff.departmentHint')}</p>
${fieldError(`${prefix}-department`, errors.department)}`
}

function nameField (ctx: PageContext, prefix: string, form: StaffForm, errors: FieldErrors): Html {
  return html`<label for="${prefix}-name">${ctx.t('staff.name')}</label>
<input id="${prefix}-name" name="name" value="${form.name}" required maxlength="64"${described(`${prefix}-name`, errors, 'name')}>
${fieldError(`${prefix}-name`, errors.name)}`
}

function passwordField (ctx: PageContext, id: string, label: string, errors: FieldErrors, required: boolean): Html {
  return html`<label for="${id}">${label}</label>
<input id="${id}" name="password" type="password" autocomplete="new-password" maxlength="256"${required ? ' required' : ''}${described(id, errors, 'password', `${id}-hint`)}>
<p class="muted" id="${id}-hint">${ctx.t('staff.passwordPolicy')}</p>
${fieldError(id, errors.password)}`
}

const yesNo = (ctx: PageContext, v: boolean): string => ctx.t(v ? 'staff.yes' : 'staff.no')

function statusText (ctx: PageContext, staff: Staff): string {
  return ctx.t(staff.status === 'active' ? 'staff.status.active' : 'staff.status.disabled')
}

// ---------------------------------------------------------------------------------------------
// the list

export interface ListView {
  staff: Staff[]
  towns: readonly Town[]
  /** Towns to filter by: the configured ones and any other an account has. */
  filterTowns: Town[]
  filter: { town: string, q: string }
  form: StaffForm
  errors: FieldErrors
  /** Accounts may sign in through federation only. */
  passwordOptional: boolean
  townName: (code: string) => string
  departments: readonly DepartmentChoice[]
}

export function staffListBody (ctx: PageContext, v: ListView): Html {
  const { t } = ctx
  const failed = Object.keys(v.errors).length > 0
  return html`<div class="staff-admin">
<h1>${t('staff.title')}</h1>
<p class="muted">${t('staff.intro')}</p>
<form class="filters" method="get" action="/portal/staff" role="search">
  <div><label for="filter-town">${t('staff.filterTown')}</label>
  <select id="filter-town" name="town"><option value="">${t('staff.filterAll')}</option>
    ${v.filterTowns.map((town) => html`<option value="${town.code}"${v.filter.town === town.code ? ' selected' : ''}>${town.name}</option>`)}
  </select></div>
  <div><label for="filter-q">${t('staff.filterText')}</label>
  <input id="filter-q" name="q" type="search" value="${v.filter.q}" maxlength="64"></div>
  <button type="submit">${t('staff.filterSubmit')}</button>
</form>
${v.staff.length === 0 ? html`<p>${t('staff.none')}</p>` : staffTable(ctx, v)}
<details class="card" id="new"${failed ? ' open' : ''}><summary>${t('staff.new')}</summary>
${failed ? html`<p class="error" role="alert">${t('staff.error.form')}</p>` : ''}
<form method="post" action="/portal/staff" novalidate>${csrfField(ctx)}
<div class="cols"><div>
  <label for="new-username">${t('staff.username')}</label>
  <input id="new-username" name="username" value="${v.form.username}" required maxlength="64" autocomplete="off"${described('new-username', v.errors, 'username', 'new-username-hint')}>
  <p class="muted" id="new-username-hint">${t('staff.usernameHint')}</p>
  ${fieldError('new-username', v.errors.username)}
  ${nameField(ctx, 'new', v.form, v.errors)}
  ${townFields(ctx, 'new', v.towns, v.form, v.errors)}
  ${passwordField(ctx, 'new-password', v.passwordOptional ? t('staff.passwordInitialOptional') : t('staff.passwordInitial'), v.errors, !v.passwordOptional)}
</div><div>
  ${roleFields(ctx, 'new', v.form.roles, v.errors)}
  ${departmentField(ctx, 'new', v.departments, v.form, v.errors)}
</div></div>
<p><button type="submit">${t('staff.create')}</button></p>
</form></details>
</div>`
}

function staffTable (ctx: PageContext, v: ListView): Html {
  const { t } = ctx
  return html`<table id="staff-list">
<thead><tr><th scope="col">${t('staff.username')}</th><th scope="col">${t('staff.name')}</th><th scope="col">${t('staff.town')}</th><th scope="col">${t('staff.roles')}</th><th scope="col">${t('staff.status')}</th><th scope="col">${t('staff.lockedUntil')}</th><th scope="col">${t('staff.totp')}</th><th scope="col">${t('staff.federated')}</th><th scope="col">${t('staff.lastLogin')}</th></tr></thead>
<tbody>${v.staff.map((s) => html`<tr${s.status === 'disabled' ? html` class="disabled"` : ''}>
  <td><a href="${accountHref(s.username)}">${s.username}</a></td>
  <td>${s.name}</td>
  <td>${v.townName(s.town)}</td>
  <td>${rolesAndDepartment(ctx, s, v.departments)}</td>
  <td>${statusText(ctx, s)}</td>
  <td>${s.lockedUntil ? beijingTime(s.lockedUntil) : ''}</td>
  <td>${yesNo(ctx, s.hasTotp)}</td>
  <td>${yesNo(ctx, s.federated)}</td>
  <td>${s.lastLoginAt ? beijingTime(s.lastLoginAt) : t('staff.never')}</td>
</tr>`)}</tbody></table>`
}

// ---------------------------------------------------------------------------------------------
// one account

export type AccountForm = 'edit' | 'password' | 'actions' | 'mapping'

export interface AccountView {
  staff: Staff
  towns: readonly Town[]
  townName: (code: string) => string
  departments: readonly DepartmentChoice[]
  /** The signed-in administrator's own account. */
  self: boolean
  notice?: string | undefined
  /** A refused change, shown above the form it came from. */
  error?: { form: AccountForm, text: string } | undefined
  edit: StaffForm
  editErrors: FieldErrors
  passwordErrors: FieldErrors
  /** undefined: the viewer may not manage department accounts. */
  mappings?: {
    items: StaffAccount[]
    adapters: Array<{ id: string, department: string }>
    /** The credential vault is not open (no master key): nothing can be stored. */
    vaultMissing: boolean
    form: { adapter: string, account: string }
    errors: Partial<Record<'adapter' | 'account', string>>
  } | undefined
}

export function accountBody (ctx: PageContext, v: AccountView): Html {
  const { t } = ctx
  const { staff } = v
  const base = accountHref(staff.username)
  const errorFor = (form: AccountForm): Html | string => v.error?.form === form ? html`<p class="error" role="alert">${v.error.text}</p>` : ''
  return html`<div class="staff-admin">
<p><a href="/portal/staff">${t('staff.back')}</a></p>
<h1>${t('staff.accountTitle', staff.name, staff.username)}</h1>
${v.notice ? html`<p class="notice" role="status">${v.notice}</p>` : ''}
<div class="cols"><div>
<table class="facts"><tbody>
  <tr><th scope="row">${t('staff.status')}</th><td>${statusText(ctx, staff)}</td></tr>
  <tr><th scope="row">${t('staff.town')}</th><td>${v.townName(staff.town)} <span class="muted">${staff.town}</span></td></tr>
  <tr><th scope="row">${t('staff.roles')}</th><td>${rolesAndDepartment(ctx, staff, v.departments)}</td></tr>
  <tr><th scope="row">${t('staff.lockedUntil')}</th><td>${staff.lockedUntil ? beijingTime(staff.lockedUntil) : t('staff.notLocked')}</td></tr>
  <tr><th scope="row">${t('staff.hasPassword')}</th><td>${yesNo(ctx, staff.hasPassword)}</td></tr>
  <tr><th scope="row">${t('staff.totp')}</th><td>${yesNo(ctx, staff.hasTotp)}</td></tr>
  <tr><th scope="row">${t('staff.federated')}</th><td>${yesNo(ctx, staff.federated)}</td></tr>
  <tr><th scope="row">${t('staff.createdAt')}</th><td>${beijingTime(staff.createdAt)}</td></tr>
  <tr><th scope="row">${t('staff.lastLogin')}</th><td>${staff.lastLoginAt ? beijingTime(staff.lastLoginAt) : t('staff.never')}</td></tr>
</tbody></table>
<section class="card" aria-labelledby="actions-h">
<h2 id="actions-h">${t('staff.actions')}</h2>
${errorFor('actions')}
${v.self ? html`<p class="muted">${t('staff.selfNote')}</p>` : ''}
<div class="actions">
  ${staff.status === 'active'
    ? actionButton(ctx, `${base}/disable`, t('staff.disable'), t('staff.disableHint'))
    : actionButton(ctx, `${base}/enable`, t('staff.enable'), t('staff.enableHint'))}
  ${actionButton(ctx, `${base}/logout`, t('staff.logout'), t('staff.logoutHint'))}
  ${staff.hasTotp ? actionButton(ctx, `${base}/totp`, t('staff.resetTotp'), t('staff.resetTotpHint')) : ''}
</div>
</section>
<section class="card" aria-labelledby="password-h">
<h2 id="password-h">${t('staff.resetPassword')}</h2>
${errorFor('password')}
<form method="post" action="${base}/password" novalidate>${csrfField(ctx)}
  ${passwordField(ctx, 'reset-password', t('staff.newPassword'), v.passwordErrors, true)}
  <p class="muted">${t('staff.resetPasswordHint')}</p>
  <p><button type="submit">${t('staff.resetPasswordSubmit')}</button></p>
</form>
</section>
</div><div>
<section class="card" aria-labelledby="edit-h">
<h2 id="edit-h">${t('staff.edit')}</h2>
${errorFor('edit')}
<form method="post" action="${base}" novalidate>${csrfField(ctx)}
  ${nameField(ctx, 'edit', v.edit, v.editErrors)}
  ${townFields(ctx, 'edit', v.towns, v.edit, v.editErrors)}
  ${roleFields(ctx, 'edit', v.edit.roles, v.editErrors)}
  ${departmentField(ctx, 'edit', v.departments, v.edit, v.editErrors)}
  <p><button type="submit">${t('staff.save')}</button></p>
</form>
</section>
</div></div>
${v.mappings ? mappingSection(ctx, base, v.mappings, errorFor('mapping')) : ''}
</div>`
}

/** One button in a form of its own (every change is a POST with the CSRF token), with what it does. */
function actionButton (ctx: PageContext, action: string, label: string, hint: string): Html {
  return html`<form method="post" action="${action}">${csrfField(ctx)}<button type="submit" class="secondary">${label}</button> <span class="muted">${hint}</span></form>`
}

function mappingSection (ctx: PageContext, base: string, m: NonNullable<AccountView['mappings']>, error: Html | string): Html {
  const { t } = ctx
  const department = (adapter: string): string => m.adapters.find((a) => a.id === adapter)?.department ?? adapter
  return html`<section class="card" aria-labelledby="mappings-h">
<h2 id="mappings-h">${t('staff.mappings')}</h2>
<p class="muted">${t('staff.mappingsIntro')}</p>
${error}
${m.items.length === 0 ? html`<p>${t('staff.mappingsNone')}</p>` : html`<table id="mappings">
<thead><tr><th scope="col">${t('staff.mappingDepartment')}</th><th scope="col">${t('staff.mappingAccount')}</th><th scope="col">${t('staff.mappingHasPassword')}</th><th scope="col">${t('staff.mappingUpdated')}</th><th scope="col"><span class="muted">${t('staff.mappingRemove')}</span></th></tr></thead>
<tbody>${m.items.map((a) => html`<tr>
  <td>${department(a.adapter)} <span class="muted">${a.adapter}</span></td>
  <td>${a.username}</td>
  <td>${yesNo(ctx, a.hasPassword)}</td>
  <td>${beijingTime(a.updatedAt)}</td>
  <td><form method="post" action="${base}/accounts/${a.adapter}/remove">${csrfField(ctx)}<button type="submit" class="secondary" aria-label="${t('staff.mappingRemoveLabel', department(a.adapter))}">${t('staff.mappingRemove')}</button></form></td>
</tr>`)}</tbody></table>`}
${m.vaultMissing
    ? html`<p class="error" role="alert">${t('staff.vaultMissing')}</p>`
    : m.adapters.length === 0
      ? html`<p class="muted">${t('staff.mappingNoAdapters')}</p>`
      : html`<h3>${t('staff.mappingAdd')}</h3>
<form method="post" action="${base}/accounts" class="mapping-form" novalidate>${csrfField(ctx)}
  <div><label for="map-adapter">${t('staff.mappingDepartment')}</label>
  <select id="map-adapter" name="adapter">${m.adapters.map((a) => html`<option value="${a.id}"${m.form.adapter === a.id ? ' selected' : ''}>${a.department}（${a.id}）</option>`)}</select>
  ${fieldError('map-adapter', m.errors.adapter)}</div>
  <div><label for="map-account">${t('staff.mappingAccount')}</label>
  <input id="map-account" name="account" value="${m.form.account}" required maxlength="128" autocomplete="off"${m.errors.account ? html` aria-invalid="true" aria-describedby="map-account-error"` : ''}>
  ${fieldError('map-account', m.errors.account)}</div>
  <div><label for="map-password">${t('staff.mappingPassword')}</label>
  <input id="map-password" name="password" type="password" maxlength="1024" autocomplete="new-password" aria-describedby="map-password-hint">
  <p class="muted" id="map-password-hint">${t('staff.mappingPasswordHint')}</p></div>
  <p><button type="submit">${t('staff.mappingSave')}</button></p>
</form>`}
</section>`
}
