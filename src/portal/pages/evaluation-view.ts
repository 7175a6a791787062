// The evaluation page's HTML: the month range form and the CSV link, the formulas table, per
// figure a bar chart of the departments over the period with its formula beside it, the period's
// and the monthly tables, and the hotline's 三率 as one column chart per rate across the months.
import { html, type Html } from '../../html.ts'
import type { Evaluation, HotlineFigures } from '../../evaluation/evaluate.ts'
import { COUNTING_NOTE, DEPARTMENT_FIGURES, HOTLINE_FIGURES, HOTLINE_NOTE, display, formulaOf, type Figure, type FigureDef } from '../../evaluation/formulas.ts'
import { barChart, columnChart } from '../charts.ts'
import type { PageContext } from '../layout.ts'

export interface EvaluationView {
  /** The town shown, or the county. */
  scopeName: string
  /** Towns a county admin may pick (empty for a town's leader). */
  towns: ReadonlyArray<{ code: string, name: string }>
  town: string | undefined
  from: string
  to: string
  months: readonly string[]
  evaluation: Evaluation
  /** The scope's towns together, per month with orders. */
  hotline: readonly HotlineFigures[]
}

const query = (v: EvaluationView): string => `from=${v.from}&to=${v.to}${v.town ? `&town=${v.town}` : ''}`

function periodForm (ctx: PageContext, v: EvaluationView): Html {
  const { t } = ctx
  return html`<form method="get" action="/portal/evaluation" class="filters">
<label for="evaluation-from">${t('evaluation.from')}</label> <input id="evaluation-from" name="from" type="month" value="${v.from}" required>
<label for="evaluation-to">${t('evaluation.to')}</label> <input id="evaluation-to" name="to" type="month" value="${v.to}" required>
${v.towns.length > 0
  ? html`<label for="evaluation-town">${t('evaluation.town')}</label> <select id="evaluation-town" name="town"><option value="">${t('evaluation.allTowns')}</option>${v.towns.map((x) => html`<option value="${x.code}"${x.code === v.town ? html` selected` : ''}>${x.name}</option>`)}</select>`
  : ''}
<button type="submit">${t('evaluation.apply')}</button>
</form>
<p><a id="evaluation-csv" href="${`/api/v1/evaluation.csv?${query(v)}&lang=${ctx.lang}`}" download>${t('evaluation.csv')}</a></p>`
}

function formulas (ctx: PageContext): Html {
  const { t, lang } = ctx
  const defs = [...DEPARTMENT_FIGURES, ...HOTLINE_FIGURES] as ReadonlyArray<FigureDef<never>>
  return html`<section aria-labelledby="formulas-h"><h2 id="formulas-h">${t('evaluation.formulas')}</h2>
<table id="formulas" aria-labelledby="formulas-h"><thead><tr><th scope="col">${t('evaluation.figure')}</th><th scope="col">${t('evaluation.formula')}</th></tr></thead>
<tbody>${defs.map((d) => html`<tr><th scope="row">${d.name[lang]}</th><td class="formula">${formulaOf(d, lang)}</td></tr>`)}</tbody></table>
<p class="muted">${COUNTING_NOTE[lang]} ${HOTLINE_NOTE[lang]}</p>
</section>`
}

const valueText = (ctx: PageContext, def: FigureDef<never>, f: Figure): string =>
  f.value === null ? display(def, null) : ctx.t('evaluation.value', display(def, f.value), f.numerator, f.denominator)

function departmentCharts (ctx: PageContext, v: EvaluationView): Html {
  const { t, lang } = ctx
  const totals = v.evaluation.totals
  if (totals.length === 0) return html`<p class="muted" id="evaluation-none">${t('evaluation.none')}</p>`
  return html`${DEPARTMENT_FIGURES.map((def, i) => {
    const d = def as FigureDef<never>
    const formula = formulaOf(d, lang)
    const bars = totals.map((r) => ({ label: r.departmentName, value: r.figures[i]!.value ?? 0, text: valueText(ctx, d, r.figures[i]!) }))
    const max = def.kind === 'rate' ? 1 : def.key === 'satisfaction' ? 5 : undefined
    return html`<section aria-labelledby="chart-${def.key}-h"><h2 id="chart-${def.key}-h">${def.name[lang]}</h2>
<p class="formula" id="formula-${def.key}">${formula}</p>
${barChart({ id: `chart-${def.key}`, title: def.name[lang], desc: t('evaluation.chartDesc', def.name[lang], formula) }, bars, max === undefined ? { barWidth: 220 } : { max, barWidth: 220 })}
</section>`
  })}`
}

function table (ctx: PageContext, id: string, heading: string, rows: Evaluation['rows'], withMonth: boolean): Html {
  const { t, lang } = ctx
  if (rows.length === 0) return html``
  return html`<section aria-labelledby="${id}-h"><h2 id="${id}-h">${heading}</h2>
<table id="${id}" aria-labelledby="${id}-h">
<thead><tr>${withMonth ? html`<th scope="col">${t('evaluation.month')}</th>` : ''}<th scope="col">${t('evaluation.department')}</th>${DEPARTMENT_FIGURES.map((d) => html`<th scope="col" title="${formulaOf(d as FigureDef<never>, lang)}">${d.name[lang]}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${withMonth ? html`<td>${r.month ?? ''}</td>` : ''}<th scope="row">${r.departmentName}</th>${r.figures.map((f, i) => html`<td>${valueText(ctx, DEPARTMENT_FIGURES[i] as FigureDef<never>, f)}</td>`)}</tr>`)}</tbody>
</table></section>`
}

function hotlineTrend (ctx: PageContext, v: EvaluationView): Html {
  const { t, lang } = ctx
  const byMonth = new Map(v.hotline.map((r) => [r.month, r]))
  const body = v.hotline.length === 0
    ? html`<p class="muted" id="hotline-none">${t('evaluation.hotlineNone')}</p>`
    : html`${HOTLINE_FIGURES.map((def, i) => {
      const d = def as FigureDef<never>
      const formula = formulaOf(d, lang)
      const columns = v.months.map((m) => {
        const f = byMonth.get(m)?.figures[i]
        return { label: m, value: f?.value ?? 0, text: f === undefined ? '—' : display(d, f.value) }
      })
      return html`<h3 id="hotline-${def.key}-h">${def.name[lang]}</h3><p class="formula" id="formula-${def.key}">${formula}</p>
${columnChart({ id: `chart-${def.key}`, title: def.name[lang], desc: t('evaluation.hotlineDesc', def.name[lang], formula) }, columns, { columnWidth: 64 })}`
    })}`
  return html`<section aria-labelledby="hotline-h"><h2 id="hotline-h">${t('evaluation.hotline')}</h2>${body}</section>`
}

export function evaluationBody (ctx: PageContext, v: EvaluationView): Html {
  const { t } = ctx
  return html`<h1>${t('evaluation.heading', v.scopeName)}</h1>
${periodForm(ctx, v)}
<p id="evaluation-period">${t('evaluation.period', v.from, v.to)}</p>
${formulas(ctx)}
${departmentCharts(ctx, v)}
${table(ctx, 'evaluation-period-table', t('evaluation.periodFigures'), v.evaluation.totals, false)}
${table(ctx, 'evaluation-monthly', t('evaluation.monthly'), v.evaluation.rows, true)}
${hotlineTrend(ctx, v)}`
}
