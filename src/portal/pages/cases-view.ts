// The bodies of the case lists (tabs: mine today, due soon, overdue, all) and of a case's page:
// its state, matter, applicant (ID masked), clocks with their explanation, events, materials,
// corrections and the forms of the actions its state allows (cases-actions-view.ts).
import type { CaseDeadline, CaseState } from '../../model/case.ts'
import { CASE_STATES } from '../../model/case.ts'
import type { CaseListItem } from '../../store/cases.ts'
import type { OutboxRow } from '../../store/outbox.ts'
import type { CaseView } from '../../cases/service.ts'
import type { Explanation } from '../../calendar/deadline.ts'
import { explainText } from '../../calendar/explain.ts'
import { html, type Html } from '../../html.ts'
import type { MessageKey } from '../i18n.ts'
import { csrfField, type PageContext } from '../layout.ts'
import { beijingTime, maskId, maskPhone } from '../format.ts'
import { actionForms } from './cases-actions-view.ts'

export const TABS = ['mine', 'due', 'overdue', 'all'] as const

/** How many cases the home page's box counts at most per figure (more reads as "100+"). */
export const HOME_COUNT_LIMIT = 100
export type Tab = (typeof TABS)[number]

export const stateName = (ctx: PageContext, s: CaseState): string => ctx.t(`case.state.${s}` as MessageKey)
const actionName = (ctx: PageContext, a: string): string => ctx.t(`case.action.${a}` as MessageKey)
export const applicantShown = (kind: 'person' | 'enterprise', key: string): string => kind === 'person' ? maskId(key) : key

export interface CaseListView {
  tab: Tab
  items: CaseListItem[]
  today: string
  state?: CaseState | undefined
  matter?: string | undefined
  /** The next page's query (keyset), when there is one. */
  next?: string | undefined
  paged: boolean
}

function tabHref (tab: Tab): string {
  return tab === 'mine' ? '/portal/cases' : `/portal/cases?tab=${tab}`
}

export function caseListBody (ctx: PageContext, v: CaseListView): Html {
  const { t } = ctx
  const tabs = html`<nav class="tabs" aria-label="${t('case.listTitle')}">${TABS.map((tab) =>
    html`<a href="${tabHref(tab)}"${tab === v.tab ? html` aria-current="page"` : ''} class="tab${tab === 'overdue' ? ' tab-overdue' : ''}">${t(`case.tab.${tab}` as MessageKey)}</a>`)}</nav>`
  const filters = v.tab === 'all'
    ? html`<form class="filters card" method="get" action="/portal/cases"><input type="hidden" name="tab" value="all">
  <p><label for="cs">${t('case.filterState')}</label><select id="cs" name="state"><option value="">${t('case.filterAny')}</option>${CASE_STATES.map((s) => html`<option value="${s}"${s === v.state ? html` selected` : ''}>${stateName(ctx, s)}</option>`)}</select></p>
  <p><label for="cm">${t('case.filterMatter')}</label><input id="cm" name="matter" maxlength="33" value="${v.matter ?? ''}"></p>
  <p><button type="submit">${t('case.filter')}</button></p></form>`
    : ''
  const rows = v.items.map((c) => {
    const overdue = c.due !== null && c.due < v.today
    return html`<tr data-case="${c.projectNo}"${overdue ? html` class="overdue"` : ''}>
  <td><a href="/portal/cases/${c.projectNo}" class="code">${c.projectNo}</a></td>
  <td>${c.matterName}</td>
  <td>${c.applicant.name} <span class="muted code">${applicantShown(c.applicant.kind, c.applicant.key)}</span></td>
  <td>${stateName(ctx, c.state)}</td>
  <td>${beijingTime(c.receivedAt)}<br><span class="muted">${c.receivedBy.name}</span></td>
  <td>${c.due ? html`${c.due} <span class="muted">${t(`case.kind.${c.dueKind ?? 'legal'}` as MessageKey)}</span>${overdue ? html` <span class="badge">${t('case.clock.overdue')}</span>` : ''}` : ''}</td>
</tr>`
  })
  return html`<h1>${t('case.listTitle')}</h1>
${tabs}
${filters}
${v.items.length === 0 ? html`<p class="muted">${t('case.none')}</p>` : html`<table class="cases"><thead><tr><th scope="col">${t('case.projectNo')}</th><th scope="col">${t('case.matter')}</th><th scope="col">${t('case.applicant')}</th><th scope="col">${t('case.stateCol')}</th><th scope="col">${t('case.receivedAt')}</th><th scope="col">${t('case.due')}</th></tr></thead><tbody>${rows}</tbody></table>`}
<p class="pager">${v.paged ? html`<a href="${tabHref(v.tab)}">${t('case.first')}</a>` : ''}${v.next ? html`<a href="/portal/cases?${v.next}" rel="next">${t('case.next')}</a>` : ''}</p>`
}

