// The page shell: language, navigation for the signed-in staff member, the search box, the
// language switch, the sign-out form, and a skip link. Every page goes through `page`.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Principal } from '../auth/principal.ts'
import { can, scopeOf } from '../auth/access.ts'
import { whistleScope } from '../whistles/service.ts'
import { html, type Html } from '../html.ts'
import { LANGS, htmlLang, translator, type Lang, type Translate } from './i18n.ts'
import type { Assets } from './assets.ts'

export const LANG_COOKIE = 'lang'

/** What a page needs to know about its request. */
export interface PageContext {
  lang: Lang
  t: Translate
  /** Path and query of this request (for the language switch and sign-in's `next`). */
  url: string
  principal?: Principal | undefined
  csrf?: string | undefined
  assets: Assets
}

/** `?lang=en` chooses (and the cookie remembers); otherwise the cookie; otherwise Chinese. */
export function langOf (req: FastifyRequest, reply: FastifyReply): Lang {
  const asked = (req.query as Record<string, unknown> | undefined)?.lang
  if (typeof asked === 'string' && (LANGS as readonly string[]).includes(asked)) {
    reply.setCookie(LANG_COOKIE, asked, { path: '/', sameSite: 'lax', maxAge: 365 * 86_400, secure: req.protocol === 'https' })
    return asked as Lang
  }
  const cookie = req.cookies[LANG_COOKIE]
  return cookie === 'en' ? 'en' : 'zh'
}

export function contextOf (req: FastifyRequest, reply: FastifyReply, assets: Assets, signedIn?: { principal: Principal, csrf: string }): PageContext {
  const lang = langOf(req, reply)
  return { lang, t: translator(lang), url: req.url, principal: signedIn?.principal, csrf: signedIn?.csrf, assets }
}

/** This page in the other language. */
function switchHref (ctx: PageContext): string {
  const url = new URL(ctx.url, 'http://portal.invalid')
  url.searchParams.set('lang', ctx.lang === 'zh' ? 'en' : 'zh')
  return `${url.pathname}${url.search}`
}

export function csrfField (ctx: PageContext): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}">`
}

/** True for staff who may search residents and enterprises (a role that reads records, and a scope). */
export function maySearch (principal: Principal | undefined): boolean {
  return principal !== undefined && scopeOf(principal) !== undefined
}

/**
 * The top bar's search box: finding a resident or an enterprise is the window's most frequent
 * action, so it is one keystroke away on every page (the search page has its own box).
 */
function topSearch (ctx: PageContext): Html {
  const { t } = ctx
  return html`<form class="topsearch" method="post" action="/portal/search" role="search" aria-label="${t('search.title')}">${csrfField(ctx)}
    <label for="top-q">${t('search.topLabel')}</label>
    <input id="top-q" name="q" type="search" maxlength="64" required placeholder="${t('search.placeholder')}">
    <button type="submit">${t('search.submit')}</button>
  </form>`
}

export interface PageOptions {
  scripts?: Html
  /** false on the page whose main content is the search box already. */
  topSearch?: boolean
}

export function page (ctx: PageContext, title: string, body: Html, opts: PageOptions = {}): string {
  const { t, principal } = ctx
  const other: Lang = ctx.lang === 'zh' ? 'en' : 'zh'
  const nav = principal
    ? html`<nav aria-label="${t('app.name')}">
        <a href="/">${t('nav.home')}</a>
        ${can(principal, 'records:read') ? html`<a href="/portal/search">${t('nav.search')}</a>` : ''}
        ${can(principal, 'conflicts:read') ? html`<a href="/portal/conflicts">${t('nav.conflicts')}</a>` : ''}
        ${can(principal, 'ratings:read') ? html`<a href="/portal/leader">${t('nav.leader')}</a>` : ''}
        ${can(principal, 'evaluation:read') ? html`<a href="/portal/evaluation">${t('nav.evaluation')}</a>` : ''}
        ${can(principal, 'cases:read') && principal.town !== null ? html`<a href="/portal/matters">${t('nav.matters')}</a><a href="/portal/cases">${t('nav.cases')}</a>` : ''}
        ${can(principal, 'risks:read') && principal.town !== null ? html`<a href="/portal/risks">${t('nav.risks')}</a>` : ''}
        ${can(principal, 'orders:read') && principal.town !== null ? html`<a href="/portal/orders">${t('nav.orders')}</a>` : ''}
        ${whistleScope(principal) ? html`<a href="/portal/whistles">${t('nav.whistles')}</a>` : ''}
        ${principal.department === undefined ? html`<a href="/portal/departments">${t('nav.departments')}</a>` : ''}
        ${can(principal, 'quarantine:read') ? html`<a href="/portal/quarantine">${t('nav.quarantine')}</a>` : ''}
        ${can(principal, 'audit:read') ? html`<a href="/portal/audit">${t('nav.audit')}</a>` : ''}
        ${can(principal, 'staff:manage') ? html`<a href="/portal/staff">${t('nav.staff')}</a>` : ''}
      </nav>`
    : ''
  const user = principal
    ? html`<span>${t('user.signedInAs', principal.name, principal.username)}</span>
      <form method="post" action="/portal/logout">${csrfField(ctx)}<button class="link" type="submit">${t('nav.signOut')}</button></form>`
    : ''
  return html`<!doctype html>
<html lang="${htmlLang[ctx.lang]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${t('app.name')}</title>
<link rel="stylesheet" href="${ctx.assets.url('portal.css')}">
<script src="${ctx.assets.url('htmx.js')}" defer></script>
${opts.scripts ?? ''}
</head>
<body>
<a class="skip" href="#main">${t('nav.skip')}</a>
<header class="top"><div class="bar">
  <a class="brand" href="/">${t('app.name')} <small>${t('app.tagline')}</small></a>
  ${nav}
  ${opts.topSearch !== false && maySearch(principal) ? topSearch(ctx) : ''}
  <span class="spacer"></span>
  ${user}
  <a href="${switchHref(ctx)}" lang="${htmlLang[other]}" hreflang="${htmlLang[other]}" aria-label="${t('lang.switchLabel')}" id="lang-switch">${t('lang.switch')}</a>
</div></header>
<main id="main" tabindex="-1">
${body}
</main>
</body>
</html>`.value
}

/** A page with a heading and one paragraph (not found, not allowed, expired form, errors). */
export function messagePage (ctx: PageContext, title: string, text: string): string {
  return page(ctx, title, html`<h1>${title}</h1><p>${text}</p><p><a href="/">${ctx.t('back.home')}</a></p>`)
}
