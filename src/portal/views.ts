// The pages' bodies: sign-in, home, search results, resident and enterprise pages, conflicts.
import type { Platform } from '../platform.ts'
import type { AdapterStatus } from '../sync/status.ts'
import type { SourceActivity } from '../store/activity.ts'
import type { ScopeCounts } from './scope-counts.ts'
import type { Conflict } from '../store/conflicts.ts'
import type { HistoryItem } from '../store/history.ts'
import type { RecordRef, UnifiedRecord } from '../store/records.ts'
import type { Provenance } from '../unify/merge.ts'
import { html, type Html } from './html.ts'
import { catalogue, type MessageKey } from './i18n.ts'
import { csrfField, type PageContext } from './layout.ts'
import { beijingTime, departmentOf, displayValue, maskId } from './format.ts'

// ---------------------------------------------------------------------------------------------
// sign-in

const LOGIN_ERRORS = ['TB_SIGN_IN_FAILED', 'TB_ACCOUNT_LOCKED', 'TB_ACCOUNT_DISABLED', 'TB_TOTP_REQUIRED', 'TB_TOTP_INVALID', 'TB_CSRF', 'TB_RATE_LIMITED', 'TB_VALIDATION'] as const

/** The identity platform's sign-in; `label` as configured (Chinese), shown on Chinese pages. */
export interface FederationButton { href: string, label: string }

export function loginBody (ctx: PageContext, opts: { csrf: string, next: string, federation: FederationButton[] }): Html {
  const { t } = ctx
  const messages = catalogue(ctx.lang)
  const data = [...LOGIN_ERRORS.map((code) => html` data-msg-${code}="${messages[`error.${code}` as MessageKey]}"`),
    html` data-msg-unknown="${messages['error.unknown']}" data-msg-network="${messages['error.network']}"`]
  return html`<div class="login card">
  <h1>${t('login.heading')}</h1>
  <div id="login-error" class="error" role="alert" tabindex="-1"${data}></div>
  <form id="login-form" method="post" action="/auth/login" data-next="${opts.next}">
    <input type="hidden" name="_csrf" value="${opts.csrf}">
    ${opts.next === '/' ? '' : html`<input type="hidden" name="next" value="${opts.next}">`}
    <label for="username">${t('login.username')}</label>
    <input id="username" name="username" autocomplete="username" required autofocus maxlength="64">
    <label for="password">${t('login.password')}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
    <label for="otp">${t('login.otp')}</label>
    <input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6">
    <button type="submit">${t('login.submit')}</button>
  </form>
  ${opts.federation.length > 0
    ? html`<p class="or">${t('login.or')}</p>${opts.federation.map((f) => html`<p><a class="button secondary" style="width:100%;text-align:center" href="${f.href}">${ctx.lang === 'zh' ? f.label : t('login.federation')}</a></p>`)}`
    : ''}
  <noscript><p class="muted">${t('login.noscript')}</p></noscript>
</div>`
}

// ---------------------------------------------------------------------------------------------
// home

export interface HomeData {
  townName: string
  scopeText: string
  counts?: ScopeCounts | undefined
  openConflicts?: number | undefined
  quarantine?: number | undefined
  status?: AdapterStatus[] | undefined
  today?: SourceActivity[] | undefined
}

function tile (label: string, n: number | undefined, href: string | undefined, alert = false): Html | string {
  if (n === undefined) return ''
  const inner = html`<span class="n">${n.toLocaleString('en-US')}</span>${label}`
  return href ? html`<a class="tile${alert && n > 0 ? ' alert' : ''}" href="${href}">${inner}</a>` : html`<div class="tile">${inner}</div>`
}

export function homeBody (ctx: PageContext, platform: Platform, d: HomeData): Html {
  const { t } = ctx
  return html`<h1>${t('home.heading', d.townName)}</h1>
<p class="muted">${d.scopeText}</p>
${d.counts === undefined ? html`<p class="notice">${t('home.noRecords')}</p>` : ''}
<div class="tiles">
  ${tile(t('home.residents'), d.counts?.residents, '/portal/search')}
  ${tile(t('home.enterprises'), d.counts?.enterprises, '/portal/search')}
  ${tile(t('home.openConflicts'), d.openConflicts, '/portal/conflicts', true)}
  ${tile(t('home.quarantine'), d.quarantine, '/portal/quarantine', true)}
</div>
${d.counts ? html`<p class="muted">${t('home.countedAt', beijingTime(d.counts.countedAt))}</p>` : ''}
${d.today ? todayTable(ctx, platform, d.today) : ''}
${d.status ? syncTable(ctx, d.status) : ''}`
}

