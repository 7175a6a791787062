// How the quarantine pages look: the filtered list (personal numbers masked) and one item with
// the record as received, in full, and the retry and dismiss forms for those who may use them.
import type { Platform } from '../../platform.ts'
import type { EntityKind } from '../../model/index.ts'
import { maskPersonalData } from '../../log.ts'
import { NOTE_MAX, QUARANTINE_STATUSES, type QuarantineItem, type QuarantineStatus } from '../../store/quarantine.ts'
import { html, type Html } from '../../html.ts'
import { isMessageKey } from '../i18n.ts'
import { csrfField, type PageContext } from '../layout.ts'
import { beijingTime, departmentOf, maskId, maskPhone } from '../format.ts'

export type StatusFilter = QuarantineStatus | 'all'
export const STATUS_FILTERS: readonly StatusFilter[] = [...QUARANTINE_STATUSES, 'all']

export interface ListFilter { status: StatusFilter, adapter?: string | undefined, reason?: string | undefined }

export interface ListView {
  filter: ListFilter
  items: QuarantineItem[]
  departments: string[]
  reasonCodes: string[]
  /** The id to page on from, when there are more. */
  next: number | null
  paged: boolean
}

export interface ItemView {
  item: QuarantineItem
  canManage: boolean
  /** What the staff member just did (after the redirect). */
  done?: 'retry' | 'dismiss' | undefined
  /** The unified record a resolved item became, when the staff member may open it. */
  /** `ref`: a resident's reference, their page's address. */
  record?: { kind: EntityKind, key: string, ref?: string | undefined } | undefined
  /** A form sent back with a problem: which one, the message, and the note as typed. */
  formError?: { form: 'retry' | 'dismiss', text: string, note: string } | undefined
}

/** The reason in words; a code without a translation shows the stored message. */
export function reasonLabel (ctx: PageContext, code: string, message: string): string {
  const key = `quarantine.reason.${code}`
  return isMessageKey(key) ? ctx.t(key) : message
}

export function statusLabel (ctx: PageContext, status: StatusFilter): string {
  return ctx.t(`quarantine.status.${status}`)
}

const statusBadge = (ctx: PageContext, status: QuarantineStatus): Html =>
  html`<span class="badge q-${status}">${statusLabel(ctx, status)}</span>`

const kindLabel = (ctx: PageContext, kind: string): string =>
  kind === 'person' || kind === 'enterprise' ? ctx.t(`quarantine.kind.${kind}`) : kind

/** The canonical field a department field maps to (`idNumber`, `legalRepresentative.idNumber`). */
function targetOf (platform: Platform, item: QuarantineItem): string | undefined {
  return item.field === null ? undefined : platform.instances.get(item.adapter)?.adapter.fields?.[item.field]?.[0]
}

/** The department field, with the canonical field's name when there is one. */
function fieldText (ctx: PageContext, platform: Platform, item: QuarantineItem): string {
  if (item.field === null) return ''
  const key = `field.${targetOf(platform, item)?.split('.').pop() ?? ''}`
  return isMessageKey(key) ? ctx.t('quarantine.aside', item.field, ctx.t(key)) : item.field
}

/** The raw value as the list shows it: ID and phone numbers masked, by field and by shape. */
function maskedRawValue (platform: Platform, item: QuarantineItem): string {
  const value = item.rawValue ?? ''
  const target = targetOf(platform, item) ?? ''
  if (/idNumber$/.test(target)) return maskId(value)
  if (/phone$/i.test(target)) return maskPhone(value)
  return maskPersonalData(value)
}

function listHref (filter: ListFilter, before?: number): string {
  const q = new URLSearchParams({ status: filter.status })
  if (filter.adapter) q.set('adapter', filter.adapter)
  if (filter.reason) q.set('reason', filter.reason)
  if (before !== undefined) q.set('before', String(before))
  return `/portal/quarantine?${q.toString()}`
}

function select (name: string, label: string, options: Array<{ value: string, text: string }>, chosen: string): Html {
  return html`<div><label for="q-${name}">${label}</label>
<select id="q-${name}" name="${name}">
${options.map((o) => html`<option value="${o.value}"${o.value === chosen ? html` selected` : ''}>${o.text}</option>`)}
</select></div>`
}

