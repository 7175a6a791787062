// The departments pages' bodies: the list of department systems and one system's details
// (health, sync history, failed jobs, and the links that open its apps signed in).
import type { AdapterStatus, IntakeMode } from '../../sync/status.ts'
import type { RunSummary } from '../../store/sync.ts'
import type { InboxListItem } from '../../store/inbox.ts'
import type { FileRow } from '../../store/file-inbox.ts'
import type { FailedJobInfo } from '../../queues/failed.ts'
import type { QueueKind } from '../../queues/queues.ts'
import { maskPersonalData } from '../../log.ts'
import { html, type Html } from '../../html.ts'
import type { MessageKey } from '../i18n.ts'
import { csrfField, type PageContext } from '../layout.ts'
import { beijingTime } from '../format.ts'

/** A department app that tongban signs staff in to, and the link that does it. */
export interface AppLink { name: string, href: string }

export interface Department {
  id: string
  name: string
  mode: IntakeMode
  apps: AppLink[]
  /** Only for staff who may read operations. */
  status?: AdapterStatus | undefined
}

export interface QueueFailures { queue: QueueKind, count: number, jobs: FailedJobInfo[] }

export interface DepartmentDetail {
  department: Department
  /** Operations data; absent for staff who may not read operations. */
  operations?: {
    runs?: RunSummary[] | undefined
    inbox?: { items: InboxListItem[], counts: Record<string, number> } | undefined
    /** A file drop's files set aside and not superseded (the newest), and how many there are. */
    setAside?: { items: FileRow[], count: number } | undefined
    failures?: QueueFailures[] | undefined
    canRetry: boolean
    shownJobs: number
  } | undefined
  notice?: string | undefined
}

const detailHref = (id: string): string => `/portal/departments/${encodeURIComponent(id)}`

/** Error texts are the system's, but may quote data: masked as the log is, and cut short. */
function errorText (text: string | null): Html | string {
  if (!text) return ''
  const masked = maskPersonalData(text)
  return masked.length > 200 ? html`<span title="${masked}">${masked.slice(0, 200)}…</span>` : masked
}

function appLinks (ctx: PageContext, apps: AppLink[]): Html {
  if (apps.length === 0) return html`<span class="muted">${ctx.t('departments.noApp')}</span>`
  // A new window: the portal stays open beside the department system.
  return html`<ul class="dept-apps">${apps.map((a) => html`<li><a class="button" href="${a.href}" target="_blank" rel="noopener" aria-label="${ctx.t('departments.openAppLabel', a.name)}">${ctx.t('departments.openApp')}</a> <span class="muted">${a.name}</span></li>`)}</ul>`
}

function healthHeaders (ctx: PageContext): Html {
  const { t } = ctx
  return html`<th scope="col">${t('sync.state')}</th><th scope="col">${t('sync.lastSuccess')}</th><th scope="col">${t('sync.lag')}</th><th scope="col">${t('sync.backlog')}</th><th scope="col">${t('sync.failures')}</th><th scope="col">${t('departments.quarantined')}</th><th scope="col">${t('sync.breaker')}</th>`
}

function healthCells (ctx: PageContext, s: AdapterStatus): Html {
  const { t } = ctx
  return html`<td>${t(`sync.state.${s.state}`)}</td>
  <td>${s.lastSuccess ? beijingTime(s.lastSuccess) : t('sync.never')}</td>
  <td>${s.lagSeconds === null ? '—' : t('sync.seconds', s.lagSeconds)}</td>
  <td>${s.backlog}</td>
  <td>${s.failures}</td>
  <td>${s.quarantined}</td>
  <td>${t(`sync.breaker.${s.breaker.state}`)}${s.breaker.since ? html` <span class="muted">${beijingTime(s.breaker.since)}</span>` : ''}</td>`
}

const troubled = (s: AdapterStatus | undefined): boolean => s?.state === 'failing' || s?.state === 'breaker-open'

export function listBody (ctx: PageContext, departments: Department[], showHealth: boolean): Html {
  const { t } = ctx
  if (departments.length === 0) return html`<h1>${t('departments.title')}</h1><p>${t('departments.none')}</p>`
  return html`<h1 id="departments-h">${t('departments.title')}</h1>
<p class="muted">${t('departments.intro')}</p>
<table id="departments" aria-labelledby="departments-h">
<thead><tr><th scope="col">${t('sync.department')}</th><th scope="col">${t('departments.instance')}</th><th scope="col">${t('sync.mode')}</th>${showHealth ? healthHeaders(ctx) : ''}<th scope="col">${t('departments.apps')}</th></tr></thead>
<tbody>${departments.map((d) => html`<tr data-adapter="${d.id}"${troubled(d.status) ? html` class="conflict"` : ''}>
  <th scope="row"><a href="${detailHref(d.id)}">${d.name}</a></th>
  <td>${d.id}</td>
  <td>${t(`sync.mode.${d.mode}`)}</td>
  ${showHealth && d.status ? healthCells(ctx, d.status) : ''}
  <td>${appLinks(ctx, d.apps)}</td>
</tr>`)}</tbody></table>
${showHealth ? '' : html`<p class="muted">${t('departments.healthHidden')}</p>`}`
}

