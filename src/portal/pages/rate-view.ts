// The tablet rating page's HTML: a page of its own (no staff menu, no search), large face buttons
// with their Chinese labels, an optional comment, and the thank-you and "cannot rate" pages. It
// shows the matter and a masked applicant name — nothing else about the case.
import { html, raw, type Html } from '../../html.ts'
import { htmlLang, type Translate, type Lang } from '../i18n.ts'
import type { MessageKey } from '../i18n.ts'
import type { LinkView } from '../../ratings/service.ts'
import type { PageContext } from '../layout.ts'
import { beijingTime } from '../format.ts'

type Open = Extract<LinkView, { status: 'open' }>

// Styles inline: this page is the whole app on the tablet (the CSP allows inline styles, not scripts).
const STYLE = raw(`
body{margin:0;font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#f4f7fb;color:#1d2733}
main{max-width:1100px;margin:0 auto;padding:32px 24px;text-align:center}
h1{font-size:2.2rem;margin:.2em 0 .6em}
.stage{display:inline-block;background:#2f6fb3;color:#fff;border-radius:999px;padding:.2em 1em;font-size:1.2rem}
.case{font-size:1.3rem;margin:.4em 0}
fieldset{border:0;margin:24px 0 0;padding:0}
legend{font-size:1.4rem;margin:0 auto 16px}
.levels{display:flex;flex-wrap:wrap;gap:16px;justify-content:center}
.level{display:flex;flex-direction:column;align-items:center;justify-content:center;gap:10px;width:180px;min-height:190px;
  border:3px solid #c8d3e0;border-radius:20px;background:#fff;font-size:1.4rem;font-weight:600;cursor:pointer;color:inherit}
.level:hover,.level:focus{border-color:#2f6fb3;outline:4px solid #9cc2ea}
.level svg{width:88px;height:88px}
label.comment{display:block;font-size:1.2rem;margin:20px 0 8px}
textarea{width:min(700px,100%);min-height:80px;font-size:1.2rem;padding:10px;border-radius:10px;border:2px solid #c8d3e0}
.message{font-size:1.6rem;line-height:1.6;margin-top:48px}
.lang{position:absolute;top:12px;right:16px;font-size:1rem}
`)

const FACE_COLOUR = ['#c0392b', '#e67e22', '#f1c40f', '#7cb342', '#2e7d32'] as const
// Mouth from a frown (level 1) to a wide smile (level 5): the control point's height.
const MOUTH_CURVE = [-14, -7, 0, 8, 16] as const

/** A face drawn inline (decorative: the button's text names the level). */
function face (level: number): Html {
  const c = FACE_COLOUR[level - 1]!
  const curve = MOUTH_CURVE[level - 1]!
  return html`<svg viewBox="0 0 100 100" aria-hidden="true" focusable="false"><circle cx="50" cy="50" r="46" fill="${c}"/>
<circle cx="34" cy="40" r="6" fill="#fff"/><circle cx="66" cy="40" r="6" fill="#fff"/>
<path d="M30 ${66 - curve / 2} Q50 ${66 + curve} 70 ${66 - curve / 2}" stroke="#fff" stroke-width="6" fill="none" stroke-linecap="round"/></svg>`
}

export const levelKey = (level: number): MessageKey => `rate.level.${level}` as MessageKey

function shell (lang: Lang, t: Translate, switchHref: string, body: Html): string {
  return html`<!doctype html>
<html lang="${htmlLang[lang]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${t('rate.title')} · ${t('app.name')}</title>
<style>${STYLE}</style>
</head>
<body>
<a class="lang" href="${switchHref}">${t('lang.switch')}</a>
<main id="main">
${body}
</main>
</body>
</html>`.value
}

export interface RateContext { lang: Lang, t: Translate, switchHref: string }

export function ratePage (ctx: RateContext, action: string, link: Open): string {
  const { t } = ctx
  const buttons = [5, 4, 3, 2, 1].map((level) => html`<button type="submit" class="level" name="level" value="${level}" data-level="${level}">${face(level)}<span>${t(levelKey(level))}</span></button>`)
  return shell(ctx.lang, t, ctx.switchHref, html`<h1>${link.rerating ? t('rate.reheading') : t('rate.heading')}</h1>
<p><span class="stage">${t(`rate.stage.${link.stage}`)}</span></p>
<p class="case">${t('rate.matter', link.matterName)}</p>
<p class="case">${t('rate.applicant', link.applicant)}</p>
<form method="post" action="${action}">
<label class="comment" for="comment">${t('rate.comment')}</label>
<textarea id="comment" name="comment" maxlength="500"></textarea>
<fieldset><legend>${t('rate.levels')}</legend>
<div class="levels">${buttons}</div>
</fieldset>
</form>`)
}

export function thanksPage (ctx: RateContext, level: number, rectifyWithin: number | undefined): string {
  const { t } = ctx
  return shell(ctx.lang, t, ctx.switchHref, html`<h1 id="thanks">${t('rate.thanks')}</h1>
<p class="message">${t('rate.thanksBody', t(levelKey(level)))}</p>
${rectifyWithin === undefined ? '' : html`<p class="message">${t('rate.thanksBad', rectifyWithin)}</p>`}`)
}

export function closedPage (ctx: RateContext, text: string): string {
  return shell(ctx.lang, ctx.t, ctx.switchHref, html`<h1>${ctx.t('rate.closedTitle')}</h1><p class="message" role="alert">${text}</p>`)
}

/** The staff page with a fresh link: opened on the tablet, never shown to anyone else. */
export function linkBody (ctx: PageContext, v: { projectNo: string, stage: 'accept' | 'conclude', url: string, expiresAt: string }): Html {
  const { t } = ctx
  return html`<h1>${t('rate.linkTitle')}</h1>
<p>${t('rate.linkStage', t(`rate.stage.${v.stage}`))}</p>
<p>${t('rate.linkBody', beijingTime(v.expiresAt))}</p>
<p><a id="rating-link" href="${v.url}" target="_blank" rel="noopener noreferrer">${t('rate.linkOpen')}</a></p>
<p><a href="/portal/cases/${encodeURIComponent(v.projectNo)}">${t('rate.linkBack')}</a></p>`
}
