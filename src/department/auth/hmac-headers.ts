// HMAC-SHA256 or HMAC-SM3 over parts of the request (method, path, timestamp, nonce, body or its
// hash), keyed with the app secret and sent in headers.
import { AUTH_CREDENTIALS, type CredentialsOf, type HmacHeadersAuth } from '../../adapter-sdk/index.ts'
import type { AuthStrategy } from './types.ts'
import { digest, encode } from './digest.ts'
import { canonicalRequest, setStampHeaders, stamp } from './signed-headers.ts'

export const hmacHeaders: AuthStrategy<HmacHeadersAuth, CredentialsOf<'hmac-headers'>> = {
  credentials: AUTH_CREDENTIALS['hmac-headers'],
  state: () => undefined,
  async apply (request, credentials, ctx) {
    const d = ctx.declaration
    const { appId, appSecret } = await credentials()
    const s = stamp(d, appId, ctx.now())
    setStampHeaders(d, request, s, encode(digest(d.algorithm, canonicalRequest(d, request, s), appSecret), d.encoding))
  },
}