/** Today's records created and changed, one row per source department. */
function todayTable (ctx: PageContext, platform: Platform, activity: SourceActivity[]): Html {
  const { t } = ctx
  if (activity.length === 0) return html`<h2>${t('home.today')}</h2><p class="muted">${t('home.todayNone')}</p>`
  const bySource = new Map<string, Record<string, number>>()
  for (const a of activity) {
    const row = bySource.get(a.adapter) ?? {}
    row[`${a.kind}.created`] = a.created
    row[`${a.kind}.changed`] = a.changed
    bySource.set(a.adapter, row)
  }
  const cell = (n: number | undefined): string => (n ?? 0).toLocaleString('en-US')
  return html`<h2 id="today">${t('home.today')}</h2>
<table aria-labelledby="today">
<thead><tr><th scope="col">${t('home.todaySource')}</th><th scope="col">${t('home.newResidents')}</th><th scope="col">${t('home.changedResidents')}</th><th scope="col">${t('home.newEnterprises')}</th><th scope="col">${t('home.changedEnterprises')}</th></tr></thead>
<tbody>${[...bySource].map(([adapter, n]) => html`<tr>
  <th scope="row">${platform.instances.has(adapter) ? html`<a href="/portal/departments/${adapter}">${departmentOf(platform, adapter, t)}</a>` : departmentOf(platform, adapter, t)}</th>
  <td>${cell(n['person.created'])}</td><td>${cell(n['person.changed'])}</td><td>${cell(n['enterprise.created'])}</td><td>${cell(n['enterprise.changed'])}</td>
</tr>`)}</tbody></table>`
}

function syncTable (ctx: PageContext, status: AdapterStatus[]): Html {
  const { t } = ctx
  if (status.length === 0) return html`<h2>${t('home.departments')}</h2><p>${t('home.noDepartments')}</p>`
  return html`<h2 id="departments"><a href="/portal/departments">${t('home.departments')}</a></h2>
<table aria-labelledby="departments">
<thead><tr><th scope="col">${t('sync.department')}</th><th scope="col">${t('sync.mode')}</th><th scope="col">${t('sync.state')}</th><th scope="col">${t('sync.lastSuccess')}</th><th scope="col">${t('sync.lag')}</th><th scope="col">${t('sync.backlog')}</th><th scope="col">${t('sync.failures')}</th><th scope="col">${t('sync.breaker')}</th></tr></thead>
<tbody>${status.map((s) => html`<tr${s.state === 'failing' || s.state === 'breaker-open' ? html` class="conflict"` : ''}>
  <td><a href="/portal/departments/${s.adapter}">${s.department}</a> <span class="muted">${s.adapter}</span></td>
  <td>${t(`sync.mode.${s.mode}`)}</td>
  <td>${t(`sync.state.${s.state}`)}</td>
  <td>${s.lastSuccess ? beijingTime(s.lastSuccess) : t('sync.never')}</td>
  <td>${s.lagSeconds === null ? '—' : t('sync.seconds', s.lagSeconds)}</td>
  <td>${s.backlog}</td>
  <td>${s.failures}</td>
  <td>${t(`sync.breaker.${s.breaker.state}`)}${s.breaker.since ? html` <span class="muted">${beijingTime(s.breaker.since)}</span>` : ''}</td>
</tr>`)}</tbody></table>`
}

// ---------------------------------------------------------------------------------------------
// search

export interface SearchResults { items: UnifiedRecord[], next: string | null, paged: boolean }

export interface SearchData {
  q: string
  /** Why the query could not be searched. */
  problem?: 'invalid' | 'too-short' | undefined
  persons?: SearchResults | undefined
  enterprises?: SearchResults | undefined
}

export function searchForm (ctx: PageContext, q: string): Html {
  const { t } = ctx
  return html`<form class="searchbox" method="get" action="/portal/search" role="search"
  hx-get="/portal/search" hx-target="#results" hx-select="#results" hx-swap="outerHTML" hx-push-url="true">
  <div style="flex:1"><label for="q">${t('search.label')}</label>
  <input id="q" name="q" type="search" value="${q}" maxlength="64" required autofocus aria-describedby="q-hint"></div>
  <button type="submit">${t('search.submit')}</button>
</form>
<p id="q-hint" class="muted">${t('search.hint')}</p>`
}

