// The bodies of a resident's or an enterprise's page and of the open conflicts' list.
import type { Platform } from '../../platform.ts'
import type { Conflict } from '../../store/conflicts.ts'
import type { HistoryItem } from '../../store/history.ts'
import type { RecordRef, UnifiedRecord } from '../../store/records.ts'
import type { Provenance } from '../../model/provenance.ts'
import { can } from '../../auth/access.ts'
import { html, type Html } from '../../html.ts'
import type { MessageKey } from '../i18n.ts'
import { csrfField, type PageContext } from '../layout.ts'
import { beijingTime, departmentOf, displayValue, maskId } from '../format.ts'
import { facetsSection, type FacetView } from './facets-view.ts'

export const PERSON_FIELDS = ['name', 'idNumber', 'gender', 'birthDate', 'ethnicityCode', 'phone', 'address', 'divisionCode', 'status'] as const
export const ENTERPRISE_FIELDS = ['name', 'creditCode', 'type', 'legalRepresentative', 'address', 'divisionCode', 'status', 'establishedOn', 'industryCode', 'registeredCapital'] as const

const fieldLabel = (ctx: PageContext, kind: 'person' | 'enterprise', field: string): string =>
  ctx.t(kind === 'enterprise' && field === 'name' ? 'field.enterpriseName' : `field.${field}` as MessageKey)

export interface RecordView {
  kind: 'person' | 'enterprise'
  /** A resident's opaque reference: their pages' address, which must not carry the ID number. */
  ref?: string
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
  /** The held search the page was opened from: a link back to its results. */
  searchToken?: string | undefined
  facets: FacetView[]
  /** The sensitive facet this page shows, and the purpose given for it. */
  openedFacet?: { name: string, purpose: string }
}

export function recordBody (ctx: PageContext, platform: Platform, v: RecordView): Html {
  const { t } = ctx
  const full = v.fullPurpose !== undefined
  const key = String(v.kind === 'person' ? v.record.idNumber : v.record.creditCode)
  const base = v.kind === 'person' ? `/portal/persons/${v.ref ?? ''}` : `/portal/enterprises/${key}`
  // Links to related records keep the way back to the same results.
  const from = v.searchToken ? `?${new URLSearchParams({ s: v.searchToken }).toString()}` : ''
  const provenance = v.record.provenance as Record<string, Provenance | undefined>
  const conflicted = new Map(v.conflicts.map((c) => [c.field, c]))
  const fields = v.kind === 'person' ? PERSON_FIELDS : ENTERPRISE_FIELDS
  const name = typeof v.record.name === 'string' ? v.record.name : key
  const valueCell = (field: string): Html | string => {
    const value = v.record[field]
    if (field === 'legalRepresentative' && v.representative?.ref !== undefined) {
      return html`<a href="/portal/persons/${v.representative.ref}${from}">${displayValue(field, value, t, full)}</a>`
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
  <form method="post" action="${base}/full${from}">${csrfField(ctx)}
    <label for="purpose">${t('record.purpose')}</label>
    <textarea id="purpose" name="purpose" required maxlength="200" aria-describedby="purpose-hint"></textarea>
    <p id="purpose-hint" class="muted">${t('record.purposeHint')}</p>
    <button type="submit">${t('record.purposeSubmit')}</button>
  </form></details>`
    : ''
  const side = v.kind === 'person'
    ? html`<h2 id="represents">${t('record.represents')}</h2>
${(v.represents ?? []).length === 0 ? html`<p class="muted">${t('record.representsNone')}</p>` : html`<ul aria-labelledby="represents">${(v.represents ?? []).map((e) => html`<li><a href="/portal/enterprises/${e.key}${from}">${e.name ?? e.key}</a> <span class="muted">${e.key}</span></li>`)}</ul>`}`
    : ''
  return html`${v.searchToken ? html`<p class="back"><a href="/portal/search${from}" id="back-to-results">← ${t('search.back')}</a></p>` : ''}
<h1>${t(v.kind === 'person' ? 'record.personTitle' : 'record.enterpriseTitle', name)}</h1>
${ctx.principal && can(ctx.principal, 'cases:act') ? html`<p><a class="button secondary" id="start-matter" href="/portal/matters?${new URLSearchParams({ applicant: v.kind === 'person' ? `person:${v.ref ?? ''}` : `enterprise:${key}` }).toString()}">${t('matter.forApplicant')}</a></p>` : ''}
${v.notice ? html`<p class="notice" role="status">${v.notice}</p>` : ''}
${full ? html`<p class="notice" role="status">${t('record.fullShown', v.fullPurpose!)}</p>` : v.kind === 'person' ? html`<p class="muted">${t('record.masked')}</p>` : ''}
<div class="cols"><div>
<table id="fields"><thead><tr><th scope="col">${t('record.field')}</th><th scope="col">${t('record.value')}</th><th scope="col">${t('record.source')}</th><th scope="col">${t('record.observedAt')}</th></tr></thead>
<tbody>${rows}</tbody></table>
${reveal}
${facetsSection(ctx, platform, v.facets, { path: `${base}/facets`, query: from }, v.openedFacet)}
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
    ? html`<form method="post" action="/portal/conflicts/${c.id}/resolve">${csrfField(ctx)}${v.searchToken === undefined ? '' : html`<input type="hidden" name="s" value="${v.searchToken}">`}
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
  <td>${h.changes.map((c) => html`<div>${fieldLabel(ctx, kind, c.field)}: ${sameJson(c.old, c.new)
    ? html`${displayValue(c.field, c.new, t, full)} <span class="muted">(${t('record.kept')})</span>`
    : html`${c.old === null ? '' : html`${displayValue(c.field, c.old, t, full)} → `}${displayValue(c.field, c.new, t, full)}`}</div>`)}</td>
</tr>`)}</tbody></table>`}`
}

