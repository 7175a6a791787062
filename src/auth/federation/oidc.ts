// tongban as an OpenID Connect relying party of the province's identity platform: authorization
// code flow with PKCE (S256), state and nonce, through openid-client. The issuer's metadata is
// discovered at the first sign-in (and again after a failure), so the gateway starts while the
// platform is down.
import * as client from 'openid-client'
import { TongbanError } from '../../errors.ts'
import { isLoopbackHttp, type OidcFederationConfig } from './config.ts'

/** What the callback needs from the start of a sign-in; kept server-side, never in the browser. */
export interface PendingOidcSignIn {
  codeVerifier: string
  nonce: string
  /** Where the browser goes after signing in: a path on this site. */
  next?: string
}

export interface OidcSignInStart {
  url: URL
  state: string
  pending: PendingOidcSignIn
}

export interface OidcSignInResult {
  issuer: string
  subject: string
  /** ID token claims, completed by the userinfo endpoint's where the platform has one. */
  claims: Record<string, unknown>
}

const ID_TOKEN_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 'sid'])

const failed = (reason: string): TongbanError => new TongbanError('TB_FEDERATION_FAILED', [reason])

export class OidcRelyingParty {
  private configuration: Promise<client.Configuration> | undefined

  constructor (readonly config: OidcFederationConfig, private readonly timeoutSeconds = 10) {}

  get issuer (): string { return this.config.issuer }

  private unavailable (err: unknown): TongbanError {
    const cause = err as { message?: string, cause?: { message?: string, code?: string } }
    const detail = cause.cause?.message ?? cause.cause?.code
    return new TongbanError('TB_FEDERATION_UNAVAILABLE', [this.config.issuer, detail ? `${cause.message ?? 'error'} (${detail})` : cause.message ?? String(err)], { cause: err })
  }

  /** The issuer's metadata and this client, discovered once; a failed discovery is tried again next time. */
  async discover (): Promise<client.Configuration> {
    this.configuration ??= (async () => {
      const { issuer, clientId, clientSecret, tokenEndpointAuthMethod, redirectUri } = this.config
      const auth = clientSecret === undefined
        ? client.None()
        : tokenEndpointAuthMethod === 'client_secret_post' ? client.ClientSecretPost(clientSecret) : client.ClientSecretBasic(clientSecret)
      const issuerUrl = new URL(issuer)
      const configuration = await client.discovery(issuerUrl, clientId, {
        redirect_uris: [redirectUri],
        response_types: ['code'],
        token_endpoint_auth_method: clientSecret === undefined ? 'none' : tokenEndpointAuthMethod,
      }, auth, {
        timeout: this.timeoutSeconds,
        ...(isLoopbackHttp(issuerUrl) ? { execute: [client.allowInsecureRequests] } : {}),
      })
      configuration.timeout = this.timeoutSeconds
      return configuration
    })().catch((err: unknown) => {
      this.configuration = undefined
      throw this.unavailable(err)
    })
    return await this.configuration
  }

  async start (): Promise<OidcSignInStart> {
    const configuration = await this.discover()
    const codeVerifier = client.randomPKCECodeVerifier()
    const state = client.randomState()
    const nonce = client.randomNonce()
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.config.redirectUri,
      scope: this.config.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    })
    return { url, state, pending: { codeVerifier, nonce } }
  }

  /**
   * Checks the authorization response (state, iss), redeems the code with the PKCE verifier,
   * checks the ID token (signature, issuer, audience, expiry, nonce) and reads the claims.
   * `query` is the callback's query string as received.
   */
  async finish (query: string, state: string, pending: PendingOidcSignIn): Promise<OidcSignInResult> {
    const configuration = await this.discover()
    const currentUrl = new URL(this.config.redirectUri)
    currentUrl.search = query
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>
    try {
      tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      })
    } catch (err) {
      throw this.explain(err)
    }
    const idClaims = tokens.claims()
    if (!idClaims) throw failed('the identity platform returned no ID token')
    const claims: Record<string, unknown> = { ...idClaims }
    if (configuration.serverMetadata().userinfo_endpoint && tokens.access_token) {
      try {
        const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub)
        // The ID token's own claims (who issued it, to whom, when) stay; the person's claims may come from either.
        for (const [k, v] of Object.entries(userinfo)) if (!ID_TOKEN_CLAIMS.has(k)) claims[k] = v
      } catch (err) {
        throw this.explain(err)
      }
    }
    return { issuer: configuration.serverMetadata().issuer, subject: idClaims.sub, claims }
  }

  /** An openid-client failure as a TB_ error: the person's sign-in failed, or the platform is at fault. */
  private explain (err: unknown): TongbanError {
    if (err instanceof client.AuthorizationResponseError) {
      return failed(`the identity platform answered ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`)
    }
    if (err instanceof client.ResponseBodyError) {
      if (err.error === 'invalid_grant') return failed(`the authorization code is invalid, expired or already used (invalid_grant${err.error_description ? `: ${err.error_description}` : ''})`)
      if (err.error === 'invalid_client' || err.error === 'unauthorized_client') return this.unavailable(new Error(`the token endpoint refused this client (${err.error}): check federation.oidc.clientId and clientSecret`))
      return failed(`the token endpoint answered ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`)
    }
    if (err instanceof client.ClientError) {
      const cause = err.cause as { message?: string, cause?: { claim?: string } } | undefined
      if (err.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && cause?.cause?.claim === 'nonce') return failed('the ID token\'s nonce does not match the sign-in started here')
      if (err.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' || err.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' || err.code === 'OAUTH_INVALID_RESPONSE' ||
          err.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' || err.code === 'OAUTH_KEY_SELECTION_FAILED') {
        return failed(`${err.message}${cause?.message ? `: ${cause.message}` : ''}`)
      }
    }
    if (err instanceof TongbanError) return err
    return this.unavailable(err)
  }
}