export function detailBody (ctx: PageContext, d: DepartmentDetail): Html {
  const { t } = ctx
  const dep = d.department
  const ops = d.operations
  return html`<p><a href="/portal/departments">${t('departments.back')}</a></p>
<h1>${t('departments.detailTitle', dep.name)}</h1>
<p class="muted">${t('departments.instance')} ${dep.id} · ${t('sync.mode')} ${t(`sync.mode.${dep.mode}`)}</p>
${d.notice ? html`<p class="notice" role="status">${d.notice}</p>` : ''}
<h2>${t('departments.apps')}</h2>
${dep.apps.length === 0 ? html`<p class="muted">${t('departments.appsNone')}</p>` : appLinks(ctx, dep.apps)}
${ops
    ? html`${dep.status ? healthSection(ctx, dep.status) : ''}
${ops.runs ? runsSection(ctx, ops.runs) : ''}
${ops.inbox ? inboxSection(ctx, ops.inbox) : ''}
${ops.setAside ? setAsideSection(ctx, ops.setAside) : ''}
${ops.failures ? failuresSection(ctx, dep.id, ops.failures, ops.canRetry, ops.shownJobs) : ''}`
    : html`<p class="muted">${t('departments.healthHidden')}</p>`}`
}

function healthSection (ctx: PageContext, s: AdapterStatus): Html {
  return html`<h2 id="health-h">${ctx.t('departments.health')}</h2>
<table id="health" aria-labelledby="health-h"><thead><tr>${healthHeaders(ctx)}</tr></thead>
<tbody><tr${troubled(s) ? html` class="conflict"` : ''}>${healthCells(ctx, s)}</tr></tbody></table>`
}

function runsSection (ctx: PageContext, runs: RunSummary[]): Html {
  const { t } = ctx
  const heading = html`<h2 id="runs-h">${t('departments.runs')}</h2>`
  if (runs.length === 0) return html`${heading}<p class="muted">${t('departments.runsNone')}</p>`
  return html`${heading}
<table id="runs" aria-labelledby="runs-h"><thead><tr><th scope="col">${t('departments.run.stream')}</th><th scope="col">${t('departments.run.started')}</th><th scope="col">${t('departments.run.finished')}</th><th scope="col">${t('departments.run.pages')}</th><th scope="col">${t('departments.run.records')}</th><th scope="col">${t('departments.run.quarantined')}</th><th scope="col">${t('departments.run.status')}</th><th scope="col">${t('departments.run.error')}</th></tr></thead>
<tbody>${runs.map((r) => html`<tr${r.status === 'failed' ? html` class="conflict"` : ''}>
  <td>${r.stream}</td><td>${beijingTime(r.startedAt)}</td><td>${beijingTime(r.finishedAt)}</td>
  <td>${r.pages}</td><td>${r.records}</td><td>${r.quarantined}</td>
  <td>${t(`departments.runStatus.${r.status}`)}</td><td>${errorText(r.error)}</td>
</tr>`)}</tbody></table>`
}

function inboxStatus (ctx: PageContext, status: string): string {
  return status === 'received' || status === 'done' || status === 'failed' ? ctx.t(`departments.inboxStatus.${status}`) : status
}

