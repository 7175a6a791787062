// Standard Webhooks (v1 HMAC-SHA256, v1sm3 HMAC-SM3), as src/crypto/webhook-signature.ts verifies
// them; the instance's `webhook.schemes` says which it accepts.
import { secretKey, verify } from '../../crypto/webhook-signature.ts'
import { headerValue, type SignatureScheme } from './types.ts'

export const standardWebhooks: SignatureScheme<'standard-webhooks'> = {
  verifier (_declaration, config) {
    const keys = config.secrets.map(secretKey)
    return {
      verify (headers, body, nowSeconds) {
        const id = headerValue(headers, 'webhook-id')
        verify(keys, { id, timestamp: headerValue(headers, 'webhook-timestamp'), signature: headerValue(headers, 'webhook-signature') }, body, nowSeconds, config.toleranceSeconds, config.schemes)
        return id!
      },
    }
  },
}