// ---------------------------------------------------------------------------------------------
// conflicts list

/** `labels`: the records' names (and residents' references) by kind and key. */
export function conflictListBody (ctx: PageContext, platform: Platform, items: Conflict[], next: number | null, labels: Record<'person' | 'enterprise', Map<string, RecordRef>>): Html {
  const { t } = ctx
  const recordCell = (c: Conflict): Html => {
    const kind = c.kind === 'person' ? 'person' : 'enterprise'
    const label = labels[kind].get(c.recordKey)
    const shownKey = kind === 'person' ? maskId(c.recordKey) : c.recordKey
    const href = kind === 'person' ? `/portal/persons/${label?.ref ?? 'missing'}` : `/portal/enterprises/${c.recordKey}`
    return html`<a href="${href}#conflict-${c.id}">${label?.name ?? shownKey}</a>${label?.name ? html` <span class="muted">${shownKey}</span>` : ''}`
  }
  return html`<h1>${t('conflict.listTitle')}</h1>
${items.length === 0 ? html`<p>${t('conflict.listNone')}</p>` : html`<table>
<thead><tr><th scope="col">${t('conflict.record')}</th><th scope="col">${t('record.field')}</th><th scope="col">${t('conflict.candidate')}</th><th scope="col">${t('conflict.openedAt')}</th></tr></thead>
<tbody>${items.map((c) => html`<tr>
  <td>${recordCell(c)}</td>
  <td>${fieldLabel(ctx, c.kind === 'person' ? 'person' : 'enterprise', c.field)}</td>
  <td>${c.candidates.map((cand) => html`<div>${displayValue(c.field, cand.value, t, false)} — ${departmentOf(platform, cand.adapter, t)}</div>`)}</td>
  <td>${beijingTime(c.openedAt)}</td>
</tr>`)}</tbody></table>`}
${next !== null ? html`<p class="pager"><a href="/portal/conflicts?after=${next}" rel="next">${t('search.next')}</a></p>` : ''}`
}
