// Webhook signature schemes, by the name an adapter declares. Adding one: its declaration and the
// shape of its secrets in src/adapter-sdk/webhook.ts, a module here, one line below.
import { signatureType, type WebhookSignature, type WebhookSignatureType } from '../../adapter-sdk/index.ts'
import type { SignatureScheme, WebhookConfig, WebhookVerifier } from './types.ts'
import { standardWebhooks } from './standard-webhooks.ts'
import { headerHmac } from './header-hmac.ts'

export type { WebhookVerifier } from './types.ts'

export const WEBHOOK_SIGNATURES: { [T in WebhookSignatureType]: SignatureScheme<Extract<WebhookSignature, T | { type: T }>> } = {
  'standard-webhooks': standardWebhooks,
  'header-hmac': headerHmac,
}

export function webhookVerifier (signature: WebhookSignature, config: WebhookConfig): WebhookVerifier {
  const scheme = WEBHOOK_SIGNATURES[signatureType(signature)] as SignatureScheme<WebhookSignature>
  return scheme.verifier(signature, config)
}