export function searchBody (ctx: PageContext, d: SearchData): Html {
  const { t } = ctx
  const pagerHref = (kind: 'person' | 'enterprise', cursor: string | null): string =>
    `/portal/search?${new URLSearchParams({ q: d.q, kind, ...(cursor === null ? {} : { after: cursor }) }).toString()}`
  const pager = (kind: 'person' | 'enterprise', r: { next: string | null, paged: boolean }): Html => html`<p class="pager">
    ${r.paged ? html`<a href="${pagerHref(kind, null)}">${t('search.first')}</a>` : ''}
    ${r.next !== null ? html`<a href="${pagerHref(kind, r.next)}" rel="next">${t('search.next')}</a>` : ''}</p>`
  const persons = d.persons && d.persons.items.length > 0
    ? html`<h2 id="res-persons">${t('search.residents')}</h2>
<table aria-labelledby="res-persons"><thead><tr><th scope="col">${t('field.name')}</th><th scope="col">${t('field.idNumber')}</th><th scope="col">${t('field.gender')}</th><th scope="col">${t('field.birthDate')}</th><th scope="col">${t('field.phone')}</th><th scope="col">${t('field.address')}</th><th scope="col">${t('field.status')}</th></tr></thead>
<tbody>${d.persons.items.map((p) => html`<tr>
  <td><a href="/portal/persons/${String(p.idNumber)}">${displayValue('name', p.name, t, false)}</a></td>
  <td>${maskId(String(p.idNumber))}</td>
  <td>${displayValue('gender', p.gender, t, false)}</td>
  <td>${displayValue('birthDate', p.birthDate, t, false)}</td>
  <td>${displayValue('phone', p.phone, t, false)}</td>
  <td>${displayValue('address', p.address, t, false)}</td>
  <td>${displayValue('status', p.status, t, false)}</td>
</tr>`)}</tbody></table>${pager('person', d.persons)}`
    : ''
  const enterprises = d.enterprises && d.enterprises.items.length > 0
    ? html`<h2 id="res-enterprises">${t('search.enterprises')}</h2>
<table aria-labelledby="res-enterprises"><thead><tr><th scope="col">${t('field.enterpriseName')}</th><th scope="col">${t('field.creditCode')}</th><th scope="col">${t('field.legalRepresentative')}</th><th scope="col">${t('field.address')}</th><th scope="col">${t('field.status')}</th></tr></thead>
<tbody>${d.enterprises.items.map((e) => html`<tr>
  <td><a href="/portal/enterprises/${String(e.creditCode)}">${displayValue('name', e.name, t, false)}</a></td>
  <td>${String(e.creditCode)}</td>
  <td>${displayValue('legalRepresentative', e.legalRepresentative, t, false)}</td>
  <td>${displayValue('address', e.address, t, false)}</td>
  <td>${displayValue('status', e.status, t, false)}</td>
</tr>`)}</tbody></table>${pager('enterprise', d.enterprises)}`
    : ''
  const none = d.q !== '' && !d.problem && !persons && !enterprises ? html`<p>${t('search.none')}</p>` : ''
  return html`<h1>${t('search.title')}</h1>
${searchForm(ctx, d.q)}
<div id="results" aria-live="polite">
${d.problem === 'invalid' ? html`<p class="error" role="alert">${t('search.invalid', d.q)}</p>` : ''}
${d.problem === 'too-short' ? html`<p class="error" role="alert">${t('search.tooShort')}</p>` : ''}
${persons}${enterprises}${none}
</div>`
}

// ---------------------------------------------------------------------------------------------
// records

export const PERSON_FIELDS = ['name', 'idNumber', 'gender', 'birthDate', 'ethnicityCode', 'phone', 'address', 'divisionCode', 'status'] as const
export const ENTERPRISE_FIELDS = ['name', 'creditCode', 'type', 'legalRepresentative', 'address', 'divisionCode', 'status', 'establishedOn', 'industryCode', 'registeredCapital'] as const

const fieldLabel = (ctx: PageContext, kind: 'person' | 'enterprise', field: string): string =>
  ctx.t(kind === 'enterprise' && field === 'name' ? 'field.enterpriseName' : `field.${field}` as MessageKey)

