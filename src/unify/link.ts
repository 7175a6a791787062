// Linking across departments: what one department says about another entity inside its record
// becomes an observation of that entity, with the same provenance — so where it differs from
// another source, a conflict opens there. Two ways: the records an adapter's declared `links`
// mapped beside a record (an insured person's employer), and, for every enterprise whatever its
// source, its legal representative (name and ID number) as a partial person record; the
// enterprise keeps the ID number, which links the two both ways.
import type { MappedRecord } from '../model/intake.ts'

export function withLinkedRecords (records: readonly MappedRecord[]): readonly MappedRecord[] {
  const all = records.some((r) => r.linked) ? records.flatMap((r) => r.linked ? [r, ...r.linked] : [r]) : records
  let out: MappedRecord[] | undefined
  for (const record of all) {
    if (record.kind !== 'enterprise') continue
    const rep = record.data.legalRepresentative as { name?: string, idNumber?: string } | undefined
    if (!rep?.idNumber) continue
    const data: Record<string, unknown> = { idNumber: rep.idNumber }
    if (rep.name) data.name = rep.name
    ;(out ??= [...all]).push({ kind: 'person', key: rep.idNumber, sourceId: record.sourceId, observedAt: record.observedAt, data })
  }
  return out ?? all
}
