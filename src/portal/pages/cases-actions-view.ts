// The small forms of a case's actions, one per action its state allows: each posts its fields
// with the session's CSRF token and a request id (a double click applies the action once).
import type { Case } from '../../model/case.ts'
import { html, type Html } from '../../html.ts'
import type { MessageKey } from '../i18n.ts'
import { csrfField, type PageContext } from '../layout.ts'

/** Blank rows the supplement notice offers beside the materials the checklist marked missing. */
const EXTRA_SUPPLEMENT_ROWS = 2

function text (ctx: PageContext, action: string, name: string, label: MessageKey, opts: { required?: boolean, long?: boolean, max?: number } = {}): Html {
  const id = `${action}-${name}`
  const req = opts.required ? html` required` : ''
  return html`<label for="${id}">${ctx.t(label)}</label>${opts.long
    ? html`<textarea id="${id}" name="${name}" maxlength="${opts.max ?? 1000}"${req}></textarea>`
    : html`<input type="text" id="${id}" name="${name}" maxlength="${opts.max ?? 500}"${req}>`}`
}

function choice (ctx: PageContext, action: string, name: string, label: MessageKey, options: readonly string[], prefix: string): Html {
  const id = `${action}-${name}`
  return html`<label for="${id}">${ctx.t(label)}</label><select id="${id}" name="${name}" required>${options.map((o) => html`<option value="${o}">${ctx.t(`${prefix}.${o}` as MessageKey)}</option>`)}</select>`
}

const DELIVERY = ['window', 'post', 'electronic'] as const

function fields (ctx: PageContext, c: Case, action: string): Html | string {
  switch (action) {
    case 'accept': return text(ctx, action, 'docNo', 'case.docNo', { max: 64 })
    case 'not-accept': return html`${text(ctx, action, 'reason', 'case.reason', { required: true, long: true, max: 500 })}${text(ctx, action, 'docNo', 'case.docNo', { required: true, max: 64 })}`
    case 'request-supplement': {
      const missing = c.materials.filter((m) => m.provided === 'missing').map((m) => m.name)
      const rows = [...missing, ...Array.from({ length: EXTRA_SUPPLEMENT_ROWS }, () => '')]
      return html`<table class="supplement-items"><thead><tr><th scope="col">${ctx.t('case.supplementItem')}</th><th scope="col">${ctx.t('case.supplementReason')}</th></tr></thead><tbody>${rows.map((name, i) => html`<tr>
  <td><input type="text" name="items.${i}.name" maxlength="200" value="${name}" aria-label="${ctx.t('case.supplementItem')} ${i + 1}"></td>
  <td><input type="text" name="items.${i}.reason" maxlength="500" aria-label="${ctx.t('case.supplementReason')} ${i + 1}"></td></tr>`)}</tbody></table>`
    }
    case 'supplement-done': return text(ctx, action, 'reason', 'case.explain', { long: true, max: 500 })
    case 'step': return html`${text(ctx, action, 'stepName', 'case.stepName', { required: true, max: 100 })}${choice(ctx, action, 'stage', 'case.stage', ['review', 'audit', 'decide'], 'case.stage')}${text(ctx, action, 'explain', 'case.explain', { required: true, long: true })}`
    case 'start-special': return html`${text(ctx, action, 'specialType', 'case.specialType', { required: true, max: 50 })}${text(ctx, action, 'reason', 'case.reason', { required: true, long: true, max: 500 })}${text(ctx, action, 'legalBasis', 'case.legalBasis', { required: true, max: 500 })}`
    case 'end-special': return text(ctx, action, 'explain', 'case.explain', { required: true, long: true })
    case 'extend': return html`${text(ctx, action, 'reason', 'case.reason', { required: true, long: true, max: 500 })}<label for="extend-days">${ctx.t('case.extensionDays')}</label><input type="number" id="extend-days" name="days" min="1" max="60" required>`
    case 'resubmit': return text(ctx, action, 'explain', 'case.explain', { required: true, long: true })
    case 'conclude': return html`${choice(ctx, action, 'result', 'case.result', ['approved', 'refused', 'withdrawn', 'terminated'], 'case.result')}${text(ctx, action, 'explain', 'case.explain', { required: true, long: true })}${text(ctx, action, 'certName', 'case.certName', { max: 100 })}${text(ctx, action, 'certNo', 'case.certNo', { max: 100 })}${choice(ctx, action, 'delivery', 'case.delivery', DELIVERY, 'case.delivery')}`
    case 'deliver': return html`${choice(ctx, action, 'delivery', 'case.delivery', DELIVERY, 'case.delivery')}${text(ctx, action, 'explain', 'case.explain', { long: true })}`
    default: return ''
  }
}

export function actionForms (ctx: PageContext, c: Case, actions: readonly string[], requestId: string, open?: string): Html {
  return html`${actions.map((action) => html`<details class="card case-action" data-action="${action}"${action === open || actions.length === 1 ? html` open` : ''}>
<summary>${ctx.t(`case.action.${action}` as MessageKey)}</summary>
<form method="post" action="/portal/cases/${c.projectNo}/act" data-once>${csrfField(ctx)}
<input type="hidden" name="action" value="${action}">
<input type="hidden" name="requestId" value="${requestId}-${action}">
<input type="hidden" name="version" value="${c.version}">
${fields(ctx, c, action)}
<p><button type="submit">${ctx.t(`case.action.${action}` as MessageKey)}</button></p>
</form></details>`)}`
}
