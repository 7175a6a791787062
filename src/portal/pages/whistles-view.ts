// The bodies of the whistle pages: the lists (to approve, open, closed, all; overdue marked), the
// blow form (types with their times, categories with the departments the routing table suggests),
// and one whistle's page: its facts, each department's answer with its three clocks and their
// ladders, whether the call to its system is undelivered, the history, and the forms of the
// actions this viewer may take (the town's or its own department's).
import type { WhistleView } from '../../whistles/service.ts'
import type { WhistleListItem, RoutingVersion } from '../../store/whistles.ts'
import { CLOCKS, type ClockName, type RungView, type WhistleEvent, type WhistleTarget, type WhistleType } from '../../model/whistle.ts'
import { html, type Html } from '../../html.ts'
import type { MessageKey } from '../i18n.ts'
import { csrfField, type PageContext } from '../layout.ts'
import { beijingTime } from '../format.ts'

export const WHISTLE_TABS = ['approval', 'open', 'closed', 'all'] as const
export type WhistleTab = (typeof WHISTLE_TABS)[number]

export interface Named { code: string, name: string }

const tabHref = (tab: WhistleTab): string => tab === 'open' ? '/portal/whistles' : `/portal/whistles?tab=${tab}`
export const whistleStateName = (ctx: PageContext, s: string): string => ctx.t(`whistle.state.${s}` as MessageKey)
const actionName = (ctx: PageContext, a: string): string => ctx.t(`whistle.action.${a}` as MessageKey)

/** `30m`, `24h`, `3wd` in words. */
export function spanText (ctx: PageContext, span: string): string {
  const m = /^(\d+)(m|h|wd)$/.exec(span)
  return m ? ctx.t(`whistle.span.${m[2]}` as MessageKey, m[1]!) : span
}

export interface WhistleListView {
  tab: WhistleTab
  items: WhistleListItem[]
  departments: ReadonlyMap<string, string>
  now: number
  mayBlow: boolean
  next?: string | undefined
  paged: boolean
}

export function whistleListBody (ctx: PageContext, v: WhistleListView): Html {
  const { t } = ctx
  const tabs = html`<nav class="tabs" aria-label="${t('whistle.listTitle')}">${WHISTLE_TABS.map((tab) =>
    html`<a href="${tabHref(tab)}"${tab === v.tab ? html` aria-current="page"` : ''} class="tab">${t(`whistle.tab.${tab}` as MessageKey)}</a>`)}</nav>`
  const rows = v.items.map((w) => {
    const overdue = w.nextDeadline !== null && Date.parse(w.nextDeadline) < v.now
    return html`<tr data-whistle="${w.id}"${overdue ? html` class="overdue"` : ''}>
  <td><a href="/portal/whistles/${w.id}" class="code">${w.id}</a></td>
  <td>${w.typeName}</td>
  <td>${w.title}</td>
  <td>${whistleStateName(ctx, w.state)}</td>
  <td>${w.departments.map((d) => v.departments.get(d) ?? d).join('、')}</td>
  <td>${beijingTime(w.blownAt)}</td>
  <td>${w.nextDeadline ? html`${beijingTime(w.nextDeadline)}${overdue ? html` <span class="badge">${t('whistle.overdue')}</span>` : ''}` : ''}</td>
</tr>`
  })
  return html`<h1>${t('whistle.listTitle')}</h1>
${v.mayBlow ? html`<p><a class="button" href="/portal/whistles/new">${t('whistle.blowLink')}</a></p>` : ''}
${tabs}
${v.items.length === 0 ? html`<p class="muted">${t('whistle.none')}</p>` : html`<table class="whistles"><thead><tr><th scope="col">${t('whistle.id')}</th><th scope="col">${t('whistle.type')}</th><th scope="col">${t('whistle.titleCol')}</th><th scope="col">${t('whistle.stateCol')}</th><th scope="col">${t('whistle.departments')}</th><th scope="col">${t('whistle.blownAt')}</th><th scope="col">${t('whistle.nextDeadline')}</th></tr></thead><tbody>${rows}</tbody></table>`}
<p class="pager">${v.paged ? html`<a href="${tabHref(v.tab)}">${t('whistle.first')}</a>` : ''}${v.next ? html`<a href="/portal/whistles?${v.next}" rel="next">${t('whistle.next')}</a>` : ''}</p>`
}

