// The risk report pages' bodies: the phone-sized report form (camera capture, village, category,
// severity as big buttons, "keep the photos' location" off by default), the town's and the
// county's lists with each report's age, and a report's page: its current values, photos, history
// and the forms of the actions the state and the staff member's roles allow.
import { SEVERITIES, type RiskEvent, type RiskState, type Severity } from '../../model/risk.ts'
import type { RiskListItem } from '../../store/risks.ts'
import type { RiskView } from '../../risks/service.ts'
import { html, type Html } from '../../html.ts'
import type { MessageKey } from '../i18n.ts'
import { csrfField, type PageContext } from '../layout.ts'
import { beijingTime } from '../format.ts'

export const severityName = (ctx: PageContext, s: Severity): string => ctx.t(`risk.severity.${s}` as MessageKey)
export const riskStateName = (ctx: PageContext, s: RiskState): string => ctx.t(`risk.state.${s}` as MessageKey)

export function ageText (ctx: PageContext, hours: number): string {
  return hours < 24 ? ctx.t('risk.ageHours', hours) : ctx.t('risk.ageDays', Math.floor(hours / 24), hours % 24)
}

export interface NewRiskView {
  categories: readonly string[]
  villages: ReadonlyArray<{ code: string, name: string }>
  values: Readonly<Record<string, string>>
  /** Field → message, already in the page's language. */
  errors: ReadonlyMap<string, string>
  requestId: string
}

function fieldError (v: NewRiskView, name: string): Html | string {
  const e = v.errors.get(name)
  return e ? html`<p class="field-error" id="r-${name}-err">${e}</p>` : ''
}

const invalid = (v: NewRiskView, name: string): Html | string => v.errors.has(name) ? html` aria-invalid="true" aria-describedby="r-${name}-err"` : ''

export function newRiskBody (ctx: PageContext, v: NewRiskView): Html {
  const { t } = ctx
  const val = (k: string): string => v.values[k] ?? ''
  const req = html` <span class="req" aria-hidden="true">*</span>`
  return html`<div class="risk-phone">
<h1>${t('risk.newTitle')}</h1>
<p class="muted">${t('risk.newIntro')}</p>
${v.errors.size > 0 ? html`<p class="error" role="alert" id="form-errors">${t('risk.formErrors', v.errors.size)}</p>` : ''}
<form id="risk-form" class="risk-form" method="post" action="/portal/risks/new" data-msg-uploading="${t('risk.uploading', '{0}', '{1}')}" data-msg-failed="${t('risk.uploadFailed', '{0}', '{1}')}" data-msg-sending="${t('risk.sending')}" data-msg-located="${t('risk.located', '{0}', '{1}')}" data-msg-locate-failed="${t('risk.locateFailed')}">
${csrfField(ctx)}
<input type="hidden" name="requestId" value="${v.requestId}">
<div class="r-field"><label for="r-category">${t('risk.category')}${req}</label>
  <select id="r-category" name="category" required${invalid(v, 'category')}><option value="">${t('risk.choose')}</option>${v.categories.map((c) => html`<option${c === val('category') ? html` selected` : ''}>${c}</option>`)}</select>${fieldError(v, 'category')}</div>
<div class="r-field"><label for="r-village">${t('risk.village')}${req}</label>
  <select id="r-village" name="village" required${invalid(v, 'village')}><option value="">${t('risk.choose')}</option>${v.villages.map((x) => html`<option value="${x.code}"${x.code === val('village') ? html` selected` : ''}>${x.name}</option>`)}</select>${fieldError(v, 'village')}</div>
<div class="r-field"><label for="r-address">${t('risk.address')}${req}</label>
  <input id="r-address" name="address" type="text" maxlength="200" required placeholder="${t('risk.addressHint')}" value="${val('address')}"${invalid(v, 'address')}>${fieldError(v, 'address')}</div>
<fieldset class="r-field r-severity"${invalid(v, 'severity')}><legend>${t('risk.severity')}${req}</legend>
  ${SEVERITIES.map((s) => html`<label class="r-sev r-sev-${s}"><input type="radio" name="severity" value="${s}" required${val('severity') === s ? html` checked` : ''}> ${severityName(ctx, s)}</label>`)}
  ${fieldError(v, 'severity')}</fieldset>
<div class="r-field"><label for="r-description">${t('risk.description')}${req}</label>
  <textarea id="r-description" name="description" rows="4" maxlength="4000" required placeholder="${t('risk.descriptionHint')}"${invalid(v, 'description')}>${val('description')}</textarea>${fieldError(v, 'description')}</div>
<div class="r-field"><label for="r-photos">${t('risk.photos')}</label>
  <input id="r-photos" type="file" accept="image/*" capture="environment" multiple aria-describedby="r-photos-hint">
  <p class="muted" id="r-photos-hint">${t('risk.photosHint')}</p>
  <label class="r-check"><input type="checkbox" id="r-keep" name="keepLocation" value="true"${val('keepLocation') === 'true' ? html` checked` : ''}> ${t('risk.keepLocation')}</label>
  <p class="muted">${t('risk.keepLocationHint')}</p>
  ${fieldError(v, 'photos')}
  <div id="r-photo-list"></div></div>
<div class="r-field"><button type="button" class="secondary r-locate" id="r-locate" hidden>${t('risk.locate')}</button>
  <input type="hidden" name="lat" id="r-lat" value="${val('lat')}"><input type="hidden" name="lon" id="r-lon" value="${val('lon')}">
  <p class="muted" id="r-located" aria-live="polite">${val('lat') && val('lon') ? t('risk.located', val('lat'), val('lon')) : ''}</p>${fieldError(v, 'location')}</div>
<p id="r-status" role="status" aria-live="polite"></p>
<p><button type="submit" class="r-submit">${t('risk.submit')}</button></p>
</form></div>`
}