export interface RecordView {
  kind: 'person' | 'enterprise'
  record: UnifiedRecord
  conflicts: Conflict[]
  history: HistoryItem[]
  /** Persons: the enterprises they represent. */
  represents?: RecordRef[]
  /** Enterprises: the unified person of the legal representative, when known. */
  representative?: RecordRef | undefined
  canResolve: boolean
  /** The purpose given to see ID and phone in full, when it was. */
  fullPurpose?: string | undefined
  notice?: string | undefined
}

export function recordBody (ctx: PageContext, platform: Platform, v: RecordView): Html {
  const { t } = ctx
  const full = v.fullPurpose !== undefined
  const key = String(v.kind === 'person' ? v.record.idNumber : v.record.creditCode)
  const base = v.kind === 'person' ? `/portal/persons/${key}` : `/portal/enterprises/${key}`
  const provenance = v.record.provenance as Record<string, Provenance | undefined>
  const conflicted = new Map(v.conflicts.map((c) => [c.field, c]))
  const fields = v.kind === 'person' ? PERSON_FIELDS : ENTERPRISE_FIELDS
  const name = typeof v.record.name === 'string' ? v.record.name : key
  const valueCell = (field: string): Html | string => {
    const value = v.record[field]
    if (field === 'legalRepresentative' && v.representative) {
      return html`<a href="/portal/persons/${v.representative.key}">${displayValue(field, value, t, full)}</a>`
    }
    if (field === 'legalRepresentative' && value) return html`${displayValue(field, value, t, full)} <span class="muted">${t('record.legalRepresentativeUnknown')}</span>`
    return displayValue(field, value, t, full)
  }
  const rows = fields.map((field) => {
    const p = provenance[field]
    const c = conflicted.get(field)
    return html`<tr${c ? html` class="conflict"` : ''}>
  <th scope="row">${fieldLabel(ctx, v.kind, field)}${c ? html`<a class="badge" href="#conflict-${c.id}">${t('record.conflictBadge')}</a>` : ''}</th>
  <td data-field="${field}">${valueCell(field)}</td>
  <td>${p ? departmentOf(platform, p.adapter, t) : ''}</td>
  <td>${p ? beijingTime(p.observedAt) : ''}</td>
</tr>`
  })
  const reveal = v.kind === 'person' && !full
    ? html`<details class="card" id="reveal"><summary>${t('record.showFull')}</summary>
  <form method="post" action="${base}/full">${csrfField(ctx)}
    <label for="purpose">${t('record.purpose')}</label>
    <textarea id="purpose" name="purpose" required maxlength="200" aria-describedby="purpose-hint"></textarea>
    <p id="purpose-hint" class="muted">${t('record.purposeHint')}</p>
    <button type="submit">${t('record.purposeSubmit')}</button>
  </form></details>`
    : ''
  const side = v.kind === 'person'
    ? html`<h2 id="represents">${t('record.represents')}</h2>
${(v.represents ?? []).length === 0 ? html`<p class="muted">${t('record.representsNone')}</p>` : html`<ul aria-labelledby="represents">${(v.represents ?? []).map((e) => html`<li><a href="/portal/enterprises/${e.key}">${e.name ?? e.key}</a> <span class="muted">${e.key}</span></li>`)}</ul>`}`
    : ''
  return html`<h1>${t(v.kind === 'person' ? 'record.personTitle' : 'record.enterpriseTitle', name)}</h1>
${v.notice ? html`<p class="notice" role="status">${v.notice}</p>` : ''}
${full ? html`<p class="notice" role="status">${t('record.fullShown', v.fullPurpose!)}</p>` : v.kind === 'person' ? html`<p class="muted">${t('record.masked')}</p>` : ''}
<div class="cols"><div>
<table id="fields"><thead><tr><th scope="col">${t('record.field')}</th><th scope="col">${t('record.value')}</th><th scope="col">${t('record.source')}</th><th scope="col">${t('record.observedAt')}</th></tr></thead>
<tbody>${rows}</tbody></table>
${reveal}
</div><div>
${conflictsSection(ctx, platform, v, full)}
${side}
</div></div>
${historySection(ctx, platform, v.kind, v.history, full)}`
}

