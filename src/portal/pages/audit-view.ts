// The audit pages' markup: the search form, the entries, and the chain's verification (a fragment
// that htmx loads into the page, or a page of its own without JavaScript).
import type { AuditAction, AuditOutcome } from '../../audit/index.ts'
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from '../../audit/index.ts'
import type { AuditRow } from '../../audit/store.ts'
import type { AuditVerification } from '../../audit/verify.ts'
import { encodeCursor } from '../../web/cursor.ts'
import { html, type Html } from '../../html.ts'
import { isMessageKey, type MessageKey } from '../i18n.ts'
import { csrfField, type PageContext } from '../layout.ts'

type Family = AuditAction extends `${infer F}.${string}` ? F : never

/** The families of actions, in the catalogue's order: 'person', 'auth', … */
export const FAMILIES: readonly Family[] = [...new Set(AUDIT_ACTIONS.map((a) => a.slice(0, a.indexOf('.')) as Family))]

/** The search form's fields as typed (trimmed; absent when empty), shown again with the results or errors. */
export const FORM_FIELDS = ['actor', 'action', 'subject', 'outcome', 'from', 'to'] as const
export type FormValues = Partial<Record<(typeof FORM_FIELDS)[number], string>>

/** What may be wrong with a search, each with its message. */
export type SearchError = 'actor' | 'action' | 'subject' | 'outcome' | 'from' | 'to' | 'range' | 'cursor'

export interface LogView {
  form: FormValues
  /** The token the filters are held under (../held.ts), which the pager names instead of them. */
  held?: string | undefined
  errors: SearchError[]
  /** Undefined when the search was not run (errors). */
  items?: AuditRow[]
  /** The cursor of older entries, if any. */
  next?: number | null
  /** This page is not the newest. */
  paged: boolean
  /** Verify the chain as the page loads: on the log's landing page, not on every search or page. */
  autoVerify: boolean
  townName: (code: string | null) => string
}

export type VerifyView =
  | { result: AuditVerification, at: Date, anchors: string }
  | { invalidAnchor: string, anchors: string }

/** An ISO time as Beijing time to the second, `2026-11-20 10:00:05`. */
function beijingSeconds (iso: string | Date): string {
  const ms = typeof iso === 'string' ? Date.parse(iso) : iso.getTime()
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')
}

/** A label for a code the catalogue may not know (stored values): the code itself then. */
function labelOr (ctx: PageContext, key: string, code: string): string {
  return isMessageKey(key) ? ctx.t(key) : code
}

const actionLabel = (ctx: PageContext, action: AuditAction): string => ctx.t(`audit.action.${action}`)
const familyLabel = (ctx: PageContext, family: Family): string => ctx.t(`audit.family.${family}`)
const outcomeLabel = (ctx: PageContext, outcome: AuditOutcome): string => ctx.t(`audit.outcome.${outcome}`)
const isAction = (code: string): code is AuditAction => (AUDIT_ACTIONS as readonly string[]).includes(code)

const ERROR_MESSAGES: Record<SearchError, MessageKey> = {
  actor: 'audit.error.actor',
  action: 'audit.error.action',
  subject: 'audit.error.subject',
  outcome: 'audit.error.outcome',
  from: 'audit.error.from',
  to: 'audit.error.to',
  range: 'audit.error.range',
  cursor: 'audit.error.cursor',
}

const filtersOf = (v: LogView): { held: string } | FormValues => (v.held === undefined ? v.form : { held: v.held })

/** The log's URL for filters held under a token, or given as they are (and a page of older entries). */
export function logHref (filters: { held: string } | FormValues, cursor?: number): string {
  const q = new URLSearchParams()
  if ('held' in filters && typeof filters.held === 'string') q.set('f', filters.held)
  else for (const field of FORM_FIELDS) if ((filters as FormValues)[field]) q.set(field, (filters as FormValues)[field]!)
  if (cursor !== undefined) q.set('cursor', encodeCursor(cursor))
  const s = q.toString()
  return s === '' ? '/portal/audit' : `/portal/audit?${s}`
}

// ---------------------------------------------------------------------------------------------
// the log

function errorFor (ctx: PageContext, errors: SearchError[], field: SearchError): Html | '' {
  return errors.includes(field) ? html`<span class="audit-field-error" id="err-${field}">${ctx.t(ERROR_MESSAGES[field])}</span>` : ''
}