export interface RiskListView {
  items: Array<RiskListItem & { townName: string, villageName: string | null, ageHours: number }>
  county: boolean
  sort: 'age' | 'newest'
  open: boolean
  next?: string | undefined
  mayReport: boolean
}

export function riskListBody (ctx: PageContext, v: RiskListView): Html {
  const { t } = ctx
  const q = (sort: string, open: boolean): string => `/portal/risks?${new URLSearchParams({ sort, state: open ? 'open' : 'all' }).toString()}`
  const rows = v.items.map((r) => html`<tr data-risk="${r.id}" class="sev-${r.severity}">
  <td><a href="/portal/risks/${r.id}" class="code">${r.id}</a></td>
  ${v.county ? html`<td>${r.townName}</td>` : ''}
  <td>${r.villageName ?? ''}<br><span class="muted">${r.address}</span></td>
  <td>${r.category}</td>
  <td><span class="badge sev-${r.severity}">${severityName(ctx, r.severity)}</span></td>
  <td>${riskStateName(ctx, r.state)}</td>
  <td>${beijingTime(r.reportedAt)}<br><span class="muted">${r.reportedBy.name}</span></td>
  <td class="r-age">${ageText(ctx, r.ageHours)}</td>
</tr>`)
  return html`<h1>${v.county ? t('risk.listCounty') : t('risk.listTitle')}</h1>
${v.mayReport ? html`<p><a class="button" href="/portal/risks/new">${t('risk.newTitle')}</a></p>` : ''}
<nav class="tabs" aria-label="${t('risk.listTitle')}">
  <a class="tab" href="${q('age', v.open)}"${v.sort === 'age' ? html` aria-current="page"` : ''}>${t('risk.sortAge')}</a>
  <a class="tab" href="${q('newest', v.open)}"${v.sort === 'newest' ? html` aria-current="page"` : ''}>${t('risk.sortNewest')}</a>
  <a class="tab" href="${q(v.sort, true)}"${v.open ? html` aria-current="true"` : ''}>${t('risk.showOpen')}</a>
  <a class="tab" href="${q(v.sort, false)}"${v.open ? '' : html` aria-current="true"`}>${t('risk.showAll')}</a>
</nav>
${v.items.length === 0 ? html`<p>${t('risk.none')}</p>` : html`<div class="table-wrap"><table class="risk-list"><thead><tr>
  <th scope="col">${t('risk.id')}</th>${v.county ? html`<th scope="col">${t('risk.town')}</th>` : ''}<th scope="col">${t('risk.village')}</th><th scope="col">${t('risk.category')}</th>
  <th scope="col">${t('risk.severity')}</th><th scope="col">${t('risk.stateCol')}</th><th scope="col">${t('risk.reportedAt')}</th><th scope="col">${t('risk.age')}</th>
</tr></thead><tbody>${rows}</tbody></table></div>`}
${v.next ? html`<p><a href="/portal/risks?${v.next}">${t('risk.next')}</a></p>` : ''}`
}

export interface RiskPageView {
  view: RiskView
  townName: string
  villageName: string
  ageHours: number
  /** Actions this staff member may take now. */
  actions: ReadonlyArray<'whistle' | 'verify' | 'close'>
  whistleTypes: ReadonlyArray<{ id: string, name: string }>
  requestId: string
  version: number
  notice?: string | undefined
}

function eventLine (ctx: PageContext, e: RiskEvent): Html {
  const { t } = ctx
  const d = e.data
  const detail = e.action === 'correct'
    ? html`${Object.entries((d.changes ?? {}) as Record<string, unknown>).map(([k, val]) => html`<span class="r-change">${k}: ${k === 'severity' ? severityName(ctx, val as Severity) : Array.isArray(val) ? String(val.length) : typeof val === 'object' && val !== null ? JSON.stringify(val) : String(val)}</span> `)}— ${String(d.reason ?? '')}`
    : e.action === 'whistle' ? t('risk.whistleLink', String(d.whistleId ?? ''))
      : e.action === 'verify' ? String(d.note ?? '')
        : e.action === 'close' ? html`${String(d.note ?? '')}${d.verification ? html`<br><span class="muted">${String(d.verification)}</span>` : ''}`
          : ''
  return html`<li data-event="${e.action}"><strong>${t(`risk.event.${e.action}` as MessageKey)}</strong> <span class="muted">${beijingTime(e.at)} · ${e.actor.name}</span><br>${detail}</li>`
}

