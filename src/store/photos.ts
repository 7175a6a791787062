// The photos table (migration 016): what was accepted into the photo store, by SHA-256, and who
// sent it first. The bytes live in the photo store (src/photos); this row is what a report's
// reference is checked against and what a reader is told about the photo.
import type { Queryable } from './db.ts'

export interface PhotoRow {
  sha256: string
  contentType: string
  size: number
  width: number | null
  height: number | null
  locationKept: boolean
  uploadedBy: { kind: string, id: string, name: string }
  uploadedAt: string
}

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString()

function toPhoto (r: Record<string, unknown>): PhotoRow {
  return {
    sha256: r.sha256 as string,
    contentType: r.content_type as string,
    size: r.size as number,
    width: (r.width ?? null) as number | null,
    height: (r.height ?? null) as number | null,
    locationKept: r.location_kept as boolean,
    uploadedBy: r.uploaded_by as PhotoRow['uploadedBy'],
    uploadedAt: iso(r.uploaded_at),
  }
}

/** Records an accepted photo; the same bytes sent again keep their first row. */
export async function recordPhoto (db: Queryable, p: PhotoRow): Promise<void> {
  await db.query(
    `INSERT INTO photos (sha256, content_type, size, width, height, location_kept, uploaded_by, uploaded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) ON CONFLICT (sha256) DO NOTHING`,
    [p.sha256, p.contentType, p.size, p.width, p.height, p.locationKept, JSON.stringify(p.uploadedBy), p.uploadedAt])
}

export async function getPhoto (db: Queryable, sha256: string): Promise<PhotoRow | undefined> {
  const { rows } = await db.query('SELECT sha256, content_type, size, width, height, location_kept, uploaded_by, uploaded_at FROM photos WHERE sha256 = $1', [sha256])
  return rows[0] && toPhoto(rows[0])
}

/** Those of `hashes` that were never uploaded. */
export async function unknownPhotos (db: Queryable, hashes: readonly string[]): Promise<string[]> {
  if (hashes.length === 0) return []
  const { rows } = await db.query<{ sha256: string }>('SELECT sha256 FROM photos WHERE sha256 = ANY($1::text[])', [hashes])
  const known = new Set(rows.map((r) => r.sha256))
  return hashes.filter((h) => !known.has(h))
}
