// The bodies of the work-order pages: the lists (to sign, in progress, replied, all, to place) with
// each order's sign and reply deadlines and late marks, and one order's page: what the caller asked
// (the caller hidden when anonymous), its deadlines, history, whistles and the answers its state allows.
import type { OrderListRow } from '../../store/orders.ts'
import type { OrderClock, OrderView } from '../../orders/service.ts'
import type { OrderState, Revisit } from '../../model/order.ts'
import { html, type Html } from '../../html.ts'
import type { MessageKey } from '../i18n.ts'
import { csrfField, type PageContext } from '../layout.ts'
import { beijingTime, maskPhone } from '../format.ts'

export const ORDER_TABS = ['pending', 'doing', 'replied', 'all', 'unplaced'] as const
export type OrderTab = (typeof ORDER_TABS)[number]

export const orderStateName = (ctx: PageContext, s: OrderState | string): string => ctx.t(`order.state.${s}` as MessageKey)

export interface Village { code: string, name: string }

/** Late: done after the deadline, or not done and past it. */
export function lateOf (deadline: string | null, doneAt: string | null, now: number): boolean {
  return deadline !== null && (doneAt === null ? now : Date.parse(doneAt)) > Date.parse(deadline)
}

const tabHref = (tab: OrderTab): string => tab === 'pending' ? '/portal/orders' : `/portal/orders?tab=${tab}`

function deadlineCell (ctx: PageContext, deadline: string | null, doneAt: string | null, now: number): Html {
  if (!deadline) return html``
  return html`${beijingTime(deadline)}${lateOf(deadline, doneAt, now) ? html` <span class="badge">${ctx.t('order.late')}</span>` : ''}`
}

export interface OrderListView {
  tab: OrderTab
  items: OrderListRow[]
  villages: ReadonlyMap<string, string>
  now: number
  next?: string | undefined
  paged: boolean
}

export function orderListBody (ctx: PageContext, v: OrderListView): Html {
  const { t } = ctx
  const tabs = html`<nav class="tabs" aria-label="${t('order.listTitle')}">${ORDER_TABS.map((tab) =>
    html`<a href="${tabHref(tab)}"${tab === v.tab ? html` aria-current="page"` : ''} class="tab">${t(`order.tab.${tab}` as MessageKey)}</a>`)}</nav>`
  const rows = v.items.map((o) => {
    const late = lateOf(o.signDeadline, o.signedAt, v.now) || lateOf(o.replyDeadline, o.repliedAt, v.now)
    return html`<tr data-order="${o.orderNo}"${late ? html` class="overdue"` : ''}>
  <td><a href="/portal/orders/${o.orderNo}" class="code">${o.orderNo}</a></td>
  <td>${o.title ?? ''}${o.urgeCount > 0 ? html` <span class="badge">${t('order.urged', o.urgeCount)}</span>` : ''}</td>
  <td>${orderStateName(ctx, o.state)}</td>
  <td>${o.division ? v.villages.get(o.division) ?? o.division : html`<span class="muted">${t('order.unplaced')}</span>`}</td>
  <td class="sign-deadline">${deadlineCell(ctx, o.signDeadline, o.signedAt, v.now)}</td>
  <td class="reply-deadline">${deadlineCell(ctx, o.replyDeadline, o.repliedAt, v.now)}</td>
</tr>`
  })
  return html`<h1>${t('order.listTitle')}</h1>
${tabs}
${v.items.length === 0 ? html`<p class="muted">${t('order.none')}</p>` : html`<table class="orders"><thead><tr><th scope="col">${t('order.orderNo')}</th><th scope="col">${t('order.titleCol')}</th><th scope="col">${t('order.stateCol')}</th><th scope="col">${t('order.village')}</th><th scope="col">${t('order.signDeadline')}</th><th scope="col">${t('order.replyDeadline')}</th></tr></thead><tbody>${rows}</tbody></table>`}
<p class="pager">${v.paged ? html`<a href="${tabHref(v.tab)}">${t('order.first')}</a>` : ''}${v.next ? html`<a href="/portal/orders?${v.next}" rel="next">${t('order.next')}</a>` : ''}</p>`
}

