// The 接件 form: the matter's form fields by type, each pre-filled value with where it came from,
// a reason and "also correct the record" for a changed one, the materials checklist, and the
// field errors (in the page's language) with the values as typed.
import type { FormField, Matter, MatterMaterial } from '../../model/matter.ts'
import { html, type Html } from '../../html.ts'
import type { MessageKey } from '../i18n.ts'
import { csrfField, type PageContext } from '../layout.ts'
import { beijingTime } from '../format.ts'

/** A value taken from the unified record, and whence. */
export interface Prefilled { value: string, source: string, observedAt: string }

export type Provided = 'paper' | 'electronic' | 'shared' | 'missing'

export interface NewCaseView {
  matter: Matter
  /** `person:<ref>` or `enterprise:<credit code>`: the applicant as the page's address names them. */
  applicant?: { param: string, name: string, masked: string } | undefined
  prefilled: ReadonlyMap<string, Prefilled>
  /** Fields a facet answers that the staff member's roles may not read. */
  withheld: ReadonlySet<string>
  /** Per material: the record that stands in for a 免提交 one, and whence. */
  replacements: ReadonlyArray<{ title: string, source: string, observedAt: string } | null>
  /** What the form shows: the prefill, or what the worker sent when it comes back with errors. */
  values: Readonly<Record<string, string>>
  why: Readonly<Record<string, string>>
  offer: ReadonlySet<string>
  provided: readonly Provided[]
  /** Field name → message, already in the page's language. */
  errors: ReadonlyMap<string, string>
  requestId: string
}

/** What a material is taken as before the worker says: 免提交 ones are shared, others missing. */
export const defaultProvided = (m: MatterMaterial): Provided => m.source === 'sharing' ? 'shared' : 'missing'

function input (f: FormField, id: string, value: string, invalid: boolean, described: string): Html {
  const common = html`id="${id}" name="f.${f.name}" ${f.required ? html`required` : ''} aria-describedby="${described}"${invalid ? html` aria-invalid="true"` : ''}`
  switch (f.type) {
    case 'select':
      return html`<select ${common}><option value="">—</option>${(f.options ?? []).map((o) => html`<option${o === value ? html` selected` : ''}>${o}</option>`)}</select>`
    case 'date': return html`<input type="text" inputmode="numeric" placeholder="YYYY-MM-DD" maxlength="10" ${common} value="${value}">`
    case 'number': return html`<input type="text" inputmode="decimal" maxlength="30" ${common} value="${value}">`
    case 'phone': return html`<input type="tel" maxlength="20" ${common} value="${value}">`
    case 'idNumber': case 'creditCode': return html`<input type="text" maxlength="18" autocomplete="off" class="code" ${common} value="${value}">`
    case 'division': return html`<input type="text" inputmode="numeric" maxlength="12" ${common} value="${value}">`
    case 'text': return html`<input type="text" maxlength="500" ${common} value="${value}">`
  }
}

function field (ctx: PageContext, v: NewCaseView, f: FormField): Html {
  const { t } = ctx
  const id = `f-${f.name}`
  const pre = v.prefilled.get(f.name)
  const value = v.values[f.name] ?? ''
  const error = v.errors.get(f.name)
  const whyError = v.errors.get(`why.${f.name}`)
  const changed = pre !== undefined && value !== pre.value
  const source = pre
    ? html`<span class="m-source" id="${id}-src" data-prefilled="${pre.value}">${t('matter.prefillFrom', pre.source, beijingTime(pre.observedAt).slice(0, 10))}</span>`
    : html`<span class="m-source muted" id="${id}-src">${v.withheld.has(f.name) ? t('matter.withheld') : t('matter.prefillWindow')}</span>`
  const correction = pre
    ? html`<div class="m-correct" data-for="${id}"${changed || whyError ? '' : html` hidden`}>
    <label for="${id}-why">${t('matter.correctionWhy')}</label>
    <input type="text" id="${id}-why" name="why.${f.name}" maxlength="500" value="${v.why[f.name] ?? ''}"${whyError ? html` aria-invalid="true" aria-describedby="${id}-why-err"` : ''}>
    ${whyError ? html`<p class="field-error" id="${id}-why-err">${whyError}</p>` : ''}
    <label class="inline-check"><input type="checkbox" name="offer.${f.name}" value="1"${v.offer.has(f.name) ? html` checked` : ''}> ${t('matter.offerToRecord')}</label>
  </div>`
    : ''
  return html`<div class="m-field${error ? ' invalid' : ''}" data-field="${f.name}">
  <label for="${id}">${f.label}${f.required ? html` <span class="req" aria-hidden="true">*</span>` : ''}</label>
  ${input(f, id, value, error !== undefined, error ? `${id}-err ${id}-src` : `${id}-src`)}
  ${source}
  ${error ? html`<p class="field-error" id="${id}-err">${error}</p>` : ''}
  ${correction}
</div>`
}

