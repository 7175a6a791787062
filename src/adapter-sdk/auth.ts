// How the platform authenticates an adapter's calls: the adapter declares a strategy and its
// parameters (data, from the department's spec); the instance supplies credentials of the shape
// the strategy names, from the configuration or the vault. The adapter never sees them.
import { z } from 'zod'
import { DATA_KEY_CREDENTIALS } from './encrypted.ts'

/** Digests a signature may use; `hmac-*` are keyed with the secret, which then stays out of the signed string. */
export type DigestAlgorithm = 'md5' | 'sha256' | 'sm3' | 'hmac-sha256' | 'hmac-sm3'
/** `hex` lowercase, `HEX` uppercase, `base64`. */
export type DigestEncoding = 'hex' | 'HEX' | 'base64'
/** `yyyyMMddHHmmss` is Beijing time (UTC+8, no daylight saving), as government systems expect. */
export type TimestampFormat = 'yyyyMMddHHmmss' | 'unix-s' | 'unix-ms'

/** OAuth2 client credentials: the platform fetches, caches and renews a bearer token. */
export interface OAuth2ClientCredentialsAuth {
  type: 'oauth2-client-credentials'
  tokenPath: string
}

/**
 * A bearer token from the department's own token call, where it is not OAuth2's form: the client
 * id and secret POSTed as JSON under the department's names, the token and its lifetime (seconds)
 * read from the answer at dotted paths. Cached and renewed like OAuth2's.
 */
export interface JsonTokenAuth {
  type: 'json-token'
  tokenPath: string
  /** The department's names for the client id and secret in the JSON body. */
  names: { clientId: string, clientSecret: string }
  /** Dotted paths in the answer: the token, and its lifetime in seconds. */
  answer: { token: string, expiresIn?: string }
  /** The lifetime when the answer gives none, in seconds. Default 300. */
  ttlSeconds?: number
}

/**
 * App key + signed parameters: `sign` is a digest over a canonical string made of the parts in
 * `canonical`, in order, joined by `separator`. `params` stands for the request's own signed values
 * (`DepartmentRequest.signed` or `DepartmentHttp.sign(values)`): their values in the order given,
 * or `key=value` pairs sorted by key and joined with `&` (`params: 'sorted-pairs'`). The string is
 * digested as UTF-8.
 */
export interface SignedParamsAuth {
  type: 'signed-params'
  algorithm: DigestAlgorithm
  encoding: DigestEncoding
  timestamp: TimestampFormat
  canonical: ReadonlyArray<'appId' | 'timestamp' | 'nonce' | 'params' | 'secret'>
  separator?: string
  params?: 'values' | 'sorted-pairs'
  /** The department's names for the values the platform adds. */
  names: { appId: string, timestamp: string, sign: string, nonce?: string }
  /**
   * Where the values go: the query string, the form body, or `body` — the adapter asks
   * `http.sign(values)` for them and writes them into its own body (SOAP puts them inside the
   * operation element).
   */
  placement: 'query' | 'form' | 'body'
}

/** A part of an HTTP request a header signature covers; `body-sha256`/`body-sm3` are lowercase hex digests of the body bytes. */
export type RequestPart = 'appId' | 'timestamp' | 'nonce' | 'method' | 'path' | 'query' | 'body' | 'body-sha256' | 'body-sm3'

interface SignedHeaders {
  timestamp: TimestampFormat
  canonical: readonly RequestPart[]
  separator: string
  /** Header names; `appId` and `nonce` only when the department wants them sent. */
  headers: { signature: string, timestamp: string, appId?: string, nonce?: string }
}

/** HMAC over parts of the request, sent in headers (e.g. `x-app-id`, `x-timestamp`, `x-nonce`, `x-sign`). */
export interface HmacHeadersAuth extends SignedHeaders {
  type: 'hmac-headers'
  algorithm: 'hmac-sha256' | 'hmac-sm3'
  encoding: DigestEncoding
}

/** SM2 signature (GM/T 0009, r || s) over parts of the request, sent in headers. */
export interface Sm2Auth extends SignedHeaders {
  type: 'sm2'
  encoding: 'hex' | 'base64'
  /** The signer ID hashed into Z_A; 1234567812345678 unless the department says otherwise. */
  userId?: string
}

/** HTTP basic authentication; for an SFTP file drop, password authentication with the same credentials. */
export interface BasicAuth { type: 'basic' }

/** An SFTP file drop's public-key authentication (the key in OpenSSH or PEM form, optionally with its passphrase). */
export interface SftpKeyAuth { type: 'sftp-key' }

export type AuthDeclaration = OAuth2ClientCredentialsAuth | JsonTokenAuth | SignedParamsAuth | HmacHeadersAuth | Sm2Auth | BasicAuth | SftpKeyAuth
export type AuthType = AuthDeclaration['type']
/** The strategies that sign HTTP requests (every one but the SSH key of a file drop). */
export type HttpAuthDeclaration = Exclude<AuthDeclaration, SftpKeyAuth>

// Identifiers share one schema instance: every other credential field is a secret.
const id = z.string().min(1)
const secret = z.string().min(1)

/** The credentials an instance must give for each strategy (in the configuration or the vault). */
export const AUTH_CREDENTIALS = {
  'oauth2-client-credentials': z.object({ clientId: id, clientSecret: secret }),
  'json-token': z.object({ clientId: id, clientSecret: secret }),
  'signed-params': z.object({ appId: id, appSecret: secret }),
  'hmac-headers': z.object({ appId: id, appSecret: secret }),
  sm2: z.object({ appId: id, privateKey: secret.regex(/^[0-9a-f]{64}$/i, 'an SM2 private key: 64 hex digits') }),
  basic: z.object({ username: id, password: secret }),
  'sftp-key': z.object({ username: id, privateKey: secret.regex(/^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, 'a private key in OpenSSH or PEM form (-----BEGIN … PRIVATE KEY-----)'), passphrase: secret.optional() }),
} as const satisfies Record<AuthType, z.ZodObject>

export type CredentialsOf<T extends AuthType> = z.infer<(typeof AUTH_CREDENTIALS)[T]>

// The data key of encrypted fields is a secret too, whatever the auth strategy.
const SECRET_KEYS: ReadonlySet<string> = new Set([...Object.values(AUTH_CREDENTIALS).flatMap((schema) =>
  Object.entries(schema.shape).filter(([, field]) => field !== id).map(([key]) => key)), ...Object.keys(DATA_KEY_CREDENTIALS.shape)])

/** The secret entries (never the identifiers) of configured credentials, for checks such as "no published secret". */
export function secretCredentials (credentials: Readonly<Record<string, string>> | 'vault' | undefined): Array<[key: string, value: string]> {
  if (credentials === undefined || credentials === 'vault') return []
  return Object.entries(credentials).filter(([key]) => SECRET_KEYS.has(key))
}