function revisitText (ctx: PageContext, r: Revisit): string {
  const { t } = ctx
  return t('order.revisit', t(r.contacted ? 'order.revisit.contacted' : 'order.revisit.notContacted'), t(r.solved ? 'order.revisit.solved' : 'order.revisit.notSolved'), r.satisfied, r.comment)
}

/** An event's data as short text: what a person reads (reason, text, result, urge count, revisit, village). */
function eventNote (ctx: PageContext, e: OrderView['events'][number], villages: ReadonlyMap<string, string>): string {
  const d = e.data
  const texts: string[] = []
  if (typeof d.result === 'string' && e.type === 'town.reply') texts.push(ctx.t(`order.result.${d.result}` as MessageKey))
  for (const key of ['reason', 'text', 'signer'] as const) if (typeof d[key] === 'string') texts.push(d[key])
  if (typeof d.days === 'number') texts.push(ctx.t('whistle.span.wd', d.days))
  if (e.type === 'order.urged' && typeof d.urgeCount === 'number') texts.push(ctx.t('order.urged', d.urgeCount))
  if (e.type === 'order.revisited' && d.revisit) texts.push(revisitText(ctx, d.revisit as Revisit))
  if (e.type === 'town.place' && typeof d.division === 'string') texts.push(villages.get(d.division) ?? d.division)
  return texts.join('；')
}

function clockRow (ctx: PageContext, kind: 'sign' | 'reply', c: OrderClock): Html {
  const { t } = ctx
  return html`<tr data-clock="${kind}"${c.late ? html` class="overdue"` : ''}><th scope="row">${t(kind === 'sign' ? 'order.signDeadline' : 'order.replyDeadline')}</th>
<td>${beijingTime(c.deadline)}${c.late ? html` <span class="badge">${t('order.late')}</span>` : ''}</td>
<td>${c.doneAt ? html`${t('order.clockDone')} ${beijingTime(c.doneAt)}` : t('order.clockRunning')}</td></tr>`
}

export interface OrderPageView {
  view: OrderView
  villages: readonly Village[]
  /** The answers this staff member may give now (empty without orders:act). */
  actions: readonly string[]
  mayPlace: boolean
  mayBlow: boolean
  notice?: string | undefined
  problem?: string | undefined
  openAction?: string | undefined
}

function answerFields (ctx: PageContext, action: string): Html | string {
  const { t } = ctx
  const area = (name: string, label: MessageKey, max = 2000): Html => html`<label for="${action}-${name}">${t(label)}</label><textarea id="${action}-${name}" name="${name}" maxlength="${max}" required></textarea>`
  switch (action) {
    case 'return': return area('reason', 'order.reason')
    case 'extend': return html`${area('reason', 'order.reason')}<label for="extend-days">${t('order.days')}</label><input type="number" id="extend-days" name="days" min="1" max="10" required>`
    case 'progress': return area('text', 'order.text', 4000)
    case 'reply': return html`<label for="reply-result">${t('order.result')}</label><select id="reply-result" name="result" required>${['1', '2', '3'].map((r) => html`<option value="${r}">${t(`order.result.${r}` as MessageKey)}</option>`)}</select>${area('text', 'order.text', 4000)}`
    default: return ''
  }
}

