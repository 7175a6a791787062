// Signed roots across the chains. Every chain can be rewritten with fresh hashes by whoever can
// write the table (SM3 takes no key); a root, every chain's head at one moment signed with the
// platform's SM2 audit key, pins them: `tongban audit verify` checks each root's signature and that
// its heads are still on their chains. The key is generated on first use and its private half kept
// sealed by the credential vault (audit_keys); its public half is printed by verify, to be kept
// outside the database, since whoever can write the tables can also add a key of their own.
import type { Db, Queryable } from '../store/db.ts'
import type { Vault } from '../vault/vault.ts'
import { sm3 } from '../crypto/index.ts'
import { sm2KeyPair, sm2Sign } from '../crypto/sm2.ts'
import { canonicalTime } from './entry.ts'

/** How often the scheduler writes a root, unless TONGBAN_AUDIT_ROOT_EVERY_MS says otherwise. */
export const AUDIT_ROOT_EVERY_MS = 600_000

const KEY_LOCK = 7_242_017 // migrate.ts holds 7_242_015, the single-chain appender held 7_242_016

export interface ChainHead { chain: string, seq: number, hash: string }

/** root = SM3(UTF-8 of the JSON array of [chain, seq, hash], sorted by chain). */
export function rootOf (heads: readonly ChainHead[]): string {
  const canonical = JSON.stringify([...heads].sort((a, b) => a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0).map((h) => [h.chain, h.seq, h.hash]))
  return sm3(Buffer.from(canonical, 'utf8')).toString('hex')
}

/** What is signed: the root's id and time (microseconds, UTC) with the root. */
export const signedText = (id: number, at: string, root: string): string => `tongban audit root ${id} ${at} ${root}`

const keyRef = (id: number): readonly [string, string, string] => ['audit_keys', 'private_key', String(id)]

interface SigningKey { id: number, privateKey: string }

/** The newest audit key, or a new one when there is none (one process creates it). */
async function signingKey (db: Db, vault: Vault): Promise<SigningKey> {
  const newest = async (q: Queryable): Promise<SigningKey | undefined> => {
    const { rows: [row] } = await q.query<{ id: number, private_key: Uint8Array }>('SELECT id, private_key FROM audit_keys ORDER BY id DESC LIMIT 1')
    return row ? { id: row.id, privateKey: (await vault.decrypt(q, keyRef(row.id), row.private_key)).toString('utf8') } : undefined
  }
  return await newest(db) ?? await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK])
    const made = await newest(tx)
    if (made) return made
    const { privateKey, publicKey } = sm2KeyPair()
    const { rows: [{ id }] } = await tx.query<{ id: number }>("SELECT nextval(pg_get_serial_sequence('audit_keys', 'id'))::int AS id") as { rows: [{ id: number }] }
    const sealed = await vault.encrypt(tx, keyRef(id), Buffer.from(privateKey, 'utf8'))
    await tx.query('INSERT INTO audit_keys (id, public_key, private_key) VALUES ($1, $2, $3)', [id, publicKey, sealed])
    return { id, privateKey }
  })
}

export interface WrittenRoot { id: number, at: string, root: string, heads: ChainHead[] }

/**
 * Signs every chain's committed head. Nothing is written when no chain moved since the last root
 * (an idle log does not grow a root every round).
 */
export async function writeAuditRoot (db: Db, vault: Vault, now = new Date()): Promise<WrittenRoot | undefined> {
  const { rows: heads } = await db.query<ChainHead>('SELECT chain, seq, hash FROM audit_chains WHERE seq > 0 ORDER BY chain')
  if (heads.length === 0) return undefined
  const root = rootOf(heads)
  const { rows: [last] } = await db.query<{ root: string }>('SELECT root FROM audit_roots ORDER BY id DESC LIMIT 1')
  if (last?.root === root) return undefined
  const key = await signingKey(db, vault)
  const at = canonicalTime(now)
  const { rows: [{ id }] } = await db.query<{ id: number }>("SELECT nextval(pg_get_serial_sequence('audit_roots', 'id')) AS id") as { rows: [{ id: number }] }
  const signature = sm2Sign(key.privateKey, signedText(id, at, root))
  await db.query('INSERT INTO audit_roots (id, at, heads, root, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)',
    [id, at, JSON.stringify(heads), root, key.id, signature])
  return { id, at, root, heads }
}

/** The scheduler's round: a root when the vault is open (it keeps the signing key), else nothing to sign with. */
export function auditRootRound (platform: { db: Db, vault?: Vault | undefined }): () => Promise<WrittenRoot | string | undefined> {
  return async () => platform.vault ? await writeAuditRoot(platform.db, platform.vault) : 'no vault in this process (TONGBAN_MASTER_KEY unset): no audit root signed'
}
