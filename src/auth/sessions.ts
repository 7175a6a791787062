// Server-side sessions in Redis. The cookie carries a random id; Redis keeps only its SHA-256, so
// a copy of Redis's data signs nobody in. A session ends after `idleMs` without a request or
// `absoluteMs` after sign-in, whichever comes first; signing in always starts a new session
// (no fixation), and every session of a staff member can be ended at once. A session also keeps
// the department apps it signed in to, so that ending it signs the staff member out of them too.
//
// On a Redis Cluster the keys of one session and the index of a staff member's sessions live on
// different slots, so no command or transaction here spans both: each touches one key.
import { createHash, randomBytes } from 'node:crypto'
import type { Redis } from '../redis/connect.ts'

export interface Session {
  staffId: number
  /** The synchronizer token forms and cookie-authenticated API calls must send back. */
  csrf: string
  createdAt: number
  /** How the staff member signed in: 'password', 'password+totp', or the upstream provider. */
  method: string
}

export interface SessionOptions { idleMs: number, absoluteMs: number }

export const DEFAULT_SESSION_OPTIONS: SessionOptions = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 }

const digest = (id: string): string => createHash('sha256').update(id).digest('base64url')
const sessionKey = (id: string): string => `tb:session:${digest(id)}`
const staffKey = (staffId: number): string => `tb:staff-sessions:${staffId}`
const appsKey = (sessionDigest: string): string => `tb:session-apps:${sessionDigest}`

/** Told, when sessions end by signing out (or an account's sessions are ended), of the apps signed in through them. */
export type SessionEndListener = (apps: string[]) => Promise<void>

export class SessionStore {
  private readonly endListeners: SessionEndListener[] = []

  constructor (private readonly redis: Redis, readonly options: SessionOptions = DEFAULT_SESSION_OPTIONS) {}

  /** Single logout: `listener` hears of the department apps each ended session signed in to. */
  onEnd (listener: SessionEndListener): void {
    this.endListeners.push(listener)
  }

  /**
   * Notes a department app the session signed the staff member in to (an opaque entry of the
   * protocol's own: `oidc:…`, `cas:…`), for single logout when the session ends.
   */
  async noteApp (id: string, entry: string): Promise<void> {
    const key = appsKey(digest(id))
    await this.redis.multi().sadd(key, entry).pexpire(key, this.options.absoluteMs).exec()
  }

  private async ended (digests: string[]): Promise<void> {
    // A store without listeners (a CLI process) leaves the notes to expire with the sessions.
    if (this.endListeners.length === 0) return
    const apps: string[] = []
    for (const d of digests) {
      const [[, members]] = await this.redis.multi().smembers(appsKey(d)).del(appsKey(d)).exec() as [[Error | null, string[]]]
      apps.push(...members)
    }
    if (apps.length === 0) return
    for (const listener of this.endListeners) await listener(apps)
  }

  async create (staffId: number, method: string): Promise<{ id: string, session: Session }> {
    const id = randomBytes(32).toString('base64url')
    const session: Session = { staffId, csrf: randomBytes(24).toString('base64url'), createdAt: Date.now(), method }
    // Indexed before it exists: a session is never live without being in its staff member's index
    // (destroyAllOf must find it); a create that stops half-way leaves only a digest of nothing.
    await this.redis.multi().sadd(staffKey(staffId), digest(id)).pexpire(staffKey(staffId), this.options.absoluteMs).exec()
    await this.redis.set(sessionKey(id), JSON.stringify(session), 'PX', Math.min(this.options.idleMs, this.options.absoluteMs))
    return { id, session }
  }

  /** The live session for a cookie value, its idle timer restarted; undefined when it ended. */
  async get (id: string): Promise<Session | undefined> {
    const key = sessionKey(id)
    const raw = await this.redis.get(key)
    if (raw === null) return undefined
    const session = JSON.parse(raw) as Session
    const left = session.createdAt + this.options.absoluteMs - Date.now()
    if (left <= 0) {
      await this.destroy(id)
      return undefined
    }
    await this.redis.pexpire(key, Math.min(this.options.idleMs, left))
    return session
  }

  async destroy (id: string): Promise<void> {
    const raw = await this.redis.getdel(sessionKey(id))
    if (raw !== null) await this.redis.srem(staffKey((JSON.parse(raw) as Session).staffId), digest(id))
    await this.ended([digest(id)])
  }

  /** Ends every session of the staff member; returns how many were live. */
  async destroyAllOf (staffId: number): Promise<number> {
    const digests = await this.redis.smembers(staffKey(staffId))
    if (digests.length === 0) return 0
    // One DEL per session: a cluster refuses a DEL of keys on several slots.
    const removed = (await Promise.all(digests.map(async (d) => await this.redis.del(`tb:session:${d}`)))).reduce((a, b) => a + b, 0)
    await this.redis.del(staffKey(staffId))
    await this.ended(digests)
    return removed
  }
}