/** aria attributes of an input with an error (its message, and the range's for the dates). */
function invalidAttrs (errors: SearchError[], field: SearchError): Html | '' {
  const own = errors.includes(field)
  const range = (field === 'from' || field === 'to') && errors.includes('range')
  if (!own && !range) return ''
  return html` aria-invalid="true" aria-describedby="${own ? `err-${field}` : 'err-range'}"`
}

function actionSelect (ctx: PageContext, selected: string | undefined, errors: SearchError[]): Html {
  const option = (value: string, label: string): Html => html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`
  return html`<select id="f-action" name="action"${invalidAttrs(errors, 'action')}>
    ${option('', ctx.t('audit.any'))}
    ${FAMILIES.map((family) => html`<optgroup label="${familyLabel(ctx, family)}">
      ${option(`${family}.`, `${ctx.t('audit.familyAll', familyLabel(ctx, family))}（${family}.*）`)}
      ${AUDIT_ACTIONS.filter((a) => a.startsWith(`${family}.`)).map((a) => option(a, `${actionLabel(ctx, a)}（${a}）`))}
    </optgroup>`)}
  </select>`
}

function searchForm (ctx: PageContext, v: LogView): Html {
  const { t } = ctx
  const f = v.form
  // Posted, not sent as a query: a subject may be an ID number, which must stay out of URLs.
  return html`<form class="card audit-form" method="post" action="/portal/audit" aria-labelledby="audit-search">${csrfField(ctx)}
<h2 id="audit-search">${t('audit.search.heading')}</h2>
${v.errors.length > 0 ? html`<div class="error" role="alert" id="audit-errors"><p>${t('audit.error.heading')}</p><ul>${v.errors.map((e) => html`<li>${t(ERROR_MESSAGES[e])}</li>`)}</ul></div>` : ''}
<div class="audit-fields">
  <div><label for="f-actor">${t('audit.field.actor')}</label>
    <input type="text" id="f-actor" name="actor" value="${f.actor ?? ''}" maxlength="64" autocomplete="off"${invalidAttrs(v.errors, 'actor')}>${errorFor(ctx, v.errors, 'actor')}</div>
  <div><label for="f-action">${t('audit.field.action')}</label>${actionSelect(ctx, f.action, v.errors)}${errorFor(ctx, v.errors, 'action')}</div>
  <div><label for="f-outcome">${t('audit.field.outcome')}</label>
    <select id="f-outcome" name="outcome"${invalidAttrs(v.errors, 'outcome')}>
      <option value="">${t('audit.any')}</option>
      ${AUDIT_OUTCOMES.map((o) => html`<option value="${o}"${f.outcome === o ? html` selected` : ''}>${outcomeLabel(ctx, o)}</option>`)}
    </select>${errorFor(ctx, v.errors, 'outcome')}</div>
  <div class="wide"><label for="f-subject">${t('audit.field.subject')}</label>
    <input type="text" id="f-subject" name="subject" value="${f.subject ?? ''}" maxlength="64" autocomplete="off" aria-describedby="${v.errors.includes('subject') ? 'err-subject ' : ''}subject-hint"${v.errors.includes('subject') ? html` aria-invalid="true"` : ''}>
    <span class="muted audit-hint" id="subject-hint">${t('audit.field.subjectHint')}</span>${errorFor(ctx, v.errors, 'subject')}</div>
  <div><label for="f-from">${t('audit.field.from')}</label>
    <input type="date" id="f-from" name="from" value="${f.from ?? ''}"${invalidAttrs(v.errors, 'from')}>${errorFor(ctx, v.errors, 'from')}</div>
  <div><label for="f-to">${t('audit.field.to')}</label>
    <input type="date" id="f-to" name="to" value="${f.to ?? ''}"${invalidAttrs(v.errors, 'to')}>${errorFor(ctx, v.errors, 'to')}${errorFor(ctx, v.errors, 'range')}</div>
  <p class="audit-buttons"><button type="submit">${t('audit.submit')}</button> <a class="button secondary" href="/portal/audit">${t('audit.reset')}</a></p>
</div>
<p class="muted audit-hint">${t('audit.field.datesHint')}</p>
</form>`
}

function actorCell (ctx: PageContext, r: AuditRow, townName: (code: string | null) => string): Html {
  const roles = r.roles.map((role) => labelOr(ctx, `audit.role.${role}`, role))
  const kind = r.actorKind === 'staff' ? '' : labelOr(ctx, `audit.actor.${r.actorKind}`, r.actorKind)
  const about = [kind, ...roles, r.town ? townName(r.town) : ''].filter((s) => s !== '').join(' · ')
  return html`<strong>${r.actor}</strong>${about ? html`<br><span class="muted">${about}</span>` : ''}`
}

function detailsText (details: AuditRow['details']): string {
  return Object.entries(details).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('; ')
}

function entryRow (ctx: PageContext, r: AuditRow, townName: (code: string | null) => string): Html {
  const action = isAction(r.action) ? html`${actionLabel(ctx, r.action)}<br><code>${r.action}</code>` : html`<code>${r.action}</code>`
  const subject = r.subject === null ? '' : html`${r.subjectKind ? html`<span class="muted">${labelOr(ctx, `audit.kind.${r.subjectKind}`, r.subjectKind)}</span> ` : ''}<span class="audit-nowrap">${r.subject}</span>`
  return html`<tr id="entry-${r.id}" class="audit-${r.outcome}">
  <td class="num">${r.id}</td>
  <td class="audit-nowrap">${beijingSeconds(r.at)}</td>
  <td>${actorCell(ctx, r, townName)}</td>
  <td>${action}</td>
  <td>${subject}</td>
  <td>${r.purpose ?? ''}</td>
  <td><span class="audit-outcome audit-outcome-${r.outcome}">${outcomeLabel(ctx, r.outcome)}</span></td>
  <td class="audit-nowrap">${r.clientIp ?? ''}</td>
  <td class="details">${detailsText(r.details)}</td>
</tr>`
}

function entriesTable (ctx: PageContext, v: LogView, items: AuditRow[]): Html {
  const { t } = ctx
  const pager = html`<p class="pager">
    ${v.paged ? html`<a href="${logHref(filtersOf(v))}">${t('audit.newest')}</a>` : ''}
    ${v.next !== undefined && v.next !== null ? html`<a href="${logHref(filtersOf(v), v.next)}" rel="next">${t('audit.older')}</a>` : ''}</p>`
  if (items.length === 0) return html`<p class="muted" id="audit-none">${t('audit.none')}</p>${pager}`
  return html`<p class="muted">${t('audit.resultsCount', items.length)}</p>
<div class="audit-scroll"><table class="audit-table" aria-labelledby="audit-results">
<thead><tr>
  <th scope="col">${t('audit.col.id')}</th><th scope="col">${t('audit.col.at')}</th><th scope="col">${t('audit.col.actor')}</th>
  <th scope="col">${t('audit.col.action')}</th><th scope="col">${t('audit.col.subject')}</th><th scope="col">${t('audit.col.purpose')}</th>
  <th scope="col">${t('audit.col.outcome')}</th><th scope="col">${t('audit.col.ip')}</th><th scope="col">${t('audit.col.details')}</th>
</tr></thead>
<tbody>${items.map((r) => entryRow(ctx, r, v.townName))}</tbody></table></div>
${pager}`
}

export function logBody (ctx: PageContext, v: LogView): Html {
  const { t } = ctx
  return html`<h1>${t('audit.title')}</h1>
<p class="muted">${t('audit.intro')}</p>
<div class="audit-top">
${searchForm(ctx, v)}
${verifySection(ctx, { loading: v.autoVerify, anchors: '' })}
</div>
${v.items ? html`<section aria-labelledby="audit-results" id="audit-log"><h2 id="audit-results">${t('audit.results')}</h2>${entriesTable(ctx, v, v.items)}</section>` : ''}`
}

// ---------------------------------------------------------------------------------------------
// the chain's verification

/** verifyAudit's reasons, by what they start or end with, as the auditor's words (the text itself shown too). */
const REASONS: Array<[RegExp, MessageKey]> = [
  [/it was edited$/, 'audit.verify.reason.edited'],
  [/missing: deleted$/, 'audit.verify.reason.deleted'],
  [/^prev_hash does not match/, 'audit.verify.reason.relinked'],
  [/genesis hash/, 'audit.verify.reason.genesis'],
  [/^the hash differs from the one recorded/, 'audit.verify.reason.rewritten'],
  [/the tail was truncated$/, 'audit.verify.reason.truncated'],
]

function headBlock (ctx: PageContext, head: NonNullable<AuditVerification['head']>): Html {
  const { t } = ctx
  return html`<dl class="audit-head">
  <dt>${t('audit.verify.head')}</dt><dd>${t('audit.verify.headId')} <span id="verify-head-id">${head.id ?? `${head.chain}:${head.seq}`}</span></dd>
  <dt>${t('audit.verify.anchor')}</dt><dd><code class="audit-hash" id="verify-anchor">${head.chain}:${head.seq}:${head.hash}</code></dd>
</dl>
<p class="muted audit-hint">${t('audit.verify.anchorHint')}</p>`
}

/** The verification's result: what htmx puts into the page, and the heart of the page without JavaScript. */
export function verifyResult (ctx: PageContext, v: VerifyView): Html {
  const { t } = ctx
  if ('invalidAnchor' in v) return html`<p class="error" role="alert" id="verify-status">${t('audit.verify.anchorsInvalid', v.invalidAnchor)}</p>`
  const { result } = v
  const at = html`<p class="muted">${t('audit.verify.at', beijingSeconds(v.at))}</p>`
  if (result.ok) {
    if (result.head === null) return html`<p class="notice" role="status" id="verify-status" data-ok="true">${t('audit.verify.empty')}</p>${at}`
    return html`<p class="notice" role="status" id="verify-status" data-ok="true"><strong>${t('audit.verify.ok', result.rows)}</strong></p>${headBlock(ctx, result.head)}${at}`
  }
  // A root that fails is reported like a row: its id, its reason.
  const bad = result.firstBad ?? { chain: 'roots', seq: result.roots.firstBad!.id, reason: result.roots.firstBad!.reason }
  const named = bad.id ?? `${bad.chain}:${bad.seq}`
  const reason = REASONS.find(([pattern]) => pattern.test(bad.reason))
  return html`<div class="error audit-verify-failed" role="alert" id="verify-status" data-ok="false" data-bad="${named}">
  <p><strong>${t('audit.verify.failed', named)}</strong></p>
  <p>${t('audit.verify.reason', reason ? t(reason[1]) : bad.reason)}</p>
  ${reason && ctx.lang !== 'en' ? html`<p class="muted">${t('audit.verify.technical')}<span lang="en">${bad.reason}</span></p>` : ''}
  <p>${t('audit.verify.soundUpTo', result.rows)} ${bad.id === undefined ? '' : html`<a href="${logHref({}, bad.id + 1)}#entry-${bad.id}">${t('audit.verify.show', bad.id)}</a>`}</p>
</div>
${result.head ? headBlock(ctx, result.head) : ''}${at}`
}

/**
 * The section: on the log's landing page it starts as a placeholder that htmx fills on load
 * (verifying walks the whole log, ~15 s per million rows, so the log does not wait for it, and a
 * search or an older page does not walk it again); the form works without JavaScript too,
 * answering the verification page.
 */
export function verifySection (ctx: PageContext, v: VerifyView | { loading: boolean, anchors: string }): Html {
  const { t } = ctx
  const result = !('loading' in v)
    ? html`<div id="verify-result" aria-live="polite">${verifyResult(ctx, v)}</div>`
    : v.loading
      ? html`<div id="verify-result" hx-get="/portal/audit/verify" hx-trigger="load" aria-live="polite"><p class="muted">${t('audit.verify.loading')}</p></div>`
      : html`<div id="verify-result" aria-live="polite"><p class="muted">${t('audit.verify.onRequest')}</p></div>`
  return html`<section class="card audit-verify" aria-labelledby="verify-heading">
<h2 id="verify-heading">${t('audit.verify.heading')}</h2>
${result}
<form method="get" action="/portal/audit/verify" hx-get="/portal/audit/verify" hx-target="#verify-result" hx-disabled-elt="find button">
  <label for="f-anchors">${t('audit.verify.anchors')}</label>
  <div class="searchbox"><input type="text" id="f-anchors" name="anchors" value="${v.anchors}" maxlength="8000" autocomplete="off" spellcheck="false" aria-describedby="anchors-hint">
  <button type="submit">${t('audit.verify.submit')}</button></div>
  <span class="muted audit-hint" id="anchors-hint">${t('audit.verify.anchorsHint')}</span>
</form>
${'loading' in v ? html`<p><a href="/portal/audit/verify" id="verify-page-link">${t('audit.verify.fullPage')}</a></p>` : ''}
</section>`
}

export function verifyBody (ctx: PageContext, v: VerifyView): Html {
  return html`<h1>${ctx.t('audit.verify.title')}</h1>
${verifySection(ctx, v)}
<p><a href="/portal/audit">${ctx.t('audit.verify.back')}</a></p>`
}
