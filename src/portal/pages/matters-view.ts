// The bodies of the matter list and of a matter's guide (办事指南). The guide prints on one A4
// page (the print rules in static/portal.css hide the shell): residents take it home.
import type { Matter, MatterMaterial, TimeLimit } from '../../model/matter.ts'
import type { OfferedMatter } from '../../store/matters.ts'
import { html, type Html } from '../../html.ts'
import type { MessageKey } from '../i18n.ts'
import type { PageContext } from '../layout.ts'

export function limitText (ctx: PageContext, limit: TimeLimit): string {
  return ctx.t('matter.limit', limit.amount, ctx.t(`matter.unit.${limit.unit}` as MessageKey))
}

export const typeName = (ctx: PageContext, m: Matter): string => ctx.t(`matter.type.${m.type}` as MessageKey)
export const projectTypeName = (ctx: PageContext, m: Matter): string => ctx.t(`matter.projectType.${m.projectType}` as MessageKey)

/** 本地赋权 beside the provincial catalogue's matters. */
export function originBadge (ctx: PageContext, origin: OfferedMatter['origin']): Html {
  return origin === 'local'
    ? html`<span class="badge m-local">${ctx.t('matter.local')}</span>`
    : html`<span class="badge m-provincial">${ctx.t('matter.provincial')}</span>`
}

export interface MatterListView {
  townName: string
  on: string
  q: string
  items: OfferedMatter[]
  canStart: boolean
  /** The applicant a record page sent (`person:<ref>`, `enterprise:<code>`), carried to the 接件 links. */
  applicant?: { param: string, name: string } | undefined
}

export function matterListBody (ctx: PageContext, v: MatterListView): Html {
  const { t } = ctx
  const startQuery = v.applicant ? `?${new URLSearchParams({ applicant: v.applicant.param }).toString()}` : ''
  const rows = v.items.map(({ matter: m, origin }) => html`<tr data-matter="${m.taskHandleItem}">
  <td><a href="/portal/matters/${m.taskHandleItem}">${m.name}</a> ${originBadge(ctx, origin)}<br><span class="muted code">${m.taskHandleItem}</span></td>
  <td>${typeName(ctx, m)}</td>
  <td>${m.department.name}</td>
  <td>${limitText(ctx, m.legalLimit)} / ${limitText(ctx, m.promisedLimit)}</td>
  <td><span class="badge m-${m.projectType}">${projectTypeName(ctx, m)}</span></td>
  <td class="m-links"><a href="/portal/matters/${m.taskHandleItem}">${t('matter.guide')}</a>${v.canStart ? html` · <a href="/portal/matters/${m.taskHandleItem}/new${startQuery}">${t('matter.start')}</a>` : ''}</td>
</tr>`)
  return html`<h1>${t('matter.listHeading', v.townName, v.on)}</h1>
${v.applicant ? html`<p class="notice" role="status">${t('matter.applicantFor', v.applicant.name)}</p>` : ''}
<form class="filters card" method="get" action="/portal/matters" role="search">${v.applicant ? html`<input type="hidden" name="applicant" value="${v.applicant.param}">` : ''}
  <p><label for="mq">${t('matter.search')}</label><input id="mq" name="q" type="search" maxlength="60" value="${v.q}"></p>
  <p><label for="mon">${t('matter.on')}</label><input id="mon" name="on" type="date" value="${v.on}"></p>
  <p><button type="submit">${t('matter.filter')}</button></p>
</form>
${v.items.length === 0
    ? html`<p class="muted">${t('matter.none')}</p>`
    : html`<p class="muted">${t('matter.count', v.items.length)}</p>
<table class="matters"><thead><tr><th scope="col">${t('matter.name')}</th><th scope="col">${t('matter.typeCol')}</th><th scope="col">${t('matter.department')}</th><th scope="col">${t('matter.limits')}</th><th scope="col">${t('matter.projectTypeCol')}</th><th scope="col"></th></tr></thead>
<tbody>${rows}</tbody></table>`}`
}

