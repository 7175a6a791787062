// Whether a webhook's Content-Type is what its adapter receives: the media type of the declared
// body format and, for XML and forms, where a charset is named, the declared charset (a GBK body
// labelled UTF-8 would be read wrong). JSON is as it always was: application/json, any charset
// parameter (the body is read as UTF-8 whatever it says).
import { BODY_MEDIA_TYPES, charsetOf, type WebhookBody } from '../adapter-sdk/index.ts'
import { CHARSET_LABEL } from '../adapter-sdk/codec.ts'

/** The Content-Type to send, as TB_UNSUPPORTED_MEDIA_TYPE says it. */
export function expectedContentType (body: WebhookBody): string {
  return body.format === 'json' ? 'application/json' : `${BODY_MEDIA_TYPES[body.format][0]}; charset=${CHARSET_LABEL[body.charset]}`
}

export function contentTypeMatches (body: WebhookBody, header: string | undefined): boolean {
  const [essence, ...params] = (header ?? '').split(';')
  if (!BODY_MEDIA_TYPES[body.format].includes(essence!.trim().toLowerCase())) return false
  if (body.format === 'json') return true
  const label = params.map((p) => /^\s*charset\s*=\s*"?([^"\s]*)"?\s*$/i.exec(p)?.[1]).find((l) => l !== undefined)
  if (label === undefined) return true
  try {
    return charsetOf(label) === body.charset
  } catch {
    return false
  }
}
