// Staff accounts and API tokens (security administration). What `tongban staff …` and
// `tongban token …` call when a gateway holds the embedded database.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import type { SessionStore } from '../../auth/sessions.ts'
import { ROLES } from '../../auth/principal.ts'
import { DepartmentCode, NewStaff, RoleList, TownCode, Username, createStaff, disableStaff, endSessions, findStaff, listStaff, resetPassword, resetTotp, setStaffStatus, updateStaff } from '../../auth/staff.ts'
import { NewToken, createToken, listTokens, revokeToken } from '../../auth/tokens.ts'
import { errorResponses } from '../errors.ts'
import { TongbanError } from '../../errors.ts'
import { line } from '../../model/text.ts'
import { knownDivision } from './schemas.ts'

export const StaffAccount = z.object({
  id: z.number().int(),
  username: z.string(),
  name: z.string(),
  town: z.string(),
  roles: z.array(z.enum(ROLES)),
  department: z.string().nullable().describe("a department liaison's department code (whistles.departments); null for town staff"),
  status: z.enum(['active', 'disabled']),
  hasPassword: z.boolean(),
  hasTotp: z.boolean(),
  lockedUntil: z.string().nullable(),
  federated: z.boolean(),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
}).meta({ id: 'StaffAccount' })

export const ApiTokenInfo = z.object({
  id: z.number().int(),
  name: z.string(),
  roles: z.array(z.enum(ROLES)),
  town: z.string(),
  department: z.string().nullable().describe("a department system's token: the department it answers whistles for"),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
}).meta({ id: 'ApiToken' })

const ByUsername = z.object({ username: Username })

