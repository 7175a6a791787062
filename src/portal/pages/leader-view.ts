// The leader's view's HTML: the period form, three charts (cases per day, on-time rate per
// matter with its formula written beside it, ratings per level), the figures per matter and per
// worker as tables, the open rectifications and the appeals awaiting the county.
import { html, type Html } from '../../html.ts'
import type { GroupFigures } from '../../store/case-figures.ts'
import type { AppealRow, RectificationRow } from '../../store/ratings.ts'
import { barChart, columnChart } from '../charts.ts'
import { beijingTime } from '../format.ts'
import type { PageContext } from '../layout.ts'
import { levelKey } from './rate-view.ts'

export interface LeaderView {
  /** The town shown; undefined for all the towns of a county admin's scope. */
  townName: string | undefined
  /** Towns a county admin may pick (empty for a town's leader). */
  towns: ReadonlyArray<{ code: string, name: string }>
  town: string | undefined
  from: string
  to: string
  today: string
  perDay: ReadonlyArray<{ day: string, count: number }>
  byMatter: readonly GroupFigures[]
  byWorker: readonly GroupFigures[]
  /** Counting ratings per level, index 0 = level 1. */
  distribution: readonly number[]
  rectifications: readonly RectificationRow[]
  appeals: readonly AppealRow[]
}

/** `a/b` as a percentage with one decimal, or undefined without a denominator. */
export function percent (a: number, b: number): string | undefined {
  return b === 0 ? undefined : `${(Math.round((a / b) * 1000) / 10).toFixed(1)}%`
}

const average = (f: { ratings: number, levelSum: number }): string | undefined => (f.ratings === 0 ? undefined : (f.levelSum / f.ratings).toFixed(2))

function periodForm (ctx: PageContext, v: LeaderView): Html {
  const { t } = ctx
  return html`<form method="get" action="/portal/leader" class="filters">
<label for="leader-from">${t('leader.from')}</label> <input id="leader-from" name="from" type="date" value="${v.from}" required>
<label for="leader-to">${t('leader.to')}</label> <input id="leader-to" name="to" type="date" value="${v.to}" required>
${v.towns.length > 0
  ? html`<label for="leader-town">${t('leader.town')}</label> <select id="leader-town" name="town"><option value="">${t('leader.allTowns')}</option>${v.towns.map((x) => html`<option value="${x.code}"${x.code === v.town ? html` selected` : ''}>${x.name}</option>`)}</select>`
  : ''}
<button type="submit">${t('leader.apply')}</button>
</form>`
}

function charts (ctx: PageContext, v: LeaderView): Html {
  const { t } = ctx
  const received = v.perDay.reduce((n, d) => n + d.count, 0)
  const perDay = columnChart(
    { id: 'chart-cases-per-day', title: t('chart.casesPerDay'), desc: t('chart.casesPerDayDesc', received) },
    v.perDay.map((d) => ({ label: d.day.slice(5), value: d.count })),
  )
  const rated = v.byMatter.filter((m) => m.withDue > 0)
  const onTime = rated.length === 0
    ? html`<p class="muted">${t('chart.none')}</p>`
    : barChart(
      { id: 'chart-on-time', title: t('chart.onTime'), desc: t('chart.onTimeDesc') },
      rated.map((m) => ({ label: m.name, value: m.onTime / m.withDue, text: t('chart.onTimeValue', percent(m.onTime, m.withDue)!, m.onTime, m.withDue) })),
      { max: 1 },
    )
  const total = v.distribution.reduce((n, c) => n + c, 0)
  const ratings = barChart(
    { id: 'chart-ratings', title: t('chart.ratings'), desc: t('chart.ratingsDesc', total) },
    v.distribution.map((count, i) => ({ label: `${i + 1} ${t(levelKey(i + 1))}`, value: count })),
    { labelWidth: 140 },
  )
  return html`<section aria-labelledby="cases-per-day-h"><h2 id="cases-per-day-h">${t('chart.casesPerDay')}</h2>${perDay}</section>
<section aria-labelledby="on-time-h"><h2 id="on-time-h">${t('chart.onTime')}</h2><p class="formula" id="on-time-formula">${t('chart.onTimeFormula')}</p>${onTime}</section>
<section aria-labelledby="ratings-h"><h2 id="ratings-h">${t('chart.ratings')}</h2>${ratings}</section>`
}

