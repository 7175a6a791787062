// Walks every audit chain from its first row (or from the last row of the months detached after
// export) and reports, per chain, the first row that is not what was appended; then checks every
// signed root. What it detects, and what it cannot:
// - an edited row: its hash no longer matches its fields (reported at that row);
// - a deleted row: its seq is missing (seqs are gapless per chain) or, if later rows were
//   renumbered, the next row's prev_hash does not match;
// - a row moved to another chain: its chain is not its town's county;
// - a truncated tail, or a chain rewritten from some row on with freshly computed hashes (SM3
//   needs no key): against a signed root that names a later head, or against an anchor, a head
//   (chain, seq, hash) recorded earlier outside the database, e.g. the output of an earlier verify.
import type { Queryable } from '../store/db.ts'
import { sm2Verify } from '../crypto/sm2.ts'
import { chainHash, chainOf, fieldsOfRow, GENESIS_HASH, LEGACY_CHAIN, PLATFORM_CHAIN } from './entry.ts'
import { rootOf, signedText, type ChainHead } from './roots.ts'

/** A head recorded earlier; `chain` undefined for the old `<id>:<hash>` form (legacy chain, else platform chain). */
export interface AuditAnchor { chain?: string | undefined, seq: number, hash: string }

export interface ChainVerification {
  chain: string
  /** Rows found sound, from the first on. */
  rows: number
  /** The last row found sound. */
  head: { seq: number, hash: string } | null
  /** Where the chain starts after detached months (the last detached row), if it does. */
  after?: { seq: number, hash: string }
  /** `id`: the row's id in the log, when the row is there. */
  firstBad?: { seq: number, id?: number, reason: string }
}

export interface RootsVerification {
  rows: number
  /** Public keys (SM2, 04||x||y) the sound roots were signed with: compare them with the one kept outside. */
  keys: string[]
  last: { id: number, at: string, root: string } | null
  firstBad?: { id: number, reason: string }
}

export interface AuditVerification {
  ok: boolean
  /** Rows found sound, over all chains. */
  rows: number
  /** The last row found sound in the chain that broke, else the newest head; every chain's is in `chains`. */
  head: (ChainHead & { id?: number }) | null
  firstBad?: { chain: string, seq: number, id?: number, reason: string }
  chains: ChainVerification[]
  roots: RootsVerification
}

const ANCHOR = /^(?:([0-9]{6}|legacy):)?(\d{1,15}):([0-9a-f]{64})$/

/** `<chain>:<seq>:<hash>` as printed by an earlier verification, or the old `<id>:<hash>`; undefined if malformed. */
export function parseAnchor (text: string): AuditAnchor | undefined {
  const m = ANCHOR.exec(text.trim())
  return m ? { chain: m[1], seq: Number(m[2]), hash: m[3]! } : undefined
}

/** Heads given as texts (API, portal): the anchors, or the first text that is none. */
export function parseAnchors (parts: readonly string[]): { anchors: AuditAnchor[] } | { invalid: string } {
  const anchors: AuditAnchor[] = []
  for (const part of parts) {
    const anchor = parseAnchor(part)
    if (!anchor) return { invalid: part }
    anchors.push(anchor)
  }
  return { anchors }
}

/** A hash some row must have: from an anchor or a signed root. */
interface Pin { hash: string, source: string }

const PAGE = 2000

// The time as text at the stored precision: a Date would drop microseconds an edit may change.
const ROW_COLUMNS = `id, chain, seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, actor, actor_kind, roles, town,
  action, subject_kind, subject, purpose, client_ip, outcome, details, prev_hash, hash`

async function verifyChain (db: Queryable, chain: string, after: ChainHead | undefined, pins: Map<number, Pin[]>): Promise<ChainVerification & { headId: number }> {
  const start = after ?? { chain, seq: 0, hash: GENESIS_HASH }
  let prevSeq = start.seq
  let prevHash = start.hash
  let headId = 0
  let rows = 0
  const result = (firstBad?: { seq: number, id?: number, reason: string }): ChainVerification & { headId: number } => ({
    chain, rows, head: prevSeq === 0 ? null : { seq: prevSeq, hash: prevHash }, headId,
    ...(after ? { after: { seq: after.seq, hash: after.hash } } : {}), ...(firstBad ? { firstBad } : {}),
  })
  for (;;) {
    const { rows: page } = await db.query<Record<string, unknown>>(
      `SELECT ${ROW_COLUMNS} FROM audit_log WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [chain, prevSeq, PAGE])
    for (const r of page) {
      const seq = r.seq as number
      const id = r.id as number
      if (seq === prevSeq) return result({ seq, id, reason: `seq ${seq} appears twice: a row was copied or inserted` })
      if (seq !== prevSeq + 1) {
        const missing = seq === prevSeq + 2 ? `row ${prevSeq + 1} is` : `rows ${prevSeq + 1} to ${seq - 1} are`
        return result({ seq: prevSeq + 1, reason: `${missing} missing: deleted` })
      }
      if (r.prev_hash !== prevHash) {
        const reason = prevSeq === 0
          ? 'the first row does not start from the genesis hash: rows before it were deleted'
          : after && prevSeq === after.seq
            ? `prev_hash does not match the last row of the detached months (${after.seq}, as exported)`
            : `prev_hash does not match the hash of row ${prevSeq}: that row was rewritten, or rows were deleted and renumbered`
        return result({ seq, id, reason })
      }
      if (chainHash(prevHash, seq, fieldsOfRow(r, r.at as string)) !== r.hash) return result({ seq, id, reason: 'the hash does not match the row: it was edited' })
      if (chain !== LEGACY_CHAIN && chainOf(r.town as string | null) !== chain) return result({ seq, id, reason: `the row's town is not of county ${chain}: it was moved between chains` })
      const wrong = pins.get(seq)?.find((p) => p.hash !== r.hash)
      if (wrong) return result({ seq, id, reason: `the hash differs from the one recorded for row ${seq} (${wrong.source}): the chain was rewritten up to here` })
      prevSeq = seq
      prevHash = r.hash as string
      headId = id
      rows++
    }
    if (page.length < PAGE) break
  }
  // Pins at or below the detached boundary name rows that were exported: only the boundary is kept.
  for (const [seq, list] of pins) {
    const wrong = seq === start.seq && seq > 0 ? list.find((p) => p.hash !== start.hash) : undefined
    if (wrong) return result({ seq, reason: `the hash differs from the one recorded for row ${seq} (${wrong.source}): the detached months' record was rewritten` })
  }
  const beyond = [...pins.keys()].filter((seq) => seq > prevSeq).sort((a, b) => a - b)[0]
  if (beyond !== undefined) return result({ seq: beyond, reason: `row ${beyond} was recorded as appended (${pins.get(beyond)![0]!.source}) but is gone: the tail was truncated` })
  return result()
}

