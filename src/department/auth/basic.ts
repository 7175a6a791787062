// HTTP basic authentication (RFC 7617), user name and password as UTF-8.
import { AUTH_CREDENTIALS, type BasicAuth, type CredentialsOf } from '../../adapter-sdk/index.ts'
import type { AuthStrategy } from './types.ts'

export const basic: AuthStrategy<BasicAuth, CredentialsOf<'basic'>> = {
  credentials: AUTH_CREDENTIALS.basic,
  state: () => undefined,
  async apply (request, credentials) {
    const { username, password } = await credentials()
    request.headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
  },
}