export function orderBody (ctx: PageContext, p: OrderPageView): Html {
  const { t } = ctx
  const o = p.view.order
  const names = new Map(p.villages.map((v) => [v.code, v.name]))
  const citizen = o.anonymous || !o.citizen
    ? html`<span class="muted">${t('order.anonymous')}</span>`
    : html`${o.citizen.name} <span class="muted code">${maskPhone(o.citizen.phone)}</span>`
  const forms = p.actions.map((action) => html`<details class="card order-action" data-action="${action}"${action === p.openAction || p.actions.length === 1 ? html` open` : ''}>
<summary>${t(`order.action.${action}` as MessageKey)}</summary>
<form method="post" action="/portal/orders/${o.orderNo}/act" data-once>${csrfField(ctx)}
<input type="hidden" name="answer" value="${action}">
${answerFields(ctx, action)}
<p><button type="submit">${t(`order.action.${action}` as MessageKey)}</button></p>
</form></details>`)
  const place = p.mayPlace && o.division === null
    ? html`<details class="card order-action" data-action="place" open><summary>${t('order.action.place')}</summary>
<form method="post" action="/portal/orders/${o.orderNo}/place">${csrfField(ctx)}
<label for="place-division">${t('order.placeIn')}</label><select id="place-division" name="division" required>${p.villages.map((v) => html`<option value="${v.code}">${v.name}</option>`)}</select>
<p><button type="submit">${t('order.action.place')}</button></p></form></details>`
    : ''
  return html`<h1>${t('order.title', o.orderNo)}</h1>
${p.notice ? html`<p class="notice" role="status">${p.notice}</p>` : ''}
${p.problem ? html`<p class="error" role="alert" id="order-problem">${p.problem}</p>` : ''}
<div class="cols">
<section>
<table class="facts order-facts"><tbody>
<tr><th scope="row">${t('order.stateCol')}</th><td><strong class="order-state" data-state="${o.state}">${orderStateName(ctx, o.state)}</strong>${o.urgeCount > 0 ? html` <span class="badge">${t('order.urged', o.urgeCount)}</span>` : ''}</td></tr>
<tr><th scope="row">${t('order.titleCol')}</th><td>${o.title ?? ''}</td></tr>
<tr><th scope="row">${t('order.kindCol')}</th><td>${o.kind ? t(`order.kind.${o.kind}` as MessageKey) : ''}</td></tr>
<tr><th scope="row">${t('order.category')}</th><td class="code">${o.category ?? ''}</td></tr>
<tr><th scope="row">${t('order.content')}</th><td class="pre">${o.content ?? ''}</td></tr>
<tr><th scope="row">${t('order.address')}</th><td>${o.address ?? ''}</td></tr>
<tr><th scope="row">${t('order.village')}</th><td>${o.division ? names.get(o.division) ?? o.division : html`<span class="muted">${t('order.unplaced')}</span>`}</td></tr>
<tr><th scope="row">${t('order.citizen')}</th><td class="order-citizen">${citizen}</td></tr>
<tr><th scope="row">${t('order.dispatchTime')}</th><td>${beijingTime(o.dispatchTime)}</td></tr>
${o.revisit ? html`<tr><th scope="row">${t('whistle.revisit')}</th><td>${revisitText(ctx, o.revisit)}</td></tr>` : ''}
</tbody></table>
<h2>${t('order.clocks')}</h2>
<table class="order-clocks"><tbody>${clockRow(ctx, 'sign', p.view.deadlines.sign)}${clockRow(ctx, 'reply', p.view.deadlines.reply)}</tbody></table>
<h2>${t('order.events')}</h2>
<table class="order-events"><thead><tr><th scope="col">${t('order.eventAt')}</th><th scope="col">${t('order.eventBy')}</th><th scope="col">${t('order.eventType')}</th><th scope="col">${t('order.eventNote')}</th></tr></thead>
<tbody>${p.view.events.map((e) => html`<tr data-event="${e.type}"><td class="nowrap">${beijingTime(e.at)}</td><td>${e.actor.name}</td><td>${t(`order.event.${e.type}` as MessageKey)}</td><td>${eventNote(ctx, e, names)}</td></tr>`)}</tbody></table>
${p.view.whistles.length ? html`<h2>${t('order.whistles')}</h2><ul class="order-whistles">${p.view.whistles.map((w) => html`<li><a href="/portal/whistles/${w.id}" class="code">${w.id}</a> ${w.title} · ${t(`whistle.state.${w.state}` as MessageKey)}</li>`)}</ul>` : ''}
</section>
<aside class="order-actions" aria-labelledby="actions-h">
<h2 id="actions-h">${t('order.actions')}</h2>
${forms.length === 0 && !place && !p.mayBlow ? html`<p class="muted">${t('order.noActions')}</p>` : html`${forms}${place}`}
${p.mayBlow ? html`<p><a class="button" id="blow-link" href="/portal/whistles/new?order=${o.orderNo}">${t('order.action.blow')}</a></p>` : ''}
</aside>
</div>`
}
