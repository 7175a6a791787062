// The search page's body: the box and the results, ID and phone numbers masked; links carry the
// held search's token and residents' references, never the text or an ID number.
import type { UnifiedRecord } from '../../store/records.ts'
import { html, type Html } from '../../html.ts'
import { csrfField, type PageContext } from '../layout.ts'
import { displayValue, maskId } from '../format.ts'

export interface SearchResults { items: UnifiedRecord[], next: string | null, paged: boolean }

export interface SearchData {
  q: string
  /** The held search (../held.ts) the pager and the residents' back links name. */
  token?: string | undefined
  /** The token named no search of this staff member's (expired, or another's). */
  expired?: boolean
  /** A resident's reference by ID number. */
  refOf: (idNumber: string) => string
  /** Why the query could not be searched. */
  problem?: 'invalid' | 'too-short' | undefined
  persons?: SearchResults | undefined
  enterprises?: SearchResults | undefined
}

/** The search box with its hint, focused. It posts: the text stays out of the URL. */
export function searchForm (ctx: PageContext, q: string): Html {
  const { t } = ctx
  return html`<form class="searchbox" method="post" action="/portal/search" role="search">${csrfField(ctx)}
  <div style="flex:1"><label for="q">${t('search.label')}</label>
  <input id="q" name="q" type="search" value="${q}" maxlength="64" required autofocus aria-describedby="q-hint"></div>
  <button type="submit">${t('search.submit')}</button>
</form>
<p id="q-hint" class="muted">${t('search.hint')}</p>`
}

export function searchBody (ctx: PageContext, d: SearchData): Html {
  const { t } = ctx
  const pagerHref = (kind: 'person' | 'enterprise', cursor: string | null): string =>
    `/portal/search?${new URLSearchParams({ s: d.token ?? '', kind, ...(cursor === null ? {} : { after: cursor }) }).toString()}`
  const back = d.token ? `?${new URLSearchParams({ s: d.token }).toString()}` : ''
  const pager = (kind: 'person' | 'enterprise', r: { next: string | null, paged: boolean }): Html => html`<p class="pager">
    ${r.paged ? html`<a href="${pagerHref(kind, null)}">${t('search.first')}</a>` : ''}
    ${r.next !== null ? html`<a href="${pagerHref(kind, r.next)}" rel="next">${t('search.next')}</a>` : ''}</p>`
  const persons = d.persons && d.persons.items.length > 0
    ? html`<h2 id="res-persons">${t('search.residents')}</h2>
<table aria-labelledby="res-persons"><thead><tr><th scope="col">${t('field.name')}</th><th scope="col">${t('field.idNumber')}</th><th scope="col">${t('field.gender')}</th><th scope="col">${t('field.birthDate')}</th><th scope="col">${t('field.phone')}</th><th scope="col">${t('field.address')}</th><th scope="col">${t('field.status')}</th></tr></thead>
<tbody>${d.persons.items.map((p) => html`<tr>
  <td><a href="/portal/persons/${d.refOf(String(p.idNumber))}${back}">${displayValue('name', p.name, t, false)}</a></td>
  <td>${maskId(String(p.idNumber))}</td>
  <td>${displayValue('gender', p.gender, t, false)}</td>
  <td>${displayValue('birthDate', p.birthDate, t, false)}</td>
  <td>${displayValue('phone', p.phone, t, false)}</td>
  <td>${displayValue('address', p.address, t, false)}</td>
  <td>${displayValue('status', p.status, t, false)}</td>
</tr>`)}</tbody></table>${pager('person', d.persons)}`
    : ''
  const enterprises = d.enterprises && d.enterprises.items.length > 0
    ? html`<h2 id="res-enterprises">${t('search.enterprises')}</h2>
<table aria-labelledby="res-enterprises"><thead><tr><th scope="col">${t('field.enterpriseName')}</th><th scope="col">${t('field.creditCode')}</th><th scope="col">${t('field.legalRepresentative')}</th><th scope="col">${t('field.address')}</th><th scope="col">${t('field.status')}</th></tr></thead>
<tbody>${d.enterprises.items.map((e) => html`<tr>
  <td><a href="/portal/enterprises/${String(e.creditCode)}${back}">${displayValue('name', e.name, t, false)}</a></td>
  <td>${String(e.creditCode)}</td>
  <td>${displayValue('legalRepresentative', e.legalRepresentative, t, false)}</td>
  <td>${displayValue('address', e.address, t, false)}</td>
  <td>${displayValue('status', e.status, t, false)}</td>
</tr>`)}</tbody></table>${pager('enterprise', d.enterprises)}`
    : ''
  const none = d.q !== '' && !d.problem && !persons && !enterprises ? html`<p>${t('search.none')}</p>` : ''
  return html`<h1>${t('search.title')}</h1>
${d.expired ? html`<p class="notice" role="status">${t('search.expired')}</p>` : ''}
${searchForm(ctx, d.q)}
<div id="results" aria-live="polite">
${d.problem === 'invalid' ? html`<p class="error" role="alert">${t('search.invalid', d.q)}</p>` : ''}
${d.problem === 'too-short' ? html`<p class="error" role="alert">${t('search.tooShort')}</p>` : ''}
${persons}${enterprises}${none}
</div>`
}