// ---------------------------------------------------------------------------------------------
// the blow form

export interface BlowFormView {
  types: readonly WhistleType[]
  routing: RoutingVersion | undefined
  departments: readonly Named[]
  villages: readonly Named[]
  needsApproval: boolean
  source: { kind: 'order' | 'risk', id: string } | undefined
  values: { title?: string | undefined, description?: string | undefined, division?: string | null | undefined, category?: string | null | undefined }
  requestId: string
  problem?: string | undefined
}

function departmentPicker (ctx: PageContext, prefix: string, departments: readonly Named[]): Html {
  const { t } = ctx
  return html`<p><label for="${prefix}-lead">${t('whistle.leadPick')}</label><select id="${prefix}-lead" name="lead"><option value="">—</option>${departments.map((d) => html`<option value="${d.code}">${d.name}</option>`)}</select></p>
<fieldset><legend>${t('whistle.coPick')}</legend>${departments.map((d) => html`<label class="check"><input type="checkbox" name="co.${d.code}" value="on"> ${d.name}</label>`)}</fieldset>`
}

export function blowFormBody (ctx: PageContext, v: BlowFormView): Html {
  const { t } = ctx
  const names = new Map(v.departments.map((d) => [d.code, d.name]))
  const name = (code: string): string => names.get(code) ?? code
  const rules = v.routing?.rules ?? []
  // A risk report's whistle carries the report's own description and village (the risk service writes them).
  const fromRisk = v.source?.kind === 'risk'
  return html`<h1>${t('whistle.newTitle')}</h1>
${v.problem ? html`<p class="error" role="alert" id="blow-problem">${v.problem}</p>` : ''}
${v.needsApproval ? html`<p class="notice needs-approval" role="note">${t('whistle.needsApproval')}</p>` : ''}
${v.source ? html`<p class="muted">${v.source.kind === 'order' ? html`<a href="/portal/orders/${v.source.id}">${t('whistle.fromOrder', v.source.id)}</a>` : t('whistle.fromRisk', v.source.id)}</p>` : ''}
<form method="post" action="/portal/whistles/new" class="card blow-form" data-once>${csrfField(ctx)}
<input type="hidden" name="requestId" value="${v.requestId}">
${v.source ? html`<input type="hidden" name="sourceKind" value="${v.source.kind}"><input type="hidden" name="sourceId" value="${v.source.id}">` : ''}
<p><label for="blow-type">${t('whistle.type')}</label><select id="blow-type" name="type" required>${v.types.map((ty) =>
  html`<option value="${ty.id}">${t('whistle.typeTimes', ty.name, spanText(ctx, ty.respond), spanText(ctx, ty.arrive), spanText(ctx, ty.finish))}</option>`)}</select></p>
${v.routing ? html`<p><label for="blow-category">${t('whistle.categoryPick')}</label><select id="blow-category" name="category"><option value="">${t('whistle.categoryNone')}</option>${rules.map((r) =>
  html`<option value="${r.category}"${r.category === v.values.category ? html` selected` : ''}>${r.category} ${r.name} — ${t('whistle.suggested', name(r.lead), r.co.map(name).join('、') || '—')}</option>`)}</select>
<small class="muted">${t('whistle.routing', v.routing.version)}</small></p>` : html`<p class="muted">${t('whistle.noRouting')}</p>`}
<details class="override"${v.routing ? '' : html` open`}><summary>${t('whistle.override')}</summary>${departmentPicker(ctx, 'blow', v.departments)}</details>
<p><label for="blow-title">${t('whistle.titleCol')}</label><input type="text" id="blow-title" name="title" maxlength="200" required value="${v.values.title ?? ''}"></p>
<p><label for="blow-description">${t('whistle.description')}</label><textarea id="blow-description" name="description" maxlength="4000" required${fromRisk ? html` readonly` : ''}>${v.values.description ?? ''}</textarea>${fromRisk ? html`<small class="muted">${t('whistle.fromRiskFields')}</small>` : ''}</p>
<p><label for="blow-division">${t('whistle.village')}</label><select id="blow-division" name="division"${fromRisk ? html` disabled` : ''}><option value="">${t('whistle.villageNone')}</option>${v.villages.map((x) =>
  html`<option value="${x.code}"${x.code === v.values.division ? html` selected` : ''}>${x.name}</option>`)}</select></p>
<p><button type="submit">${t('whistle.submit')}</button></p>
</form>`
}