function actionForms (ctx: PageContext, id: string, v: RiskPageView): Html {
  const { t } = ctx
  const hidden = html`${csrfField(ctx)}<input type="hidden" name="requestId" value="${v.requestId}"><input type="hidden" name="version" value="${v.version}">`
  const forms = v.actions.map((a) => {
    if (a === 'whistle') {
      return html`<form class="card r-act" method="post" action="/portal/risks/${id}/act">${hidden}<input type="hidden" name="action" value="whistle">
  <h3>${t('risk.whistle')}</h3>
  <p><label for="r-wtype">${t('risk.whistleType')}</label><select id="r-wtype" name="type">${v.whistleTypes.map((w) => html`<option value="${w.id}">${w.name}</option>`)}</select></p>
  <p><button type="submit">${t('risk.whistleSubmit')}</button></p></form>`
    }
    if (a === 'verify') {
      return html`<form class="card r-act" method="post" action="/portal/risks/${id}/act">${hidden}<input type="hidden" name="action" value="verify">
  <h3>${t('risk.verify')}</h3>
  <p><label for="r-vnote">${t('risk.verifyNote')}</label><textarea id="r-vnote" name="note" rows="2" maxlength="2000" required></textarea></p>
  <p><button type="submit">${t('risk.verifySubmit')}</button></p></form>`
    }
    const unverified = v.view.risk.state !== 'verified'
    return html`<form class="card r-act" method="post" action="/portal/risks/${id}/act">${hidden}<input type="hidden" name="action" value="close">
  <h3>${t('risk.close')}</h3>
  <p><label for="r-cnote">${t('risk.closeNote')}</label><textarea id="r-cnote" name="note" rows="2" maxlength="2000" required></textarea></p>
  ${unverified ? html`<p><label for="r-cver">${t('risk.closeVerification')}</label><textarea id="r-cver" name="verification" rows="2" maxlength="2000" required></textarea></p>` : ''}
  <p><button type="submit">${t('risk.closeSubmit')}</button></p></form>`
  })
  return html`<section aria-labelledby="r-actions"><h2 id="r-actions">${t('risk.actions')}</h2>${forms.length ? forms : html`<p>${t('risk.noActions')}</p>`}</section>`
}

export function riskBody (ctx: PageContext, v: RiskPageView): Html {
  const { t } = ctx
  const { risk, current, events } = v.view
  const mark = (k: string): Html | string => current.corrected.includes(k as never) ? html` <span class="muted">${t('risk.corrected')}</span>` : ''
  return html`<h1>${t('risk.title', risk.id)}</h1>
${v.notice ? html`<p class="notice" role="status">${v.notice}</p>` : ''}
<section class="card risk-current" aria-labelledby="r-current"><h2 id="r-current">${t('risk.current')}</h2>
<dl class="kv">
  <dt>${t('risk.stateCol')}</dt><dd data-field="state">${riskStateName(ctx, risk.state)}</dd>
  <dt>${t('risk.category')}</dt><dd data-field="category">${current.category}${mark('category')}</dd>
  <dt>${t('risk.severity')}</dt><dd data-field="severity"><span class="badge sev-${current.severity}">${severityName(ctx, current.severity)}</span>${mark('severity')}</dd>
  <dt>${t('risk.town')}</dt><dd>${v.townName}</dd>
  <dt>${t('risk.village')}</dt><dd data-field="village">${v.villageName}${mark('village')}</dd>
  <dt>${t('risk.address')}</dt><dd data-field="address">${current.address}${mark('address')}</dd>
  ${current.location ? html`<dt>${t('risk.location')}</dt><dd data-field="location">${current.location.lat}, ${current.location.lon}</dd>` : ''}
  <dt>${t('risk.description')}</dt><dd data-field="description" class="pre">${current.description}${mark('description')}</dd>
  <dt>${t('risk.reportedBy')}</dt><dd>${risk.reportedBy.name} · ${beijingTime(risk.reportedAt)}</dd>
  <dt>${t('risk.age')}</dt><dd>${ageText(ctx, v.ageHours)}</dd>
  ${v.view.whistleId ? html`<dt>${t('risk.whistle')}</dt><dd data-field="whistle" class="code">${v.view.whistleId}</dd>` : ''}
</dl></section>
<section aria-labelledby="r-photos-h"><h2 id="r-photos-h">${t('risk.photos')}</h2>
${current.photos.length ? html`<div class="r-photos">${current.photos.map((sha) => html`<a href="/api/v1/photos/${sha}"><img src="/api/v1/photos/${sha}" alt="${t('risk.photos')} ${sha.slice(0, 8)}" loading="lazy"></a>`)}</div>` : html`<p>${t('risk.noPhotos')}</p>`}
</section>
<section aria-labelledby="r-history"><h2 id="r-history">${t('risk.history')}</h2><ol class="r-history">${events.map((e) => eventLine(ctx, e))}</ol></section>
${actionForms(ctx, risk.id, v)}`
}
