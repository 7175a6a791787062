import { z } from 'zod'

export const enterpriseStatuses = ['in-business', 'revoked', 'deregistered', 'moved-out'] as const

export const RegisteredCapital = z.object({
  amount: z.number().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  text: z.string(),
})
export type RegisteredCapital = z.infer<typeof RegisteredCapital>

export const LegalRepresentative = z.object({
  name: z.string().min(1).max(64),
  idNumber: z.string().regex(/^\d{17}[\dX]$/).optional(),
})

export const EnterpriseFields = z.object({
  creditCode: z.string().regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/, 'an 18-character unified social credit code'),
  name: z.string().min(1).max(256).optional(),
  type: z.string().min(1).max(16).optional(),
  legalRepresentative: LegalRepresentative.optional(),
  address: z.string().min(1).max(256).optional(),
  divisionCode: z.string().regex(/^\d{12}$/).optional(),
  status: z.enum(enterpriseStatuses).optional(),
  establishedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  industryCode: z.string().min(1).max(8).optional(),
  registeredCapital: RegisteredCapital.optional(),
})
export type EnterpriseFields = z.infer<typeof EnterpriseFields>