/** Why a clock has no date, in the page's language: the calendar's missing year, else the problem as recorded. */
function problemText (ctx: PageContext, problem: string): Html {
  const year = /does not cover (\d{4})/.exec(problem)?.[1]
  return html`<p class="error clock-problem" role="alert">${year ? ctx.t('case.clock.notCovered', year) : ctx.t('case.clock.problem', problem)}</p>`
}

function clockRow (ctx: PageContext, d: CaseDeadline, today: string): Html {
  const { t } = ctx
  const overdue = d.state === 'running' && d.due !== null && d.due < today
  const state = d.state === 'met' ? t('case.clock.met', beijingTime(d.metAt)) : t(`case.clock.${d.state}` as MessageKey)
  const lines = d.explanation ? explainText(d.explanation as unknown as Explanation, ctx.lang) : []
  return html`<tr data-clock="${d.kind}" class="clock-${d.state}${overdue ? ' overdue' : ''}">
  <th scope="row">${t(`case.kind.${d.kind}` as MessageKey)}</th>
  <td>${d.due ?? ''}${overdue ? html` <span class="badge">${t('case.clock.overdue')}</span>` : ''}</td>
  <td>${state}${d.problem ? problemText(ctx, d.problem) : ''}
  ${lines.length ? html`<details class="clock-explain"><summary>${t('case.clock.explain')}</summary><ol>${lines.map((l) => html`<li>${l}</li>`)}</ol></details>` : ''}</td>
</tr>`
}

/** An event's data as short text: the fields a person reads (items, step, result…). */
function eventNote (ctx: PageContext, e: CaseView['events'][number]): Html {
  const d = e.data
  const texts: string[] = e.reason ? [e.reason] : []
  for (const key of ['explain', 'stepName', 'specialType', 'legalBasis', 'docNo', 'certName', 'certNo'] as const) {
    const value = d[key]
    if (typeof value === 'string') texts.push(value)
  }
  if (typeof d.result === 'string') texts.push(ctx.t('case.resultShown', ctx.t(`case.result.${d.result}` as MessageKey)))
  const items = Array.isArray(d.items) ? d.items as Array<{ materialName?: string, reason?: string }> : []
  return html`${texts.join('；')}${items.length ? html`<ul>${items.map((i) => html`<li>${i.materialName ?? ''}：${i.reason ?? ''}</li>`)}</ul>` : ''}`
}

export interface CasePageView {
  view: CaseView
  /** The form fields' labels from the matter version the case was opened under. */
  labels: ReadonlyMap<string, string>
  today: string
  /** The actions this staff member may take (the state's, and extension only for a leader). */
  actions: readonly string[]
  /** The case's reports to the provincial platform (the outbox), oldest first. */
  reports: readonly OutboxRow[]
  /** The 好差评 stages the case has reached, for which this staff member may make a tablet link. */
  ratingStages: ReadonlyArray<'accept' | 'conclude'>
  requestId: string
  notice?: string | undefined
  problem?: string | undefined
  /** The action whose form came back with its values (a 422), opened. */
  openAction?: string | undefined
}

