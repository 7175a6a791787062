// The sign-in page's body: the form, its error messages in the page's language (the sign-in
// script shows them; without it /auth/login comes back here with ?error=), and the identity
// platform's button.
import { html, type Html } from '../../html.ts'
import { catalogue, type MessageKey } from '../i18n.ts'
import type { PageContext } from '../layout.ts'
import { beijingTime } from '../format.ts'

const LOGIN_ERRORS = ['TB_SIGN_IN_FAILED', 'TB_ACCOUNT_LOCKED', 'TB_ACCOUNT_DISABLED', 'TB_TOTP_REQUIRED', 'TB_TOTP_INVALID', 'TB_CSRF', 'TB_RATE_LIMITED', 'TB_VALIDATION'] as const

/** The identity platform's sign-in; `label` as configured (Chinese), shown on Chinese pages. */
export interface FederationButton { href: string, label: string }

/** What went wrong at the last attempt, in words: a known code, else the code itself. */
export function signInError (ctx: PageContext, code: string, until: string | undefined): string {
  return (LOGIN_ERRORS as readonly string[]).includes(code) ? ctx.t(`error.${code}` as MessageKey, beijingTime(until)) : ctx.t('error.unknown', code)
}

export function loginBody (ctx: PageContext, opts: { csrf: string, next: string, federation: FederationButton[], error?: string | undefined }): Html {
  const { t } = ctx
  const messages = catalogue(ctx.lang)
  const data = [...LOGIN_ERRORS.map((code) => html` data-msg-${code}="${messages[`error.${code}` as MessageKey]}"`),
    html` data-msg-unknown="${messages['error.unknown']}" data-msg-network="${messages['error.network']}"`]
  return html`<div class="login card">
  <h1>${t('login.heading')}</h1>
  <div id="login-error" class="error" role="alert" tabindex="-1"${data}>${opts.error ?? ''}</div>
  <form id="login-form" method="post" action="/auth/login" data-next="${opts.next}">
    <input type="hidden" name="_csrf" value="${opts.csrf}">
    ${opts.next === '/' ? '' : html`<input type="hidden" name="next" value="${opts.next}">`}
    <label for="username">${t('login.username')}</label>
    <input id="username" name="username" autocomplete="username" required autofocus maxlength="64">
    <label for="password">${t('login.password')}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
    <label for="otp">${t('login.otp')}</label>
    <input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6">
    <button type="submit">${t('login.submit')}</button>
  </form>
  ${opts.federation.length > 0
    ? html`<p class="or">${t('login.or')}</p>${opts.federation.map((f) => html`<p><a class="button secondary" style="width:100%;text-align:center" href="${f.href}">${ctx.lang === 'zh' ? f.label : t('login.federation')}</a></p>`)}`
    : ''}
</div>`
}