// ---------------------------------------------------------------------------------------------
// one whistle

export interface WhistlePageView {
  view: WhistleView
  departments: readonly Named[]
  villages: ReadonlyMap<string, string>
  /** The actions this viewer may take now. */
  actions: readonly string[]
  /** The town may send a dead call to a department's system again. */
  mayResend: boolean
  requestId: string
  now: number
  notice?: string | undefined
  problem?: string | undefined
  openAction?: string | undefined
}

/** Each department's last extension request not decided yet. */
export function pendingExtensionDepartments (events: readonly WhistleEvent[]): string[] {
  const pending = new Set<string>()
  for (const e of events) {
    if (e.department === null) continue
    if (e.action === 'request-extension') pending.add(e.department)
    else if (e.action === 'decide-extension' || e.action === 'return') pending.delete(e.department)
  }
  return [...pending]
}

function metAt (target: WhistleTarget, clock: ClockName): string | null {
  if (clock === 'respond') return target.respondedAt ?? target.arrivedAt
  if (clock === 'arrive') return target.arrivedAt
  return target.doneAt
}

function clockCell (ctx: PageContext, target: WhistleTarget, clock: ClockName, rungs: readonly RungView[], now: number): Html {
  const { t } = ctx
  const mine = rungs.filter((r) => r.department === target.department && r.clock === clock)
  const deadline = mine.find((r) => r.rung === 'head')?.deadline ?? mine[0]?.deadline
  const met = metAt(target, clock)
  const overdue = deadline !== undefined && met === null && !['returned', 'finished'].includes(target.state) && Date.parse(deadline) < now
  return html`<td data-clock="${clock}"${overdue ? html` class="overdue"` : ''}>
${deadline ? t('whistle.clockDue', beijingTime(deadline)) : ''}${overdue ? html` <span class="badge">${t('whistle.overdue')}</span>` : ''}
${met ? html`<br><span class="met">${t('whistle.clockMet', beijingTime(met))}</span>` : ''}
${mine.length ? html`<ul class="rungs">${mine.map((r) => html`<li data-rung="${r.rung}" data-state="${r.state}">${r.state === 'fired'
    ? t('whistle.rungState.fired', t(`whistle.rung.${r.rung}` as MessageKey), beijingTime(r.firedAt))
    : r.state === 'pending'
      ? t('whistle.rungState.pending', t(`whistle.rung.${r.rung}` as MessageKey), beijingTime(r.dueAt))
      : t('whistle.rungState.stopped', t(`whistle.rung.${r.rung}` as MessageKey))}</li>`)}</ul>` : ''}
</td>`
}

