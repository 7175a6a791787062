// SM2 request signatures (GM/T 0009, signer ID 1234567812345678 unless declared) over parts of the
// request, sent in headers; the department verifies with the public key it was given.
import { AUTH_CREDENTIALS, type CredentialsOf, type Sm2Auth } from '../../adapter-sdk/index.ts'
import { sm2Sign, SM2_DEFAULT_USER_ID } from '../../crypto/index.ts'
import type { AuthStrategy } from './types.ts'
import { canonicalRequest, setStampHeaders, stamp } from './signed-headers.ts'

export const sm2: AuthStrategy<Sm2Auth, CredentialsOf<'sm2'>> = {
  credentials: AUTH_CREDENTIALS.sm2,
  state: () => undefined,
  async apply (request, credentials, ctx) {
    const d = ctx.declaration
    const { appId, privateKey } = await credentials()
    const s = stamp(d, appId, ctx.now())
    const signature = sm2Sign(privateKey, canonicalRequest(d, request, s), d.userId ?? SM2_DEFAULT_USER_ID)
    setStampHeaders(d, request, s, d.encoding === 'base64' ? Buffer.from(signature, 'hex').toString('base64') : signature)
  },
}
