// oidc-provider's storage in Redis: authorization codes, tokens, grants, OP sessions and
// interactions, each under tb:oidc:{state}:<Model>:<id> with the TTL the provider gives it. All of
// it is short-lived and shared by every gateway of a deployment; losing Redis means staff sign in
// to department apps again, nothing more (the same as losing tongban's own sessions).
//
// `{state}` is a Redis Cluster hash tag: a write spans a token, its grant's list and its uid, and a
// revocation deletes a grant's tokens at once, which a cluster allows only within one slot. The
// state of staff signing in to department apps is small, so one slot (one master) carries all of it.
//
// Consumable artefacts (authorization codes, refresh tokens) are hashes whose `consumed` field is
// set with HSETNX: two concurrent redemptions of one code cannot both succeed; the loser revokes
// the grant, as RFC 6749 §4.1.2 asks of a code used twice.
import type { Redis } from '../../redis/connect.ts'
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider'

export const OIDC_PREFIX = 'tb:oidc:'
const STATE_PREFIX = `${OIDC_PREFIX}{state}:`

const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'])
const CONSUMABLE = new Set(['AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'])

const grantKey = (grantId: string): string => `${STATE_PREFIX}grant:${grantId}`
const userCodeKey = (code: string): string => `${STATE_PREFIX}user-code:${code}`

export function redisAdapter (redis: Redis): new (name: string) => Adapter {
  return class RedisAdapter implements Adapter {
    constructor (private readonly name: string) {}

    private key (id: string): string { return `${STATE_PREFIX}${this.name}:${id}` }
    private uidKey (uid: string): string { return `${STATE_PREFIX}${this.name}-uid:${uid}` }

    async upsert (id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const key = this.key(id)
      const ttl = expiresIn !== undefined && expiresIn > 0 ? Math.ceil(expiresIn) : undefined
      const multi = redis.multi()
      if (CONSUMABLE.has(this.name)) multi.del(key).hset(key, 'payload', JSON.stringify(payload))
      else multi.set(key, JSON.stringify(payload))
      if (ttl) multi.expire(key, ttl)
      if (GRANTABLE.has(this.name) && payload.grantId) {
        const list = grantKey(payload.grantId)
        multi.rpush(list, key)
        // The list lives as long as the longest-lived token in it.
        if (ttl && ttl > await redis.ttl(list)) multi.expire(list, ttl)
      }
      if (payload.uid) {
        multi.set(this.uidKey(payload.uid), id)
        if (ttl) multi.expire(this.uidKey(payload.uid), ttl)
      }
      if (payload.userCode) {
        multi.set(userCodeKey(payload.userCode), id)
        if (ttl) multi.expire(userCodeKey(payload.userCode), ttl)
      }
      await multi.exec()
    }

    async find (id: string): Promise<AdapterPayload | undefined> {
      const key = this.key(id)
      if (CONSUMABLE.has(this.name)) {
        const { payload, consumed } = await redis.hgetall(key) as { payload?: string, consumed?: string }
        if (payload === undefined) return undefined
        return { ...JSON.parse(payload) as AdapterPayload, ...(consumed ? { consumed: Number(consumed) } : {}) }
      }
      const raw = await redis.get(key)
      return raw === null ? undefined : JSON.parse(raw) as AdapterPayload
    }

    async findByUid (uid: string): Promise<AdapterPayload | undefined> {
      const id = await redis.get(this.uidKey(uid))
      return id === null ? undefined : await this.find(id)
    }

    async findByUserCode (userCode: string): Promise<AdapterPayload | undefined> {
      const id = await redis.get(userCodeKey(userCode))
      return id === null ? undefined : await this.find(id)
    }

    async consume (id: string): Promise<void> {
      const key = this.key(id)
      const first = await redis.hsetnx(key, 'consumed', Math.floor(Date.now() / 1000))
      if (first === 1) return
      // Another request redeemed it between the provider's check and now.
      const raw = await redis.hget(key, 'payload')
      const grantId = raw === null ? undefined : (JSON.parse(raw) as AdapterPayload).grantId
      if (grantId) await this.revokeByGrantId(grantId)
      throw new errors.InvalidGrant(`${this.name} already consumed`)
    }

    async destroy (id: string): Promise<void> {
      await redis.del(this.key(id))
    }

    async revokeByGrantId (grantId: string): Promise<void> {
      const list = grantKey(grantId)
      const keys = await redis.lrange(list, 0, -1)
      await redis.del(...keys, list)
    }
  }
}
