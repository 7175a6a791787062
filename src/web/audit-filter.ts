// The audit log's filters, as the API's /audit and the portal's audit page both take them.
import { z } from 'zod'
import { AUDIT_OUTCOMES, maskSubject, type AuditFilter } from '../audit/index.ts'
import { residentId } from '../normalize/index.ts'
import { line } from '../model/text.ts'
import { decodeCursor } from './cursor.ts'

/** The filters the API and the portal's audit page share (the page takes calendar days for from/to). */
export const AuditFilterFields = z.object({
  actor: line().trim().min(1).max(64).optional().describe('username'),
  action: z.string().regex(/^[a-z]+\.([a-z-]+)?$/, 'an action such as person.read, or a family such as auth.').optional()
    .describe('an action, or every action of a family: auth.'),
  subject: line().trim().min(1).max(64).optional()
    .describe('ID number (full: matched against its masked form), phone, credit code, username or id'),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
})

export type AuditSearch = z.output<typeof AuditFilterFields> & { from?: Date | undefined, to?: Date | undefined, cursor?: string | undefined, limit: number }

/** What a subject filter may be stored as: people's numbers masked, credit codes and names whole. */
export function subjectForms (subject: string): string[] {
  const id = residentId(subject)
  const forms = new Set([subject, maskSubject('person', subject)])
  if (id.ok) forms.add(maskSubject('person', id.value))
  return [...forms]
}

/** The store's filter for a search: the subject in every form it may be stored under, the cursor decoded (TB_CURSOR_INVALID). */
export function auditFilter (q: AuditSearch): AuditFilter {
  return {
    actor: q.actor,
    action: q.action,
    subjects: q.subject === undefined ? undefined : subjectForms(q.subject),
    outcome: q.outcome,
    from: q.from,
    to: q.to,
    beforeId: decodeCursor(q.cursor, 'number'),
    limit: q.limit,
  }
}