function filterForm (ctx: PageContext, platform: Platform, v: ListView): Html {
  const { t } = ctx
  const any = { value: '', text: t('quarantine.filter.any') }
  return html`<form class="filters card" method="get" action="/portal/quarantine" aria-label="${t('quarantine.filters')}">
${select('status', t('quarantine.filter.status'), STATUS_FILTERS.map((s) => ({ value: s, text: statusLabel(ctx, s) })), v.filter.status)}
${select('adapter', t('quarantine.filter.department'), [any, ...v.departments.map((a) => ({ value: a, text: departmentOf(platform, a, t) }))], v.filter.adapter ?? '')}
${select('reason', t('quarantine.filter.reason'), [any, ...v.reasonCodes.map((c) => ({ value: c, text: ctx.t('quarantine.aside', reasonLabel(ctx, c, c), c) }))], v.filter.reason ?? '')}
<button type="submit">${t('quarantine.filter.submit')}</button>
</form>`
}

export function quarantineListBody (ctx: PageContext, platform: Platform, v: ListView): Html {
  const { t } = ctx
  const rows = v.items.map((item) => html`<tr>
  <td class="q-nowrap">${beijingTime(item.createdAt)}</td>
  <td>${departmentOf(platform, item.adapter, t)}</td>
  <td>${kindLabel(ctx, item.kind)}</td>
  <td class="q-source">${item.sourceId}</td>
  <td>${reasonLabel(ctx, item.reasonCode, maskPersonalData(item.reason))}<br><code class="muted">${item.reasonCode}</code></td>
  <td>${fieldText(ctx, platform, item)}</td>
  <td class="q-raw-value">${maskedRawValue(platform, item)}</td>
  <td>${statusBadge(ctx, item.status)}</td>
  <td class="q-nowrap"><a href="/portal/quarantine/${item.id}">${t('quarantine.view', item.id)}</a></td>
</tr>`)
  return html`<h1>${t('quarantine.title')}</h1>
<p>${t('quarantine.intro')}</p>
${filterForm(ctx, platform, v)}
${v.items.length === 0
    ? html`<p id="q-none">${t('quarantine.none')}</p>`
    : html`<p class="muted">${t('quarantine.masked')}</p>
<table id="q-list">
<thead><tr><th scope="col">${t('quarantine.col.time')}</th><th scope="col">${t('quarantine.col.department')}</th><th scope="col">${t('quarantine.col.kind')}</th><th scope="col">${t('quarantine.col.sourceId')}</th><th scope="col">${t('quarantine.col.reason')}</th><th scope="col">${t('quarantine.col.field')}</th><th scope="col">${t('quarantine.col.rawValue')}</th><th scope="col">${t('quarantine.col.status')}</th><th scope="col"><span class="muted">#</span></th></tr></thead>
<tbody>${rows}</tbody></table>`}
<p class="pager">
${v.paged ? html`<a href="${listHref(v.filter)}">${t('search.first')}</a>` : ''}
${v.next !== null ? html`<a href="${listHref(v.filter, v.next)}" rel="next">${t('search.next')}</a>` : ''}
</p>`
}

function outcomeNotice (ctx: PageContext, v: ItemView): Html | string {
  const { t } = ctx
  const { item } = v
  if (v.done === 'dismiss' && item.status === 'dismissed') return html`<p class="notice" role="status">${t('quarantine.dismissed')}</p>`
  if (v.done !== 'retry') return ''
  if (item.status === 'open') return html`<p class="error" role="status">${t('quarantine.retried.open', reasonLabel(ctx, item.reasonCode, item.reason))}</p>`
  return html`<p class="notice" role="status">${t('quarantine.retried.resolved')}${v.record ? html` ${recordLink(ctx, v.record)}` : ''}</p>`
}

function recordLink (ctx: PageContext, record: NonNullable<ItemView['record']>): Html {
  return record.kind === 'person'
    ? html`<a href="/portal/persons/${record.ref ?? 'missing'}">${ctx.t('quarantine.viewPerson', maskId(record.key))}</a>`
    : html`<a href="/portal/enterprises/${record.key}">${ctx.t('quarantine.viewEnterprise', record.key)}</a>`
}

