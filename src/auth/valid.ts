// Input that did not come through a route schema (the CLI) gets the same TB_VALIDATION answer.
import type { z } from 'zod'
import { TongbanError } from '../errors.ts'

export function valid<S extends z.ZodType> (schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  throw new TongbanError('TB_VALIDATION', [`${issue.path.join('.') || 'input'}: ${issue.message}`])
}