interface RootRow { id: number, at: string, heads: ChainHead[], root: string, key_id: number, signature: string, public_key: string | null }

async function verifyRoots (db: Queryable): Promise<{ roots: RootsVerification, sound: RootRow[] }> {
  const { rows } = await db.query<RootRow>(
    `SELECT r.id, to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, r.heads, r.root, r.key_id, r.signature, k.public_key
     FROM audit_roots r LEFT JOIN audit_keys k ON k.id = r.key_id ORDER BY r.id`)
  const sound: RootRow[] = []
  const keys = new Set<string>()
  const summary = (firstBad?: { id: number, reason: string }): { roots: RootsVerification, sound: RootRow[] } => {
    const last = sound[sound.length - 1]
    return { roots: { rows: sound.length, keys: [...keys], last: last ? { id: last.id, at: last.at, root: last.root } : null, ...(firstBad ? { firstBad } : {}) }, sound }
  }
  for (const r of rows) {
    if (rootOf(r.heads) !== r.root) return summary({ id: r.id, reason: 'the root does not match its heads: the heads were edited' })
    if (!r.public_key || !sm2Verify(r.public_key, signedText(r.id, r.at, r.root), r.signature)) {
      return summary({ id: r.id, reason: `the signature does not verify with audit key ${r.key_id}: the root was forged or edited` })
    }
    keys.add(r.public_key)
    sound.push(r)
  }
  return summary()
}

/** Every chain's starting point after detached months: the last row exported of each. */
async function detachedBoundaries (db: Queryable): Promise<Map<string, ChainHead>> {
  const { rows } = await db.query<{ lasts: ChainHead[] }>('SELECT lasts FROM audit_exports WHERE detached_at IS NOT NULL')
  const after = new Map<string, ChainHead>()
  for (const last of rows.flatMap((r) => r.lasts)) {
    if ((after.get(last.chain)?.seq ?? 0) < last.seq) after.set(last.chain, last)
  }
  return after
}

export async function verifyAudit (db: Queryable, opts: { anchors?: readonly AuditAnchor[] } = {}): Promise<AuditVerification> {
  const { roots, sound } = await verifyRoots(db)
  const after = await detachedBoundaries(db)
  const { rows: present } = await db.query<{ chain: string }>('SELECT DISTINCT chain FROM audit_log')
  const { rows: [legacy] } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE chain = $1', [LEGACY_CHAIN])
  const oldFormChain = (legacy?.n ?? 0) > 0 || after.has(LEGACY_CHAIN) ? LEGACY_CHAIN : PLATFORM_CHAIN

  const pins = new Map<string, Map<number, Pin[]>>()
  const pin = (chain: string, seq: number, p: Pin): void => {
    let bySeq = pins.get(chain)
    if (!bySeq) pins.set(chain, bySeq = new Map())
    bySeq.set(seq, [...bySeq.get(seq) ?? [], p])
  }
  for (const a of opts.anchors ?? []) pin(a.chain ?? oldFormChain, a.seq, { hash: a.hash, source: 'anchor' })
  for (const r of sound) for (const h of r.heads) pin(h.chain, h.seq, { hash: h.hash, source: `root ${r.id}` })

  const names = [...new Set([...present.map((r) => r.chain), ...after.keys(), ...pins.keys()])].sort()
  const chains: Array<ChainVerification & { headId: number }> = []
  for (const chain of names) chains.push(await verifyChain(db, chain, after.get(chain), pins.get(chain) ?? new Map()))

  const broken = chains.find((c) => c.firstBad)
  const newest = [...chains].filter((c) => c.head).sort((a, b) => b.headId - a.headId)[0]
  const shown = broken ?? newest
  return {
    ok: broken === undefined && roots.firstBad === undefined,
    rows: chains.reduce((n, c) => n + c.rows, 0),
    head: shown?.head ? { chain: shown.chain, ...shown.head, ...(shown.headId > 0 ? { id: shown.headId } : {}) } : null,
    ...(broken ? { firstBad: { chain: broken.chain, ...broken.firstBad! } } : {}),
    chains: chains.map(({ headId, ...c }) => c),
    roots,
  }
}