function inboxSection (ctx: PageContext, inbox: { items: InboxListItem[], counts: Record<string, number> }): Html {
  const { t } = ctx
  const n = (status: string): number => inbox.counts[status] ?? 0
  const total = Object.values(inbox.counts).reduce((a, b) => a + b, 0)
  const heading = html`<h2 id="inbox-h">${t('departments.inbox')}</h2>`
  if (inbox.items.length === 0) return html`${heading}<p class="muted">${t('departments.inboxNone')}</p>`
  return html`${heading}
<p id="inbox-counts">${t('departments.inboxCounts', total, n('done'), n('received'), n('failed'))}</p>
<table id="inbox" aria-labelledby="inbox-h"><thead><tr><th scope="col">${t('departments.inbox.received')}</th><th scope="col">${t('departments.inbox.message')}</th><th scope="col">${t('departments.run.status')}</th><th scope="col">${t('departments.inbox.processed')}</th><th scope="col">${t('departments.inbox.records')}</th><th scope="col">${t('departments.run.quarantined')}</th><th scope="col">${t('departments.run.error')}</th></tr></thead>
<tbody>${inbox.items.map((i) => html`<tr${i.status === 'failed' ? html` class="conflict"` : ''}>
  <td>${beijingTime(i.receivedAt)}</td><td>${i.webhookId}</td><td>${inboxStatus(ctx, i.status)}</td><td>${beijingTime(i.processedAt)}</td>
  <td>${i.recordsOk ?? ''}</td><td>${i.recordsQuarantined ?? ''}</td><td>${errorText(i.error)}</td>
</tr>`)}</tbody></table>`
}

function setAsideSection (ctx: PageContext, files: { items: FileRow[], count: number }): Html {
  const { t } = ctx
  const heading = html`<h2 id="set-aside-h">${t('departments.setAside')}</h2>`
  if (files.count === 0) return html`${heading}<p class="muted">${t('departments.setAsideNone')}</p>`
  return html`${heading}
<p id="set-aside-count">${t('departments.setAsideCount', files.count)}</p>
<table id="set-aside" aria-labelledby="set-aside-h"><thead><tr><th scope="col">${t('departments.file.name')}</th><th scope="col">${t('departments.file.fetched')}</th><th scope="col">${t('departments.file.reasonCode')}</th><th scope="col">${t('departments.file.reason')}</th></tr></thead>
<tbody>${files.items.map((f) => html`<tr class="conflict" data-file="${f.id}">
  <td>${f.name}</td><td>${beijingTime(f.fetchedAt.toISOString())}</td><td>${f.reasonCode ?? ''}</td><td>${errorText(f.error)}</td>
</tr>`)}</tbody></table>
${files.count > files.items.length ? html`<p class="muted">${t('departments.more', files.items.length)}</p>` : ''}`
}

function failuresSection (ctx: PageContext, adapterId: string, failures: QueueFailures[], canRetry: boolean, shown: number): Html {
  const { t } = ctx
  const action = `${detailHref(adapterId)}/retry`
  const retryForm = (queue: string, label: string, text: string, jobId?: string): Html => html`<form method="post" action="${action}" class="inline">${csrfField(ctx)}
    <input type="hidden" name="queue" value="${queue}">${jobId === undefined ? '' : html`<input type="hidden" name="jobId" value="${jobId}">`}
    <button type="submit"${jobId === undefined ? '' : html` class="secondary"`} aria-label="${label}">${text}</button></form>`
  const queues = failures.map((f) => {
    const queueName = t(`departments.queue.${f.queue}` as MessageKey)
    const id = `failed-${f.queue}`
    if (f.count === 0) return html`<h3 id="${id}">${t('departments.queueHeading', queueName, 0)}</h3><p class="muted">${t('departments.failedNone')}</p>`
    return html`<h3 id="${id}">${t('departments.queueHeading', queueName, f.count)}</h3>
${canRetry ? html`<p>${retryForm(f.queue, t('departments.retryAllLabel', queueName), t('departments.retryAll'))}</p>` : ''}
<table aria-labelledby="${id}" data-queue="${f.queue}"><thead><tr><th scope="col">${t('departments.job.id')}</th><th scope="col">${t('departments.job.name')}</th><th scope="col">${t('departments.job.attempts')}</th><th scope="col">${t('departments.job.failedAt')}</th><th scope="col">${t('departments.job.reason')}</th>${canRetry ? html`<th scope="col">${t('departments.job.action')}</th>` : ''}</tr></thead>
<tbody>${f.jobs.map((j) => html`<tr data-job="${j.jobId}">
  <td>${j.jobId}</td><td>${j.name}</td><td>${j.attemptsMade}</td><td>${beijingTime(j.finishedOn)}</td><td>${errorText(j.failedReason)}</td>
  ${canRetry ? html`<td>${retryForm(f.queue, t('departments.retryLabel', j.jobId), t('departments.retry'), j.jobId)}</td>` : ''}
</tr>`)}</tbody></table>
${f.count > f.jobs.length ? html`<p class="muted">${t('departments.more', shown)}</p>` : ''}`
  })
  return html`<h2 id="failed">${t('departments.failed')}</h2>
${canRetry ? '' : html`<p class="muted">${t('departments.noManage')}</p>`}
${queues}`
}
