// A report's current values, computed from its events: the report's fields, each correction's
// changes laid over them in order. Pure: the view, the portal and the tests read it the same way.
import type { RiskEvent, RiskFields } from '../model/risk.ts'

export interface RiskCurrent extends RiskFields {
  /** The fields some correction changed, in the order first changed. */
  corrected: Array<keyof RiskFields>
}

export function currentOf (events: readonly RiskEvent[]): RiskCurrent {
  const report = events.find((e) => e.action === 'report')
  if (!report) throw new Error('a risk report without its report event')
  const values = { ...(report.data as unknown as RiskFields) }
  const corrected: Array<keyof RiskFields> = []
  for (const e of events) {
    if (e.action !== 'correct') continue
    const changes = (e.data.changes ?? {}) as Partial<RiskFields>
    Object.assign(values, changes)
    for (const key of Object.keys(changes) as Array<keyof RiskFields>) if (!corrected.includes(key)) corrected.push(key)
  }
  return { category: values.category, village: values.village, address: values.address, location: values.location ?? null, description: values.description, photos: values.photos ?? [], severity: values.severity, corrected }
}
