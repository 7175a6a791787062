// App key + signed parameters, the common pattern of Chinese government interfaces: an app id,
// a timestamp and a digest over a canonical string the department's spec defines, sent in the
// query, the form body, or handed to the adapter for its own body (SOAP).
import { AUTH_CREDENTIALS, type CredentialsOf, type SignedParamsAuth } from '../../adapter-sdk/index.ts'
import type { AuthContext, AuthStrategy } from './types.ts'
import { digest, encode } from './digest.ts'
import { formatTimestamp } from './timestamp.ts'
import { nonce } from './nonce.ts'

type Credentials = CredentialsOf<'signed-params'>

function paramsPart (params: Record<string, string>, style: SignedParamsAuth['params']): string {
  // Specs say "按参数名 ASCII 码从小到大排序": code-unit order, which is what sort() does.
  if (style === 'sorted-pairs') return Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&')
  return Object.values(params).join('')
}

async function signedValues (params: Record<string, string>, credentials: () => Promise<Credentials>, ctx: AuthContext<SignedParamsAuth, undefined>): Promise<Record<string, string>> {
  const { declaration: d } = ctx
  if (d.canonical.includes('nonce') && !d.names.nonce) throw new TypeError(`${ctx.department}: a signed nonce needs names.nonce, or the department cannot check it`)
  const { appId, appSecret } = await credentials()
  const timestamp = formatTimestamp(ctx.now(), d.timestamp)
  const n = d.names.nonce ? nonce() : ''
  const parts = { appId, timestamp, nonce: n, params: paramsPart(params, d.params), secret: appSecret }
  const sign = encode(digest(d.algorithm, d.canonical.map((p) => parts[p]).join(d.separator ?? ''), appSecret), d.encoding)
  return {
    [d.names.appId]: appId,
    [d.names.timestamp]: timestamp,
    ...(d.names.nonce ? { [d.names.nonce]: n } : {}),
    [d.names.sign]: sign,
  }
}

function appendForm (body: string | Uint8Array | undefined, values: Record<string, string>): string | Uint8Array {
  const extra = new URLSearchParams(values).toString()
  if (body === undefined || body.length === 0) return extra
  // Percent-encoded, so the same ASCII bytes whatever charset the rest of the form is in.
  return typeof body === 'string' ? `${body}&${extra}` : Buffer.concat([body, Buffer.from(`&${extra}`)])
}

export const signedParams: AuthStrategy<SignedParamsAuth, Credentials> = {
  credentials: AUTH_CREDENTIALS['signed-params'],
  state: () => undefined,
  async apply (request, credentials, ctx) {
    const { placement } = ctx.declaration
    // `body`: the adapter asked http.sign() and wrote the values into its body itself.
    if (placement === 'body') return
    const values = await signedValues(request.signed ?? {}, credentials, ctx)
    if (placement === 'query') {
      for (const [k, v] of Object.entries(values)) request.url.searchParams.set(k, v)
      return
    }
    request.body = appendForm(request.body, values)
    request.headers['content-type'] ??= 'application/x-www-form-urlencoded'
  },
  values: signedValues,
}
