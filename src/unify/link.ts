// Linking across departments: what one department says about a person inside another record
// becomes an observation of that person, with the same provenance. Today: an enterprise's legal
// representative (name and ID number) is a partial person record; the enterprise keeps the
// ID number, which links the two both ways.
import type { MappedRecord } from '../model/intake.ts'

export function withLinkedRecords (records: readonly MappedRecord[]): readonly MappedRecord[] {
  let out: MappedRecord[] | undefined
  for (const record of records) {
    if (record.kind !== 'enterprise') continue
    const rep = record.data.legalRepresentative as { name?: string, idNumber?: string } | undefined
    if (!rep?.idNumber) continue
    const data: Record<string, unknown> = { idNumber: rep.idNumber }
    if (rep.name) data.name = rep.name
    ;(out ??= [...records]).push({ kind: 'person', key: rep.idNumber, sourceId: record.sourceId, observedAt: record.observedAt, data })
  }
  return out ?? records
}