function targetRow (ctx: PageContext, p: WhistlePageView, target: WhistleTarget): Html {
  const { t } = ctx
  const calls = p.view.deliveries.filter((d) => d.instance === `department:${target.department}`)
  const undelivered = calls.filter((d) => !d.delivered)
  return html`<tr data-department="${target.department}">
<th scope="row">${target.departmentName} <span class="muted">${t(`whistle.role.${target.role}` as MessageKey)}</span>
${calls.length ? html`<br>${undelivered.length
    ? html`<span class="badge undelivered">${t('whistle.undelivered')}</span>${p.mayResend ? undelivered.filter((d) => d.state === 'dead').map((d) => html`<form method="post" action="/portal/whistles/${p.view.whistle.id}/resend" class="inline">${csrfField(ctx)}<input type="hidden" name="outboxId" value="${d.id}"><button class="link" type="submit">${t('whistle.resend')}</button></form>`) : ''}`
    : html`<span class="muted">${t('whistle.delivered')}</span>`}` : ''}</th>
<td class="target-state" data-state="${target.state}">${t(`whistle.target.${target.state}` as MessageKey)}</td>
${CLOCKS.map((c) => clockCell(ctx, target, c, p.view.rungs, p.now))}
</tr>`
}

/** An event's data as short text: the fields a person reads. */
function eventNote (ctx: PageContext, e: WhistleEvent, names: ReadonlyMap<string, string>): string {
  const { t } = ctx
  const d = e.data
  const texts: string[] = []
  if (typeof d.who === 'string') texts.push(`${d.who} ${typeof d.arrivedAt === 'string' ? beijingTime(d.arrivedAt) : ''}`.trim())
  for (const key of ['note', 'text', 'reason', 'check'] as const) if (typeof d[key] === 'string') texts.push(d[key])
  if (typeof d.rating === 'number') texts.push(`${t('whistle.rating')} ${t('whistle.ratingShown', d.rating)}`)
  if (typeof d.clock === 'string') texts.push(`${t(`whistle.clock.${d.clock}` as MessageKey)}${typeof d.span === 'string' ? ` +${spanText(ctx, d.span)}` : ''}`)
  if (typeof d.grant === 'boolean') texts.push(t(d.grant ? 'whistle.grant.yes' : 'whistle.grant.no'))
  if (typeof d.rung === 'string') texts.push(t(`whistle.rung.${d.rung}` as MessageKey))
  if (Array.isArray(d.photos) && d.photos.length) texts.push(`📷 ${d.photos.length}`)
  if (Array.isArray(d.departments)) texts.push((d.departments as Array<{ code?: string, department?: string }>).map((x) => names.get(x.department ?? x.code ?? '') ?? x.department ?? x.code ?? '').join('、'))
  return texts.join('；')
}

// The fields of each action's form.
const area = (ctx: PageContext, action: string, name: string, label: MessageKey, required = true, max = 1000): Html =>
  html`<label for="${action}-${name}">${ctx.t(label)}</label><textarea id="${action}-${name}" name="${name}" maxlength="${max}"${required ? html` required` : ''}></textarea>`

function departmentSelect (ctx: PageContext, action: string, targets: readonly WhistleTarget[]): Html {
  return html`<label for="${action}-department">${ctx.t('whistle.department')}</label><select id="${action}-department" name="department" required>${targets.map((x) => html`<option value="${x.department}">${x.departmentName}</option>`)}</select>`
}

