// What a whistle owes the departments' systems: an outbox row per summoned department that has a
// system (`webhook` in whistles.departments), written in the step's own transaction. The
// departments' webhook sender (src/outbox) delivers rows whose instance is `department:<code>`.
import type { DepartmentConfig } from '../config/whistles.ts'
import type { ClockName } from '../model/whistle.ts'
import type { OutboxCall } from '../store/outbox.ts'
import type { WhistleRow } from '../store/whistles.ts'

/** The deadlines in force per department, as events carry them; null for a clock the calendar cannot compute. */
export type Deadlines = Record<string, Partial<Record<ClockName, string | null>>>

export type Notice = 'blown' | 'reminder' | 'reopened' | 'closed' | 'extension-decided'

/** Outbox rows `whistle.<notice>` to those of `codes` with a system; the input is the whistle as the department sees it. */
export function departmentNotices (departments: readonly DepartmentConfig[], w: WhistleRow, notice: Notice, codes: readonly string[], deadlines: Deadlines | undefined, extra: Record<string, unknown> = {}): OutboxCall[] {
  return codes.filter((code) => departments.find((d) => d.code === code)?.webhook !== undefined).map((department) => ({
    subject: `whistle:${w.id}`,
    instance: `department:${department}`,
    operation: `whistle.${notice}`,
    input: {
      whistleId: w.id, type: w.type.id, typeName: w.type.name, title: w.title, description: w.description, town: w.town, division: w.division,
      department, deadlines: deadlines?.[department] ?? null, ...extra,
    },
  }))
}