function materialRow (ctx: PageContext, m: MatterMaterial): Html {
  const { t } = ctx
  const shared = m.source === 'sharing'
  return html`<tr${shared ? html` class="m-shared"` : ''}>
  <td>${m.name}${shared ? html` <span class="badge m-shared-badge">${t('matter.shared')}</span>` : ''}</td>
  <td>${t(`matter.need.${m.need}` as MessageKey)}</td>
  <td>${t(`matter.form.${m.form}` as MessageKey)}</td>
  <td>${m.pages ?? ''}</td>
  <td>${shared ? t('matter.sharedBy', m.explain ?? m.name) : m.explain ?? ''}</td>
</tr>`
}

export interface GuideView {
  matter: Matter
  origin: OfferedMatter['origin'] | null
  /** Why the guide is shown for reference only (withdrawn, or not offered), if it is. */
  notice?: string | undefined
  canStart: boolean
  printedAt: string
}

export function guideBody (ctx: PageContext, v: GuideView): Html {
  const { t } = ctx
  const m = v.matter
  const effective = m.effectiveUntil ? t('matter.effectiveRange', m.effectiveFrom, m.effectiveUntil) : t('matter.effectiveOpen', m.effectiveFrom)
  const fact = (label: MessageKey, value: Html | string): Html => html`<tr><th scope="row">${t(label)}</th><td>${value}</td></tr>`
  return html`<article class="guide">
<div class="guide-head">
  <h1>${t('matter.guideTitle', m.name)}</h1>
  <p class="guide-actions no-print"><button type="button" class="secondary" data-print>${t('matter.print')}</button>${v.canStart && !v.notice ? html` <a class="button" href="/portal/matters/${m.taskHandleItem}/new">${t('matter.start')}</a>` : ''}</p>
</div>
${v.notice ? html`<p class="error m-withdrawn" role="alert">${v.notice}</p>` : ''}
<p class="guide-badges">${v.origin ? originBadge(ctx, v.origin) : ''} <span class="badge m-${m.projectType}">${projectTypeName(ctx, m)}</span> ${typeName(ctx, m)}${m.entrusted ? html` · ${t('matter.entrusted')}` : ''}</p>
<table class="facts guide-facts"><tbody>
${fact('matter.department', m.department.name)}
${fact('matter.code', m.taskHandleItem)}
${fact('matter.version', html`${m.version} · ${t('matter.effective')} ${effective}`)}
${fact('matter.legalLimit', limitText(ctx, m.legalLimit))}
${fact('matter.promisedLimit', limitText(ctx, m.promisedLimit))}
${fact('matter.visits', t('matter.visitsN', m.visits))}
${fact('matter.place', m.place)}
${fact('matter.hours', m.hours)}
${fact('matter.contact', m.contact)}
${fact('matter.supervision', m.supervision)}
</tbody></table>
<h2>${t('matter.conditions')}</h2>
<p class="guide-text">${m.acceptConditions}</p>
<h2>${t('matter.materials')}</h2>
<table class="guide-materials"><thead><tr><th scope="col">${t('matter.materialName')}</th><th scope="col">${t('matter.materialNeed')}</th><th scope="col">${t('matter.materialForm')}</th><th scope="col">${t('matter.materialPages')}</th><th scope="col">${t('matter.materialNote')}</th></tr></thead>
<tbody>${m.materials.map((x) => materialRow(ctx, x))}</tbody></table>
<h2>${t('matter.fees')}</h2>
${m.fees.length === 0 ? html`<p>${t('matter.noFees')}</p>` : html`<ul>${m.fees.map((f) => html`<li>${f.name}：${f.standard}${f.legalBasis ? html` <span class="muted">（${f.legalBasis}）</span>` : ''}</li>`)}</ul>`}
<h2>${t('matter.legalBasis')}</h2>
<p class="guide-text">${m.legalBasis}</p>
<p class="muted guide-printed">${t('matter.printedAt', v.printedAt)}</p>
</article>`
}