function conflictsSection (ctx: PageContext, platform: Platform, v: RecordView, full: boolean): Html | string {
  const { t } = ctx
  if (v.conflicts.length === 0) return ''
  return html`<h2>${t('conflict.heading')}</h2>
${v.conflicts.map((c) => {
  const label = fieldLabel(ctx, v.kind, c.field)
  const options = c.candidates.map((cand, i) => html`<label><input type="radio" name="choice" value="${i}" required>
      <span><strong>${displayValue(c.field, cand.value, t, full)}</strong> — ${departmentOf(platform, cand.adapter, t)}, ${beijingTime(cand.observedAt)}${sameJson(cand.value, c.currentValue) ? html` <em>(${t('conflict.current')})</em>` : ''}</span></label>`)
  return html`<section class="card" id="conflict-${c.id}" aria-labelledby="conflict-${c.id}-h">
  <h3 id="conflict-${c.id}-h">${t('conflict.field', label)}</h3>
  ${v.canResolve
    ? html`<form method="post" action="/portal/conflicts/${c.id}/resolve">${csrfField(ctx)}
    <fieldset class="candidates"><legend>${t('conflict.choose')}</legend>${options}</fieldset>
    <label for="reason-${c.id}">${t('conflict.reason')}</label>
    <textarea id="reason-${c.id}" name="reason" required maxlength="500"></textarea>
    <p><button type="submit">${t('conflict.resolve')}</button></p></form>`
    : html`<ul>${c.candidates.map((cand) => html`<li>${displayValue(c.field, cand.value, t, full)} — ${departmentOf(platform, cand.adapter, t)}, ${beijingTime(cand.observedAt)}</li>`)}</ul><p class="muted">${t('conflict.noRight')}</p>`}
</section>`
})}`
}

function sameJson (a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function historySection (ctx: PageContext, platform: Platform, kind: 'person' | 'enterprise', history: HistoryItem[], full: boolean): Html {
  const { t } = ctx
  return html`<h2 id="history">${t('record.history')}</h2>
${history.length === 0 ? html`<p class="muted">${t('record.historyNone')}</p>` : html`<table aria-labelledby="history">
<thead><tr><th scope="col">${t('record.historyTime')}</th><th scope="col">${t('record.source')}</th><th scope="col">${t('record.historyBy')}</th><th scope="col">${t('record.historyChanges')}</th></tr></thead>
<tbody>${history.map((h) => html`<tr>
  <td>${beijingTime(h.changedAt)}${h.id === 0 ? html` <span class="muted">(${t('record.created')})</span>` : ''}</td>
  <td>${departmentOf(platform, h.source.adapter, t)}</td>
  <td>${h.changedBy ?? ''}</td>
  <td>${h.changes.map((c) => html`<div>${fieldLabel(ctx, kind, c.field)}: ${c.old === null ? '' : html`${displayValue(c.field, c.old, t, full)} → `}${displayValue(c.field, c.new, t, full)}</div>`)}</td>
</tr>`)}</tbody></table>`}`
}

// ---------------------------------------------------------------------------------------------
// conflicts list

export function conflictListBody (ctx: PageContext, platform: Platform, items: Conflict[], next: number | null): Html {
  const { t } = ctx
  return html`<h1>${t('conflict.listTitle')}</h1>
${items.length === 0 ? html`<p>${t('conflict.listNone')}</p>` : html`<table>
<thead><tr><th scope="col">${t('conflict.record')}</th><th scope="col">${t('record.field')}</th><th scope="col">${t('conflict.candidate')}</th><th scope="col">${t('conflict.openedAt')}</th></tr></thead>
<tbody>${items.map((c) => html`<tr>
  <td><a href="/portal/${c.kind === 'person' ? 'persons' : 'enterprises'}/${c.recordKey}#conflict-${c.id}">${c.kind === 'person' ? maskId(c.recordKey) : c.recordKey}</a></td>
  <td>${fieldLabel(ctx, c.kind === 'person' ? 'person' : 'enterprise', c.field)}</td>
  <td>${c.candidates.map((cand) => html`<div>${displayValue(c.field, cand.value, t, false)} — ${departmentOf(platform, cand.adapter, t)}</div>`)}</td>
  <td>${beijingTime(c.openedAt)}</td>
</tr>`)}</tbody></table>`}
${next !== null ? html`<p class="pager"><a href="/portal/conflicts?after=${next}" rel="next">${t('search.next')}</a></p>` : ''}`
}
