import { z } from 'zod'

export const genders = ['male', 'female', 'unknown'] as const
export const personStatuses = ['registered', 'moved-out', 'deceased'] as const

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'an ISO date YYYY-MM-DD')

// What an adapter may say about a resident. Every field but the key is optional: a department
// knows only part of a person, and unify merges the parts field by field.
export const PersonFields = z.object({
  idNumber: z.string().regex(/^\d{17}[\dX]$/, 'an 18-character resident ID number'),
  name: z.string().min(1).max(64).optional(),
  gender: z.enum(genders).optional(),
  birthDate: isoDate.optional(),
  ethnicityCode: z.string().regex(/^\d{2}$/).optional(),
  phone: z.string().min(5).max(20).optional(),
  address: z.string().min(1).max(256).optional(),
  divisionCode: z.string().regex(/^\d{12}$/, 'a 12-digit division code').optional(),
  status: z.enum(personStatuses).optional(),
})
export type PersonFields = z.infer<typeof PersonFields>