function actionFields (ctx: PageContext, p: WhistlePageView, action: string): Html | string {
  const { t } = ctx
  const w = p.view.whistle
  switch (action) {
    case 'withdraw': case 'return': case 'reopen': return area(ctx, action, 'reason', 'whistle.reason')
    case 'respond': return area(ctx, action, 'note', 'whistle.note', false)
    case 'arrive': return html`<label for="arrive-who">${t('whistle.who')}</label><input type="text" id="arrive-who" name="who" maxlength="200" required>
<label for="arrive-at">${t('whistle.at')}</label><input type="datetime-local" id="arrive-at" name="at" required value="${new Date(p.now + 8 * 3_600_000).toISOString().slice(0, 16)}">
${area(ctx, action, 'note', 'whistle.note', false)}`
    case 'progress': case 'declare-done': return html`${area(ctx, action, 'text', 'whistle.text', true, 4000)}
<label for="${action}-files">${t('whistle.photoFiles')}</label><input type="file" id="${action}-files" accept="image/jpeg,image/png,image/webp" multiple data-photos>
<p class="photo-status muted" role="status"></p>
${area(ctx, action, 'photos', 'whistle.photos', false, 1400)}`
    case 'request-extension': return html`<label for="request-extension-clock">${t('whistle.clockPick')}</label><select id="request-extension-clock" name="clock" required>${CLOCKS.map((c) => html`<option value="${c}">${t(`whistle.clock.${c}` as MessageKey)}</option>`)}</select>
<label for="request-extension-span">${t('whistle.span')}</label><input type="text" id="request-extension-span" name="span" pattern="\\d{1,4}(m|h|wd)" maxlength="7" required>
${area(ctx, action, 'reason', 'whistle.reason')}`
    case 'reroute': return html`${departmentPicker(ctx, 'reroute', p.departments)}${area(ctx, action, 'reason', 'whistle.reason')}`
    case 'decide-extension': {
      const pending = new Set(pendingExtensionDepartments(p.view.events))
      return html`${departmentSelect(ctx, action, w.targets.filter((x) => pending.has(x.department)))}
<label for="decide-extension-grant">${t('whistle.grant')}</label><select id="decide-extension-grant" name="grant" required><option value="yes">${t('whistle.grant.yes')}</option><option value="no">${t('whistle.grant.no')}</option></select>
${area(ctx, action, 'reason', 'whistle.reason', false)}`
    }
    case 'reject-done': return html`${departmentSelect(ctx, action, w.targets.filter((x) => x.state === 'done-declared'))}${area(ctx, action, 'reason', 'whistle.reason')}`
    case 'close': return html`${area(ctx, action, 'check', 'whistle.check', true, 2000)}
<label for="close-rating">${t('whistle.ratingPick')}</label><select id="close-rating" name="rating" required>${[5, 4, 3, 2, 1].map((r) => html`<option value="${r}">${r}</option>`)}</select>
${w.source.kind === 'order' ? html`<label for="close-replyResult">${t('whistle.replyResult')}</label><select id="close-replyResult" name="replyResult">${['1', '2', '3'].map((r) => html`<option value="${r}">${t(`order.result.${r}` as MessageKey)}</option>`)}</select>` : ''}
<input type="hidden" name="version" value="${w.version}">`
    default: return ''
  }
}

function actionForms (ctx: PageContext, p: WhistlePageView): Html {
  const id = p.view.whistle.id
  return html`${p.actions.map((action) => html`<details class="card whistle-action" data-action="${action}"${action === p.openAction || p.actions.length === 1 ? html` open` : ''}>
<summary>${actionName(ctx, action)}</summary>
<form method="post" action="/portal/whistles/${id}/act" data-once data-msg-uploading="${ctx.t('whistle.uploading')}">${csrfField(ctx)}
<input type="hidden" name="action" value="${action}">
<input type="hidden" name="requestId" value="${p.requestId}-${action}">
${actionFields(ctx, p, action)}
<p><button type="submit">${actionName(ctx, action)}</button></p>
</form></details>`)}`
}

function sourceCell (ctx: PageContext, w: WhistleView['whistle']): Html | string {
  const { t } = ctx
  if (w.source.kind === 'order' && w.source.id) return html`<a href="/portal/orders/${w.source.id}" class="source-link">${t('whistle.source.order', w.source.id)}</a>`
  if (w.source.kind === 'risk' && w.source.id) return html`<a href="/portal/risks/${w.source.id}" class="source-link">${t('whistle.source.risk', w.source.id)}</a>`
  return t('whistle.source.direct')
}

