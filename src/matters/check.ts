// Checks matter versions against the model before anything is stored: a version that does not fit
// is set aside whole (never stored in part), with what was wrong and enough to find it again.
import { z } from 'zod'
import { Matter } from '../model/matter.ts'

/** The model, plus what the store relies on: an instant it can order arrivals by, dates in order, no NUL (jsonb refuses it). */
export const StorableMatter = Matter
  .refine((m) => !JSON.stringify(m).includes('\\u0000'), { message: 'text holds a NUL character' })
  .refine((m) => !Number.isNaN(Date.parse(m.updatedAt)), { path: ['updatedAt'], message: 'an ISO 8601 instant' })
  .refine((m) => m.effectiveUntil === undefined || m.effectiveUntil >= m.effectiveFrom, { path: ['effectiveUntil'], message: 'not before effectiveFrom' })
  .refine((m) => m.taskHandleItem.startsWith(m.taskCode), { path: ['taskHandleItem'], message: 'starts with taskCode' })

export interface RejectedMatter {
  taskHandleItem: string | null
  version: number | null
  /** `path: message` per problem. */
  problems: string[]
}

export function describeIssues (error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(matter)'}: ${i.message}`)
}

export function checkMatters (items: readonly unknown[]): { valid: Matter[], rejected: RejectedMatter[] } {
  const valid: Matter[] = []
  const rejected: RejectedMatter[] = []
  for (const item of items) {
    const parsed = StorableMatter.safeParse(item)
    if (parsed.success) {
      valid.push(parsed.data)
      continue
    }
    const raw = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>
    rejected.push({
      taskHandleItem: typeof raw.taskHandleItem === 'string' ? raw.taskHandleItem : null,
      version: typeof raw.version === 'number' ? raw.version : null,
      problems: describeIssues(parsed.error),
    })
  }
  return { valid, rejected }
}
