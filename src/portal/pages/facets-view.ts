// The facets on a resident's or an enterprise's page: ordinary ones with their entries inline,
// each entry saying where it came from; sensitive ones behind a form asking the purpose (shown,
// once given, and audited); those the staff member's roles may not read only by name.
import type { Platform } from '../../platform.ts'
import type { FacetSummary } from '../../facets/read.ts'
import type { FacetEntry } from '../../store/facets.ts'
import type { FacetLabel } from '../../adapter-sdk/index.ts'
import { html, type Html } from '../../html.ts'
import { csrfField, type PageContext } from '../layout.ts'
import { beijingTime, departmentOf, maskId } from '../format.ts'

export interface FacetView extends FacetSummary {
  /** Loaded when shown: an ordinary facet always, a sensitive one once a purpose was given. */
  shown?: FacetEntry[]
  /** The page references of the residents the shown entries link to, by ID number (those the store knows). */
  refs?: ReadonlyMap<string, string>
}

/**
 * `action`: where a facet's form posts, before the facet's name; `query`: after it (the way back
 * to the results). `opened`: the sensitive facet shown on this page and the purpose given for it.
 */
export function facetsSection (ctx: PageContext, platform: Platform, facets: readonly FacetView[], action: { path: string, query: string }, opened?: { name: string, purpose: string }): Html {
  const { t } = ctx
  return html`<h2 id="facets">${t('facet.heading')}</h2>
${facets.length === 0 ? html`<p class="muted">${t('facet.none')}</p>` : facets.map((f) => facetCard(ctx, platform, f, action, opened?.name === f.name ? opened.purpose : undefined))}`
}

function facetCard (ctx: PageContext, platform: Platform, f: FacetView, action: { path: string, query: string }, purpose: string | undefined): Html {
  const { t } = ctx
  const title = f.title[ctx.lang]
  const id = `facet-${f.name}`
  // A sensitive facet's count is shown only once it is opened with a purpose.
  const count = f.shown?.length ?? f.entries
  const head = html`<h3 id="${id}-h">${title}${count === null ? '' : html` <span class="muted">${t('facet.entries', count)}</span>`}${f.sensitivity === 'sensitive' ? html` <span class="badge">${t('facet.sensitive')}</span>` : ''}</h3>`
  let body: Html
  if (f.shown) {
    body = html`${purpose === undefined ? '' : html`<p class="notice" role="status">${t('facet.shown', title, purpose)}</p>`}${entriesTable(ctx, platform, f, f.shown)}`
  } else if (f.access === 'denied') {
    body = html`<p><strong>${t('facet.denied')}</strong> <span class="muted">${t('facet.deniedHint')}</span></p>`
  } else {
    body = html`<details><summary>${t('facet.show', title)}</summary>
  <form method="post" action="${action.path}/${f.name}${action.query}">${csrfField(ctx)}
    <label for="${id}-purpose">${t('facet.purpose')}</label>
    <textarea id="${id}-purpose" name="purpose" required minlength="2" maxlength="200" aria-describedby="${id}-hint"></textarea>
    <p id="${id}-hint" class="muted">${t('facet.purposeHint')}</p>
    <button type="submit">${t('facet.purposeSubmit')}</button>
  </form></details>`
  }
  return html`<section class="card facet" id="${id}" data-facet="${f.name}" aria-labelledby="${id}-h">${head}${body}</section>`
}

function entriesTable (ctx: PageContext, platform: Platform, f: FacetView, entries: readonly FacetEntry[]): Html {
  const { t } = ctx
  if (entries.length === 0) return html`<p class="muted">${t('facet.entryNone')}</p>`
  // The schema's fields the entries have, in its order (then any it no longer declares), labelled by its descriptions.
  const given = new Set(entries.flatMap((e) => Object.keys(e.data)))
  const fields = [...f.fields.filter((field) => given.has(field)), ...[...given].filter((field) => !f.fields.includes(field)).sort()]
  return html`<table><thead><tr>${fields.map((field) => html`<th scope="col">${f.labels[field]?.[ctx.lang] ?? field}</th>`)}<th scope="col">${t('record.source')}</th></tr></thead>
<tbody>${entries.map((e) => html`<tr>${fields.map((field) => html`<td data-field="${field}">${valueCell(ctx, f, field, e.data[field])}</td>`)}<td class="muted">${t('facet.from', departmentOf(platform, e.source.adapter, t), beijingTime(e.source.observedAt))}</td></tr>`)}</tbody></table>`
}

/**
 * A value naming another record (a field the schema links) as a link to that record's page; any
 * other as text. A resident's ID number is masked as on the record pages: the full number is
 * on that resident's page, read with a purpose.
 */
function valueCell (ctx: PageContext, f: FacetView, field: string, value: unknown): Html | string {
  const kind = f.links[field]
  if (typeof value !== 'string' || value === '' || kind === undefined) return valueText(ctx, f.values[field], value)
  if (kind === 'enterprise') return html`<a href="/portal/enterprises/${encodeURIComponent(value)}">${value}</a>`
  const ref = f.refs?.get(value)
  return ref === undefined ? maskId(value) : html`<a href="/portal/persons/${ref}">${maskId(value)}</a>`
}

/** A coded value as its label reads in the page's language; a list of them joined as the language lists. */
function valueText (ctx: PageContext, labels: Readonly<Record<string, FacetLabel>> | undefined, value: unknown): string {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return ctx.t('record.empty')
  const one = (v: unknown): string => typeof v === 'string' ? labels?.[v]?.[ctx.lang] ?? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)
  return Array.isArray(value) ? value.map(one).join(ctx.lang === 'zh' ? '、' : ', ') : one(value)
}