function revisitCell (ctx: PageContext, revisit: unknown): string {
  const { t } = ctx
  const r = revisit as { contacted?: boolean, solved?: boolean, satisfied?: number, comment?: string } | null
  if (!r) return t('whistle.noRevisit')
  return t('order.revisit', t(r.contacted ? 'order.revisit.contacted' : 'order.revisit.notContacted'), t(r.solved ? 'order.revisit.solved' : 'order.revisit.notSolved'), r.satisfied ?? '', r.comment ?? '')
}

export function whistleBody (ctx: PageContext, p: WhistlePageView): Html {
  const { t } = ctx
  const w = p.view.whistle
  const names = new Map(p.departments.map((d) => [d.code, d.name]))
  return html`<h1>${t('whistle.title', w.id)}</h1>
${p.notice ? html`<p class="notice" role="status">${p.notice}</p>` : ''}
${p.problem ? html`<p class="error" role="alert" id="whistle-problem">${p.problem}</p>` : ''}
<div class="cols">
<section>
<table class="facts whistle-facts"><tbody>
<tr><th scope="row">${t('whistle.stateCol')}</th><td><strong class="whistle-state" data-state="${w.state}">${whistleStateName(ctx, w.state)}</strong></td></tr>
<tr><th scope="row">${t('whistle.type')}</th><td>${t('whistle.typeTimes', w.type.name, spanText(ctx, w.type.respond), spanText(ctx, w.type.arrive), spanText(ctx, w.type.finish))}</td></tr>
<tr><th scope="row">${t('whistle.titleCol')}</th><td>${w.title}</td></tr>
<tr><th scope="row">${t('whistle.description')}</th><td class="pre">${w.description}</td></tr>
<tr><th scope="row">${t('whistle.source')}</th><td>${sourceCell(ctx, w)}</td></tr>
${p.view.order ? html`<tr><th scope="row">${t('whistle.revisit')}</th><td class="whistle-revisit">${revisitCell(ctx, p.view.order.revisit)}</td></tr>` : ''}
${w.category ? html`<tr><th scope="row">${t('whistle.category')}</th><td class="code">${w.category}</td></tr>` : ''}
<tr><th scope="row">${t('whistle.village')}</th><td>${w.division ? p.villages.get(w.division) ?? w.division : t('whistle.villageNone')}</td></tr>
<tr><th scope="row">${t('whistle.blownBy')}</th><td>${w.blownBy.name} · ${beijingTime(w.blownAt)}</td></tr>
${w.rating !== null ? html`<tr><th scope="row">${t('whistle.rating')}</th><td class="whistle-rating">${t('whistle.ratingShown', w.rating)}</td></tr>` : ''}
</tbody></table>
<h2>${t('whistle.perDepartment')}</h2>
<table class="whistle-targets"><thead><tr><th scope="col">${t('whistle.department')}</th><th scope="col">${t('whistle.stateCol')}</th>${CLOCKS.map((c) => html`<th scope="col">${t(`whistle.clock.${c}` as MessageKey)}</th>`)}</tr></thead>
<tbody>${w.targets.map((x) => targetRow(ctx, p, x))}</tbody></table>
<h2>${t('whistle.events')}</h2>
<table class="whistle-events"><thead><tr><th scope="col">${t('whistle.eventAt')}</th><th scope="col">${t('whistle.eventBy')}</th><th scope="col">${t('whistle.eventWhat')}</th><th scope="col">${t('whistle.eventNote')}</th></tr></thead>
<tbody>${p.view.events.map((e) => html`<tr data-event="${e.action}"><td class="nowrap">${beijingTime(e.at)}</td><td>${e.actor.name}</td><td>${actionName(ctx, e.action)}${e.department ? html` · ${names.get(e.department) ?? e.department}` : ''}</td><td>${eventNote(ctx, e, names)}</td></tr>`)}</tbody></table>
</section>
<aside class="whistle-actions" aria-labelledby="actions-h">
<h2 id="actions-h">${t('whistle.actions')}</h2>
${p.actions.length === 0 ? html`<p class="muted">${t('whistle.noActions')}</p>` : actionForms(ctx, p)}
</aside>
</div>`
}
