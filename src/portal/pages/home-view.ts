// The home page's body: tiles, today's changes per source department, the department systems'
// health; for auditors the audit chain's status, for security admins the accounts that need them.
import type { Platform } from '../../platform.ts'
import type { AdapterStatus } from '../../sync/status.ts'
import type { SourceActivity } from '../../store/activity.ts'
import type { ScopeCounts } from '../scope-counts.ts'
import type { Staff } from '../../auth/staff.ts'
import type { AuditRow } from '../../audit/index.ts'
import type { MessageKey } from '../i18n.ts'
import { verifySection } from './audit-view.ts'
import { accountHref } from './staff-view.ts'
import { html, type Html } from '../../html.ts'
import type { PageContext } from '../layout.ts'
import { beijingTime, departmentOf } from '../format.ts'
import { searchForm } from './search-view.ts'
import { HOME_COUNT_LIMIT } from './cases-view.ts'

export interface HomeData {
  townName: string
  scopeText: string
  /** The staff member may search: the box in the middle of the page, focused. */
  search: boolean
  counts?: ScopeCounts | undefined
  openConflicts?: number | undefined
  quarantine?: number | undefined
  status?: AdapterStatus[] | undefined
  today?: SourceActivity[] | undefined
  /** Auditors: the chain's verification, loaded into the page, and the way to the log. */
  audit?: boolean
  /** Security admins: locked and disabled accounts, and the latest changes to accounts. */
  accounts?: { locked: Staff[], disabled: Staff[], changes: AuditRow[] } | undefined
  /** Window staff and leaders: my cases today, due soon, overdue (each counted up to a limit). */
  cases?: { mine: number, due: number, overdue: number } | undefined
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
${d.search ? html`<div class="home-search">${searchForm(ctx, '')}</div>` : ''}
${d.counts === undefined && !d.audit && !d.accounts ? html`<p class="notice">${t('home.noRecords')}</p>` : ''}
${d.audit ? auditSection(ctx) : ''}
${d.accounts ? accountsSection(ctx, d.accounts) : ''}
<div class="tiles">
  ${tile(t('home.residents'), d.counts?.residents, '/portal/search')}
  ${tile(t('home.enterprises'), d.counts?.enterprises, '/portal/search')}
  ${tile(t('home.openConflicts'), d.openConflicts, '/portal/conflicts', true)}
  ${tile(t('home.quarantine'), d.quarantine, '/portal/quarantine', true)}
</div>
${d.counts ? html`<p class="muted">${t('home.countedAt', beijingTime(d.counts.countedAt))}</p>` : ''}
${d.cases ? casesTiles(ctx, d.cases) : ''}
${d.today ? todayTable(ctx, platform, d.today) : ''}
${d.status ? syncTable(ctx, d.status) : ''}`
}

function casesTiles (ctx: PageContext, c: NonNullable<HomeData['cases']>): Html {
  const { t } = ctx
  const n = (x: number): string => x >= HOME_COUNT_LIMIT ? `${HOME_COUNT_LIMIT}+` : String(x)
  const box = (label: string, x: number, href: string, alert: boolean): Html =>
    html`<a class="tile${alert && x > 0 ? ' alert' : ''}" href="${href}" data-cases="${href}"><span class="n">${n(x)}</span>${label}</a>`
  return html`<div class="tiles" id="home-cases">
  ${box(t('case.today'), c.mine, '/portal/cases', false)}
  ${box(t('case.dueSoon'), c.due, '/portal/cases?tab=due', true)}
  ${box(t('case.overdueCount'), c.overdue, '/portal/cases?tab=overdue', true)}
</div>`
}

function auditSection (ctx: PageContext): Html {
  const { t } = ctx
  return html`${verifySection(ctx, { loading: true, anchors: '' })}
<p><a href="/portal/audit" id="home-audit-log">${t('home.auditRecent')}</a></p>`
}

function accountsSection (ctx: PageContext, a: NonNullable<HomeData['accounts']>): Html {
  const { t } = ctx
  const list = (id: string, heading: string, staff: Staff[], none: string, extra: (s: Staff) => Html | string): Html => html`<h2 id="${id}">${heading}</h2>
${staff.length === 0 ? html`<p class="muted">${none}</p>` : html`<ul aria-labelledby="${id}">${staff.map((s) => html`<li><a href="${accountHref(s.username)}">${s.name}</a> <span class="muted">${s.username}</span>${extra(s)}</li>`)}</ul>`}`
  return html`<div class="tiles">
  ${tile(t('home.lockedAccounts'), a.locked.length, '#locked', true)}
  ${tile(t('home.disabledAccounts'), a.disabled.length, '#disabled')}
</div>
${list('locked', t('home.lockedAccounts'), a.locked, t('home.lockedNone'), (s) => html` — ${t('home.lockedUntil', beijingTime(s.lockedUntil))}`)}
${list('disabled', t('home.disabledAccounts'), a.disabled, t('home.disabledNone'), () => '')}
<h2 id="staff-changes">${t('home.staffChanges')}</h2>
${a.changes.length === 0 ? html`<p class="muted">${t('home.staffChangesNone')}</p>` : html`<table aria-labelledby="staff-changes">
<thead><tr><th scope="col">${t('record.historyTime')}</th><th scope="col">${t('home.staffChangeAction')}</th><th scope="col">${t('home.staffChangeAccount')}</th><th scope="col">${t('record.historyBy')}</th></tr></thead>
<tbody>${a.changes.map((c) => html`<tr>
  <td>${beijingTime(c.at)}</td>
  <td>${t(`audit.action.${c.action}` as MessageKey)}${c.outcome === 'ok' ? '' : html` <span class="muted">(${t(`audit.outcome.${c.outcome}` as MessageKey)})</span>`}</td>
  <td>${c.subject ? html`<a href="${accountHref(c.subject)}">${c.subject}</a>` : html`<span class="muted">—</span>`}</td>
  <td>${c.actor}</td>
</tr>`)}</tbody></table>`}
<p><a href="/portal/staff">${t('home.allStaff')}</a></p>`
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