function figuresTable (ctx: PageContext, id: string, heading: string, first: string, rows: readonly GroupFigures[]): Html {
  const { t } = ctx
  const none = t('leader.noRate')
  return html`<section aria-labelledby="${id}-h"><h2 id="${id}-h">${heading}</h2>
${rows.length === 0
  ? html`<p class="muted">${t('chart.none')}</p>`
  : html`<table id="${id}" aria-labelledby="${id}-h">
<thead><tr><th scope="col">${first}</th><th scope="col">${t('leader.received')}</th><th scope="col">${t('leader.concluded')}</th><th scope="col">${t('leader.onTime')}</th><th scope="col">${t('leader.onTimeRate')}</th><th scope="col">${t('leader.ratings')}</th><th scope="col">${t('leader.average')}</th><th scope="col">${t('leader.bad')}</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><th scope="row">${r.name}</th><td>${r.received}</td><td>${r.concluded}</td><td>${r.onTime}</td><td>${percent(r.onTime, r.withDue) ?? none}</td><td>${r.ratings}</td><td>${average(r) ?? none}</td><td>${r.bad}</td></tr>`)}</tbody>
</table>`}
</section>`
}

const overdue = (x: RectificationRow, today: string): boolean => x.due !== null && x.due < today

function dueCell (ctx: PageContext, x: RectificationRow, today: string): Html {
  if (x.due === null) return html`<span role="alert">${ctx.t('leader.dueUncomputable', x.dueProblem ?? '')}</span>`
  return overdue(x, today) ? html`${x.due} ${ctx.t('leader.overdue')}` : html`${x.due}`
}

function rectificationList (ctx: PageContext, v: LeaderView): Html {
  const { t } = ctx
  return html`<section aria-labelledby="rectifications-h"><h2 id="rectifications-h">${t('leader.rectifications')}</h2>
${v.rectifications.length === 0
  ? html`<p class="muted">${t('leader.rectificationsNone')}</p>`
  : html`<table id="rectifications" aria-labelledby="rectifications-h">
<thead><tr><th scope="col">${t('leader.projectNo')}</th><th scope="col">${t('leader.matter')}</th><th scope="col">${t('leader.stage')}</th><th scope="col">${t('leader.level')}</th><th scope="col">${t('leader.staff')}</th><th scope="col">${t('leader.due')}</th><th scope="col">${t('leader.followUps')}</th></tr></thead>
<tbody>${v.rectifications.map((x) => html`<tr${overdue(x, v.today) ? html` class="overdue"` : ''}><td>${x.projectNo}</td><td>${x.matterName}</td><td>${t(`rate.stage.${x.stage}`)}</td><td>${x.level} ${t(levelKey(x.level))}</td><td>${x.staff.name}</td><td>${dueCell(ctx, x, v.today)}</td><td>${x.followUps}</td></tr>`)}</tbody>
</table>`}
</section>`
}

function appealList (ctx: PageContext, v: LeaderView): Html {
  const { t } = ctx
  return html`<section aria-labelledby="appeals-h"><h2 id="appeals-h">${t('leader.appeals')}</h2>
${v.appeals.length === 0
  ? html`<p class="muted">${t('leader.appealsNone')}</p>`
  : html`<table id="appeals" aria-labelledby="appeals-h">
<thead><tr><th scope="col">${t('leader.projectNo')}</th><th scope="col">${t('leader.matter')}</th><th scope="col">${t('leader.level')}</th><th scope="col">${t('leader.appealReason')}</th><th scope="col">${t('leader.appealedBy')}</th><th scope="col">${t('leader.appealedAt')}</th></tr></thead>
<tbody>${v.appeals.map((a) => html`<tr><td>${a.projectNo}</td><td>${a.matterName}</td><td>${a.level} ${t(levelKey(a.level))}</td><td>${a.reason}</td><td>${a.appealedBy.name}</td><td>${beijingTime(a.appealedAt)}</td></tr>`)}</tbody>
</table>`}
</section>`
}

export function leaderBody (ctx: PageContext, v: LeaderView): Html {
  const { t } = ctx
  const received = v.perDay.reduce((n, d) => n + d.count, 0)
  const all = v.byMatter.reduce((s, m) => ({ concluded: s.concluded + m.concluded, onTime: s.onTime + m.onTime, withDue: s.withDue + m.withDue, ratings: s.ratings + m.ratings, levelSum: s.levelSum + m.levelSum, bad: s.bad + m.bad }),
    { concluded: 0, onTime: 0, withDue: 0, ratings: 0, levelSum: 0, bad: 0 })
  return html`<h1>${t('leader.heading', v.townName ?? t('leader.allTowns'))}</h1>
${periodForm(ctx, v)}
<p id="leader-period">${t('leader.period', v.from, v.to)}</p>
<p id="leader-summary">${t('leader.summary', received, all.concluded, percent(all.onTime, all.withDue) ?? t('leader.noRate'), all.ratings, average(all) ?? t('leader.noRate'), all.bad)}</p>
${charts(ctx, v)}
${figuresTable(ctx, 'by-matter', t('leader.byMatter'), t('leader.matter'), v.byMatter)}
${figuresTable(ctx, 'by-worker', t('leader.byWorker'), t('leader.worker'), v.byWorker)}
<p class="muted">${t('leader.workerNote')}</p>
${rectificationList(ctx, v)}
${appealList(ctx, v)}`
}