function itemTable (ctx: PageContext, platform: Platform, v: ItemView): Html {
  const { t } = ctx
  const { item } = v
  const row = (label: string, value: Html | string, id?: string): Html => html`<tr${id ? html` id="${id}"` : ''}><th scope="row">${label}</th><td>${value}</td></tr>`
  const empty = html`<span class="muted">${t('record.empty')}</span>`
  return html`<table class="q-item" id="q-item">
${row(t('quarantine.col.status'), html`${statusBadge(ctx, item.status)}${v.record && v.done !== 'retry' ? html` ${recordLink(ctx, v.record)}` : ''}`, 'q-status')}
${row(t('quarantine.reasonCode'), html`<code>${item.reasonCode}</code> ${reasonLabel(ctx, item.reasonCode, '')}`, 'q-reason-code')}
${row(t('quarantine.reasonText'), item.reason, 'q-reason')}
${row(t('quarantine.col.field'), item.field === null ? empty : fieldText(ctx, platform, item))}
${row(t('quarantine.col.rawValue'), item.rawValue === null ? empty : html`<code>${item.rawValue}</code>`)}
${row(t('quarantine.col.department'), departmentOf(platform, item.adapter, t))}
${row(t('quarantine.col.kind'), kindLabel(ctx, item.kind))}
${row(t('quarantine.col.sourceId'), item.sourceId)}
${row(t('quarantine.col.time'), beijingTime(item.createdAt))}
${row(t('quarantine.updatedAt'), beijingTime(item.updatedAt))}
${row(t('quarantine.handledBy'), item.handledBy ?? html`<span class="muted">${t('quarantine.notHandled')}</span>`, 'q-handled-by')}
${row(t('quarantine.handledAt'), item.handledAt ? beijingTime(item.handledAt) : empty)}
${row(t('quarantine.note'), item.note ?? empty, 'q-note')}
</table>`
}

function noteField (ctx: PageContext, v: ItemView, form: 'retry' | 'dismiss'): Html {
  const { t } = ctx
  const error = v.formError?.form === form ? v.formError : undefined
  const described = `${form}-hint${error ? ` ${form}-error` : ''}`
  return html`<label for="${form}-note">${t(`quarantine.${form}.note`)}</label>
<p class="muted" id="${form}-hint">${t(`quarantine.${form}.hint`)}</p>
${error ? html`<p class="error" id="${form}-error" role="alert">${error.text}</p>` : ''}
<textarea id="${form}-note" name="note" maxlength="${NOTE_MAX}" aria-describedby="${described}"${form === 'dismiss' ? html` required` : ''}${error ? html` aria-invalid="true" autofocus` : ''}>${error?.note ?? ''}</textarea>`
}

function actions (ctx: PageContext, v: ItemView): Html {
  const { t } = ctx
  const { item } = v
  if (item.status !== 'open') return html`<p class="muted">${t('quarantine.closedHint')}</p>`
  if (!v.canManage) return html`<p class="muted">${t('quarantine.noManage')}</p>`
  return html`<div class="cols q-actions">
<form class="card" method="post" action="/portal/quarantine/${item.id}/retry" aria-labelledby="retry-heading">
${csrfField(ctx)}
<h2 id="retry-heading">${t('quarantine.retry.heading')}</h2>
${noteField(ctx, v, 'retry')}
<p><button type="submit">${t('quarantine.retry.submit')}</button></p>
</form>
<form class="card" method="post" action="/portal/quarantine/${item.id}/dismiss" aria-labelledby="dismiss-heading">
${csrfField(ctx)}
<h2 id="dismiss-heading">${t('quarantine.dismiss.heading')}</h2>
${noteField(ctx, v, 'dismiss')}
<p><button class="secondary" type="submit">${t('quarantine.dismiss.submit')}</button></p>
</form>
</div>`
}

export function quarantineItemBody (ctx: PageContext, platform: Platform, v: ItemView): Html {
  const { t } = ctx
  return html`<p><a href="/portal/quarantine">${t('quarantine.back')}</a></p>
<h1>${t('quarantine.itemTitle', v.item.id)}</h1>
${outcomeNotice(ctx, v)}
${itemTable(ctx, platform, v)}
${actions(ctx, v)}
<h2 id="raw-heading">${t('quarantine.raw')}</h2>
<p class="muted">${t('quarantine.rawHint')}</p>
<pre class="q-raw" id="q-raw" tabindex="0" aria-labelledby="raw-heading">${JSON.stringify(v.item.raw, null, 2)}</pre>`
}
