// A bearer token shared by every request of a connection: fetched once for all requests waiting on
// it and cached until shortly before it expires (OAuth2's token and a department's own token call).
import type { AuthContext } from './types.ts'

export interface BearerState { token?: { value: string, expiresAt: number }, inFlight?: Promise<string> | undefined }

/** A freshly fetched token and its lifetime. */
export interface FetchedToken { value: string, ttlSeconds: number }

export async function bearer (ctx: AuthContext<any, BearerState>, fetch: () => Promise<FetchedToken>): Promise<string> {
  const { state } = ctx
  if (state.token && state.token.expiresAt > ctx.now().getTime()) return state.token.value
  state.inFlight ??= fetch().then(({ value, ttlSeconds }) => {
    // Renew a little early so a token never expires between our check and the department's.
    state.token = { value, expiresAt: ctx.now().getTime() + Math.max(ttlSeconds - 30, ttlSeconds / 2) * 1000 }
    return value
  }).finally(() => { state.inFlight = undefined })
  return await state.inFlight
}