export async function staffRoutes (app: FastifyInstance, opts: { platform: Platform, sessions: SessionStore }): Promise<void> {
  const { db, departments } = opts.platform
  const api = app.withTypeProvider<ZodTypeProvider>()
  const manage = { permission: 'staff:manage' } as const

  api.get('/staff', {
    config: manage,
    schema: { summary: 'Staff accounts', tags: ['security'], response: { 200: z.object({ items: z.array(StaffAccount) }) } },
  }, async () => ({ items: await listStaff(db) }))

  api.post('/staff', {
    config: { ...manage, audit: { action: 'staff.create', subjectKind: 'staff', subjectBody: 'username' } },
    schema: {
      summary: 'Create a staff account',
      description: 'Without `password` the account can only sign in through the identity platform (federation). A `department-liaison` names its `department` (and has no other role); its town is a town of that department\'s county.',
      tags: ['security'],
      body: NewStaff,
      response: { 201: StaffAccount, ...errorResponses('TB_STAFF_EXISTS', 'TB_PASSWORD_WEAK', 'TB_LIAISON_INVALID', 'TB_LIAISON_DEPARTMENT_UNKNOWN') },
    },
  }, async (req, reply) => {
    departments.checkLiaison(req.body)
    return reply.code(201).send(await createStaff(db, req.body))
  })

  api.patch('/staff/:username', {
    config: { ...manage, audit: { action: 'staff.update', subjectKind: 'staff', subjectParam: 'username' } },
    schema: {
      summary: "Change a staff member's name, town, roles or department",
      description: '`department: null` removes it (with the `department-liaison` role).',
      tags: ['security'],
      params: ByUsername,
      body: z.object({ name: line().trim().min(1).max(64).optional(), town: TownCode.optional(), roles: RoleList.optional(), department: DepartmentCode.nullable().optional() }),
      response: { 200: StaffAccount, ...errorResponses('TB_STAFF_NOT_FOUND', 'TB_LIAISON_INVALID', 'TB_LIAISON_DEPARTMENT_UNKNOWN') },
    },
  }, async (req) => {
    const before = await findStaff(db, req.params.username)
    if (!before) throw new TongbanError('TB_STAFF_NOT_FOUND', [req.params.username])
    // The account as it would be: the role, the department and the town are checked together.
    departments.checkLiaison({
      roles: req.body.roles ?? before.roles,
      department: req.body.department === undefined ? before.department : req.body.department,
      town: req.body.town ?? before.town,
    })
    return await updateStaff(db, req.params.username, req.body)
  })

  for (const status of ['disable', 'enable'] as const) {
    api.post(`/staff/:username/${status}`, {
      config: { ...manage, audit: { action: status === 'disable' ? 'staff.disable' : 'staff.enable', subjectKind: 'staff', subjectParam: 'username' } },
      schema: { summary: `${status === 'disable' ? 'Disable' : 'Enable'} a staff account${status === 'disable' ? ' (its sessions end)' : ''}`, tags: ['security'], params: ByUsername, response: { 200: StaffAccount, ...errorResponses('TB_STAFF_NOT_FOUND') } },
    }, async (req) => status === 'disable'
      ? await disableStaff(db, opts.sessions, req.params.username)
      : await setStaffStatus(db, req.params.username, 'active'))
  }

  api.post('/staff/:username/reset-password', {
    config: { ...manage, audit: { action: 'staff.reset-password', subjectKind: 'staff', subjectParam: 'username' } },
    schema: {
      summary: 'Set a new password (unlocks the account, ends its sessions)',
      tags: ['security'],
      params: ByUsername,
      body: z.object({ password: z.string() }),
      response: { 200: StaffAccount, ...errorResponses('TB_STAFF_NOT_FOUND', 'TB_PASSWORD_WEAK') },
    },
  }, async (req) => await resetPassword(db, opts.sessions, req.params.username, req.body.password))

  api.post('/staff/:username/reset-totp', {
    config: { ...manage, audit: { action: 'staff.update', subjectKind: 'staff', subjectParam: 'username' } },
    schema: { summary: 'Remove the authenticator app (the staff member enrols again)', tags: ['security'], params: ByUsername, response: { 200: StaffAccount, ...errorResponses('TB_STAFF_NOT_FOUND') } },
  }, async (req) => await resetTotp(db, req.params.username))

  api.post('/staff/:username/logout', {
    config: { ...manage, audit: { action: 'auth.logout', subjectKind: 'staff', subjectParam: 'username' } },
    schema: { summary: 'End every session of a staff member', tags: ['security'], params: ByUsername, response: { 200: z.object({ ended: z.number().int() }), ...errorResponses('TB_STAFF_NOT_FOUND') } },
  }, async (req) => ({ ended: await endSessions(db, opts.sessions, req.params.username) }))

  api.get('/tokens', {
    config: { permission: 'tokens:manage' },
    schema: { summary: 'API tokens (never their secret)', tags: ['security'], response: { 200: z.object({ items: z.array(ApiTokenInfo) }) } },
  }, async () => ({ items: await listTokens(db) }))

  api.post('/tokens', {
    config: { audit: { action: 'token.create' }, permission: 'tokens:manage' },
    schema: {
      summary: 'Create an API token',
      description: 'The token is in this answer only; the gateway keeps its hash. A department system\'s token has the `department-liaison` role and its `department`; its town lies in that department\'s county.',
      tags: ['security'],
      body: NewToken.refine((t) => knownDivision(t.town), { path: ['town'], message: 'not a division that exists (a town, county, city or province code of the National Bureau of Statistics)' }),
      response: { 201: z.object({ token: z.string(), info: ApiTokenInfo }), ...errorResponses('TB_VALIDATION', 'TB_LIAISON_INVALID', 'TB_LIAISON_DEPARTMENT_UNKNOWN') },
    },
  }, async (req, reply) => {
    departments.checkLiaison(req.body)
    const { token, record } = await createToken(db, req.body, req.principal.username)
    return reply.code(201).send({ token, info: record })
  })

  api.delete('/tokens/:id', {
    config: { audit: { action: 'token.revoke', subjectKind: 'token', subjectParam: 'id' }, permission: 'tokens:manage' },
    schema: { summary: 'Revoke an API token', tags: ['security'], params: z.object({ id: z.coerce.number().int().positive() }), response: { 200: ApiTokenInfo, ...errorResponses('TB_TOKEN_NOT_FOUND') } },
  }, async (req) => await revokeToken(db, req.params.id))
}
