// The OpenID Provider's secrets: the JWKS that signs ID tokens (RS256, as OpenID Connect requires
// every provider to support) and the keys that sign its cookies. Generated once, by whichever
// gateway needs them first, and kept in Redis without expiry under one key (SET NX), so every
// gateway of a deployment signs with the same keys and publishes the same JWKS.
//
// Why Redis and not a file or the database: a file under the data dir is one host's, while the
// department apps fetch the JWKS from whichever gateway answers; the database would be the right
// home (sealed by the credential vault) but needs a migration and the master key in the gateway
// process, neither of which this module owns. Redis is shared and, embedded, persistent (AOF).
// If Redis loses the keys, the first gateway that notices puts its own back and the others adopt
// them (see `KeyStore.current`); department apps fetch the JWKS again on an unknown `kid`.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import type { Redis } from '../../redis/connect.ts'
import type { JWK } from 'oidc-provider'
import { OIDC_PREFIX } from './redis-adapter.ts'

export const KEYS_KEY = `${OIDC_PREFIX}keys`

export interface ProviderKeys {
  /** Private signing keys, newest first: the first signs, all are published (public parts). */
  jwks: { keys: JWK[] }
  /** Cookie signing keys, newest first. */
  cookieKeys: string[]
}

export function generateKeys (): ProviderKeys {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = privateKey.export({ format: 'jwk' }) as JWK
  const kid = createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest('base64url').slice(0, 16)
  return {
    jwks: { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] },
    cookieKeys: [randomBytes(32).toString('base64url')],
  }
}

/** A short fingerprint of the stored text: tells whether Redis still holds the keys a provider was built with. */
export const fingerprint = (text: string): string => createHash('sha256').update(text).digest('base64url')

export class KeyStore {
  private held: { text: string, keys: ProviderKeys } | undefined

  constructor (private readonly redis: Redis) {}

  /**
   * The keys in Redis, creating them if there are none. A gateway that held keys before puts
   * those back rather than new ones, so that a Redis that came back empty does not change the
   * keys under tokens already issued.
   */
  async current (): Promise<{ text: string, keys: ProviderKeys }> {
    let text = await this.redis.get(KEYS_KEY)
    if (text === null) {
      const mine = this.held?.text ?? JSON.stringify(generateKeys())
      await this.redis.set(KEYS_KEY, mine, 'NX')
      text = await this.redis.get(KEYS_KEY)
      if (text === null) throw new Error('oidc: the signing keys vanished from Redis right after they were stored')
    }
    if (this.held?.text !== text) this.held = { text, keys: JSON.parse(text) as ProviderKeys }
    return this.held
  }
}