export function caseBody (ctx: PageContext, p: CasePageView): Html {
  const { t } = ctx
  const c = p.view.case
  const contact = c.contact ? html`${c.contact.name} <span class="muted code">${maskId(c.contact.certNo)}</span> ${maskPhone(c.contact.phone)}` : ''
  return html`<h1>${t('case.title', c.projectNo)}</h1>
${p.notice ? html`<p class="notice" role="status">${p.notice}</p>` : ''}
${p.problem ? html`<p class="error" role="alert" id="case-problem">${p.problem}</p>` : ''}
<div class="cols">
<section>
<table class="facts case-facts"><tbody>
<tr><th scope="row">${t('case.stateCol')}</th><td><strong class="case-state" data-state="${c.state}">${stateName(ctx, c.state)}</strong>${c.result ? html` · ${t(`case.result.${c.result}` as MessageKey)}` : ''}</td></tr>
<tr><th scope="row">${t('case.matter')}</th><td>${c.matterName} <a href="/portal/matters/${c.taskHandleItem}?version=${c.taskVersion}">${t('case.guide', c.taskVersion)}</a></td></tr>
<tr><th scope="row">${t('case.applicant')}</th><td>${c.applicant.name} <span class="muted code">${applicantShown(c.applicant.kind, c.applicant.key)}</span></td></tr>
${c.contact ? html`<tr><th scope="row">${t('case.contact')}</th><td>${contact}</td></tr>` : ''}
<tr><th scope="row">${t('case.receivedAt')}</th><td>${beijingTime(c.receivedAt)} · ${c.receivedBy.name}</td></tr>
</tbody></table>
<h2>${t('case.clocks')}</h2>
<table class="case-clocks"><thead><tr><th scope="col">${t('case.clockKind')}</th><th scope="col">${t('case.clockDue')}</th><th scope="col">${t('case.clockState')}</th></tr></thead>
<tbody>${c.deadlines.map((d) => clockRow(ctx, d, p.today))}</tbody></table>
<h2>${t('case.events')}</h2>
<table class="case-events"><thead><tr><th scope="col">${t('case.eventAt')}</th><th scope="col">${t('case.eventBy')}</th><th scope="col">${t('case.eventAction')}</th><th scope="col">${t('case.eventReason')}</th></tr></thead>
<tbody>${p.view.events.map((e) => html`<tr data-event="${e.action}"><td class="nowrap">${beijingTime(e.at)}</td><td>${e.actor.name}</td><td>${actionName(ctx, e.action)} → ${stateName(ctx, e.to)}</td><td>${eventNote(ctx, e)}</td></tr>`)}</tbody></table>
<h2>${t('case.form')}</h2>
<table class="facts"><tbody>${Object.entries(c.formData).map(([k, v]) => html`<tr><th scope="row">${p.labels.get(k) ?? k}</th><td>${/^\d{17}[\dX]$/.test(v) ? maskId(v) : v}</td></tr>`)}</tbody></table>
<h2>${t('case.materials')}</h2>
<table class="case-materials"><thead><tr><th scope="col">${t('matter.materialName')}</th><th scope="col">${t('case.provided')}</th></tr></thead>
<tbody>${c.materials.map((m) => html`<tr data-material="${m.name}"${m.provided === 'missing' ? html` class="missing"` : ''}><td>${m.name}</td><td>${t(`matter.provided.${m.provided}` as MessageKey)}</td></tr>`)}</tbody></table>
${c.corrections.length ? html`<h2>${t('case.corrections')}</h2>
<table class="case-corrections"><thead><tr><th scope="col">${t('case.correctionField')}</th><th scope="col">${t('case.correctionFrom')}</th><th scope="col">${t('case.correctionTo')}</th><th scope="col">${t('case.correctionWhy')}</th></tr></thead>
<tbody>${c.corrections.map((x) => html`<tr><td>${p.labels.get(x.field) ?? x.field}</td><td>${x.from ?? ''}</td><td>${x.to}</td><td>${x.why}${x.offerToRecord ? html` <span class="muted">（${t('case.correctionOffered')}）</span>` : ''}</td></tr>`)}</tbody></table>` : ''}
${p.reports.length ? html`<h2>${t('case.reports')}</h2>
<table class="case-reports"><thead><tr><th scope="col">${t('case.reportWhat')}</th><th scope="col">${t('case.reportState')}</th><th scope="col">${t('case.reportNote')}</th></tr></thead>
<tbody>${p.reports.map((r) => reportRow(ctx, r))}</tbody></table>` : ''}
</section>
<aside class="case-actions" aria-labelledby="actions-h">
<h2 id="actions-h">${t('case.actions')}</h2>
${p.actions.length === 0 ? html`<p class="muted">${t('case.noActions')}</p>` : actionForms(ctx, c, p.actions, p.requestId, p.openAction)}
${p.ratingStages.length ? html`<h2>${t('case.rating')}</h2>
${p.ratingStages.map((stage) => html`<form method="post" action="/portal/cases/${c.projectNo}/rating-link" class="rating-link">${csrfField(ctx)}<input type="hidden" name="stage" value="${stage}"><button type="submit" data-stage="${stage}">${t('case.ratingLink', t(`rate.stage.${stage}`))}</button></form>`)}` : ''}
</aside>
</div>`
}

/** The platform's field errors (a 2001 answer) are kept after the message as a JSON list. */
function fieldErrorsOf (lastError: string): { text: string, fields: Array<{ field: string, message: string }> } {
  const at = lastError.indexOf(' [{')
  if (at < 0) return { text: lastError, fields: [] }
  try {
    return { text: lastError.slice(0, at), fields: JSON.parse(lastError.slice(at + 1)) as Array<{ field: string, message: string }> }
  } catch {
    return { text: lastError, fields: [] }
  }
}

function reportRow (ctx: PageContext, r: OutboxRow): Html {
  const { t } = ctx
  const error = r.lastError ? fieldErrorsOf(r.lastError) : undefined
  const note = r.state === 'held'
    ? html`${r.heldReason ?? ''}`
    : r.state === 'sent'
      ? html`${r.sentAt ? beijingTime(r.sentAt) : ''}`
      : error
        ? html`${error.text}${error.fields.length ? html`<ul class="field-errors">${error.fields.map((f) => html`<li><code>${f.field}</code> ${f.message}</li>`)}</ul>` : ''}`
        : html`${t('case.reportTries', r.attempts)}`
  return html`<tr data-report="${r.operation}" data-state="${r.state}"${r.state === 'dead' ? html` class="overdue"` : ''}><td>${t(`case.report.${r.operation}` as MessageKey)}</td><td>${t(`case.reportState.${r.state}` as MessageKey)}</td><td>${note}</td></tr>`
}