function replacedBy (ctx: PageContext, r: NewCaseView['replacements'][number] | undefined): Html | string {
  if (!r) return ''
  return html`<span class="m-source">${ctx.t('matter.replacedBy', r.title, r.source, beijingTime(r.observedAt).slice(0, 10))}</span>`
}

const PROVIDED: readonly Provided[] = ['paper', 'electronic', 'shared', 'missing']

function checklist (ctx: PageContext, v: NewCaseView): Html {
  const { t } = ctx
  return html`<fieldset class="m-checklist"><legend>${t('matter.checklist')}</legend>
<table><thead><tr><th scope="col">${t('matter.materialName')}</th><th scope="col">${t('matter.materialNeed')}</th>${PROVIDED.map((p) => html`<th scope="col">${t(`matter.provided.${p}` as MessageKey)}</th>`)}</tr></thead>
<tbody>${v.matter.materials.map((m, i) => html`<tr data-material="${m.name}">
  <th scope="row">${m.name}${m.source === 'sharing' ? html` <span class="badge m-shared-badge">${t('matter.shared')}</span>` : ''}${replacedBy(ctx, v.replacements[i])}</th>
  <td>${t(`matter.need.${m.need}` as MessageKey)} · ${t(`matter.form.${m.form}` as MessageKey)}</td>
  ${PROVIDED.map((p) => html`<td><input type="radio" name="m.${i}" value="${p}" aria-label="${m.name} ${t(`matter.provided.${p}` as MessageKey)}"${(v.provided[i] ?? defaultProvided(m)) === p ? html` checked` : ''}></td>`)}
</tr>`)}</tbody></table></fieldset>`
}

export function newCaseBody (ctx: PageContext, v: NewCaseView): Html {
  const { t } = ctx
  const m = v.matter
  const action = `/portal/matters/${m.taskHandleItem}/new`
  if (!v.applicant) {
    return html`<h1>${t('matter.newTitle', m.name)}</h1>
<p>${t('matter.applicantNone')}</p>
<form class="card" method="post" action="${action}/applicant">${csrfField(ctx)}
  <label for="applicant-key">${t('matter.applicantKey')}</label>
  <input id="applicant-key" name="key" type="text" maxlength="18" required autocomplete="off">
  <p><button type="submit">${t('matter.applicantChoose')}</button></p>
</form>`
  }
  const errorCount = [...v.errors.keys()].length
  return html`<h1>${t('matter.newTitle', m.name)}</h1>
<p><a href="/portal/matters/${m.taskHandleItem}">${t('matter.guide')}</a></p>
${errorCount > 0 ? html`<p class="error" role="alert" id="form-errors">${t('matter.formErrors', errorCount)}</p>` : ''}
<form class="m-new" method="post" action="${action}?${new URLSearchParams({ applicant: v.applicant.param }).toString()}" data-once>
${csrfField(ctx)}
<input type="hidden" name="requestId" value="${v.requestId}">
<p class="card m-applicant"><strong>${t('matter.applicant')}</strong>：${v.applicant.name} <span class="muted code">${v.applicant.masked}</span></p>
${m.forms.map((form) => html`<fieldset class="m-form"><legend>${form.name}</legend>${form.fields.map((f) => field(ctx, v, f))}</fieldset>`)}
${checklist(ctx, v)}
<p><button type="submit">${t('matter.submit')}</button></p>
</form>`
}
