// Walks the audit chain from the first row and reports the first row that is not what was
// appended. What it detects, and what it cannot:
// - an edited row: its hash no longer matches its fields (reported at that row);
// - a deleted row: its id is missing (ids are gapless) or, if later rows were renumbered, the next
//   row's prev_hash does not match;
// - a truncated tail, or a chain rewritten from some row on with freshly computed hashes (SM3
//   needs no key, so whoever can write the table can do that): only against an anchor, a head
//   (id and hash) recorded earlier outside the database, e.g. the output of an earlier verify.
import type { Queryable } from '../store/db.ts'
import { chainHash, fieldsOfRow, GENESIS_HASH } from './entry.ts'

export interface AuditAnchor { id: number, hash: string }

export interface AuditVerification {
  ok: boolean
  /** Rows found sound, from the first on. */
  rows: number
  /** The last row found sound (the last row, when ok): kept outside the database, it is a later verification's anchor. */
  head: AuditAnchor | null
  firstBad?: { id: number, reason: string }
}

const ANCHOR = /^(\d{1,15}):([0-9a-f]{64})$/

/** `<id>:<hash>`, as printed in `head` by an earlier verification; undefined if malformed. */
export function parseAnchor (text: string): AuditAnchor | undefined {
  const m = ANCHOR.exec(text.trim())
  return m ? { id: Number(m[1]), hash: m[2]! } : undefined
}

/** Heads given as `<id>:<hash>` texts (API, portal): the anchors, or the first text that is none. */
export function parseAnchors (parts: readonly string[]): { anchors: AuditAnchor[] } | { invalid: string } {
  const anchors: AuditAnchor[] = []
  for (const part of parts) {
    const anchor = parseAnchor(part)
    if (!anchor) return { invalid: part }
    anchors.push(anchor)
  }
  return { anchors }
}

const PAGE = 2000

export async function verifyAudit (db: Queryable, opts: { anchors?: readonly AuditAnchor[] } = {}): Promise<AuditVerification> {
  const anchors = new Map((opts.anchors ?? []).map((a) => [a.id, a.hash]))
  let prevId = 0
  let prevHash = GENESIS_HASH
  let rows = 0
  const result = (firstBad?: { id: number, reason: string }): AuditVerification => ({
    ok: firstBad === undefined, rows, head: prevId === 0 ? null : { id: prevId, hash: prevHash }, ...(firstBad ? { firstBad } : {}),
  })
  for (;;) {
    // The time as text at the stored precision: a Date would drop microseconds an edit may change.
    const { rows: page } = await db.query<Record<string, unknown>>(
      `SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, actor, actor_kind, roles, town, action,
         subject_kind, subject, purpose, client_ip, outcome, details, prev_hash, hash
       FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`, [prevId, PAGE])
    for (const r of page) {
      const id = r.id as number
      if (id !== prevId + 1) {
        const missing = id === prevId + 2 ? `row ${prevId + 1} is` : `rows ${prevId + 1} to ${id - 1} are`
        return result({ id: prevId + 1, reason: `${missing} missing: deleted` })
      }
      if (r.prev_hash !== prevHash) {
        return result({ id, reason: prevId === 0 ? 'the first row does not start from the genesis hash: rows before it were deleted' : `prev_hash does not match the hash of row ${prevId}: that row was rewritten, or rows were deleted and renumbered` })
      }
      if (chainHash(prevHash, id, fieldsOfRow(r, r.at as string)) !== r.hash) return result({ id, reason: 'the hash does not match the row: it was edited' })
      const anchored = anchors.get(id)
      if (anchored !== undefined && anchored !== r.hash) {
        return result({ id, reason: `the hash differs from the one recorded for row ${id}: the log was rewritten up to here` })
      }
      prevId = id
      prevHash = r.hash as string
      rows++
    }
    if (page.length < PAGE) break
  }
  const beyond = [...anchors.keys()].filter((id) => id > prevId).sort((a, b) => a - b)[0]
  if (beyond !== undefined) return result({ id: beyond, reason: `row ${beyond} was recorded as appended but is gone: the tail was truncated` })
  return result()
}
