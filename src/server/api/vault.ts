// The credential vault through the API (security administration): department service credentials
// per adapter instance, and the department account each staff member acts as. Secrets go in and
// never come out here; adapters get them, decrypted, only for the call that uses them.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import { findStaff, Username } from '../../auth/staff.ts'
import { deleteServiceCredentials, deleteStaffAccount, listStaffAccounts, putServiceCredentials, putStaffAccount } from '../../vault/credentials.ts'
import type { Vault } from '../../vault/vault.ts'
import { vaultStatus } from '../../vault/status.ts'
import { VAULT_ALGORITHMS } from '../../vault/envelope.ts'
import { errorResponses } from '../errors.ts'
import { departmentOfInstance } from '../../departments/registry.ts'
import { line } from '../../model/text.ts'

const Adapter = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'an adapter instance id')
/** Service credentials belong to an adapter instance, or to a department's system (`department:<code>`: its webhook `{url, secret}`). */
const CredentialsOwner = z.string().regex(/^(department:)?[a-z][a-z0-9-]{1,62}$/, 'an adapter instance id, or department:<code>')

export const DepartmentAccount = z.object({
  adapter: z.string(),
  username: z.string(),
  hasPassword: z.boolean(),
  updatedAt: z.string(),
}).meta({ id: 'DepartmentAccount' })

export const VaultStatus = z.object({
  database: z.enum(['pglite', 'postgres']),
  algorithm: z.enum(VAULT_ALGORITHMS).describe('what new secrets are sealed with'),
  masterKey: z.object({ id: z.string().describe('names the key without revealing it'), source: z.string().describe('the environment variable or file the gateway read it from') }),
  keys: z.array(z.object({ id: z.number().int(), masterKeyId: z.string(), createdAt: z.string(), retiredAt: z.string().nullable() })),
  secrets: z.array(z.object({ table: z.string(), column: z.string(), keyId: z.number().int(), algorithm: z.enum(VAULT_ALGORITHMS), count: z.number().int() })),
}).meta({ id: 'VaultStatus' })

export async function vaultRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()
  const vault = (): Vault => {
    if (!platform.vault) throw new TongbanError('TB_MASTER_KEY_MISSING', ['TONGBAN_MASTER_KEY'])
    return platform.vault
  }
  const known = (adapter: string): void => {
    if (!platform.config.adapters.some((a) => a.id === adapter)) throw new TongbanError('TB_ADAPTER_NOT_FOUND', [adapter])
  }
  const knownOwner = (owner: string): void => {
    const department = departmentOfInstance(owner)
    if (department === undefined) return known(owner)
    if (!platform.departments.find(department)) throw new TongbanError('TB_LIAISON_DEPARTMENT_UNKNOWN', [department, platform.departments.all.map((d) => d.code).join(', ') || '(none)'])
  }
  const staffId = async (username: string): Promise<number> => {
    const staff = await findStaff(db, username)
    if (!staff) throw new TongbanError('TB_STAFF_NOT_FOUND', [username])
    return staff.id
  }

  api.get('/vault/status', {
    config: { permission: 'vault:status' },
    schema: {
      summary: "Data keys, secrets per data key and algorithm, and the gateway's master key (never a secret)",
      description: '`tongban vault status` asks this while the gateway holds the embedded database.',
      tags: ['security'],
      response: { 200: VaultStatus, ...errorResponses('TB_MASTER_KEY_MISSING') },
    },
  }, async () => {
    const { algorithm, masterKey } = vault()
    return { database: db.kind, algorithm, masterKey: { id: masterKey.id, source: masterKey.source }, ...await vaultStatus(db) }
  })

  api.put('/vault/credentials/:adapter', {
    config: { permission: 'vault:manage', audit: { action: 'vault.store', subjectKind: 'adapter', subjectParam: 'adapter' } },
    schema: {
      summary: "Store an adapter instance's service credentials (e.g. clientId, clientSecret), sealed",
      description: 'An instance configured with `credentials: vault` reads them at each token request. For `department:<code>` (a department of whistles.departments with a webhook), `{url, secret}`: where its whistles are delivered and the `whsec_` secret they are signed with.',
      tags: ['security'],
      params: z.object({ adapter: CredentialsOwner }),
      body: z.object({ credentials: z.record(z.string().min(1).max(64), z.string().min(1).max(4096)) }),
      response: { 204: z.null(), ...errorResponses('TB_ADAPTER_NOT_FOUND', 'TB_LIAISON_DEPARTMENT_UNKNOWN') },
    },
  }, async (req, reply) => {
    knownOwner(req.params.adapter)
    await putServiceCredentials(db, vault(), req.params.adapter, req.body.credentials)
    return reply.code(204).send(null)
  })

  api.delete('/vault/credentials/:adapter', {
    config: { permission: 'vault:manage', audit: { action: 'vault.store', subjectKind: 'adapter', subjectParam: 'adapter' } },
    schema: { summary: "Remove an adapter instance's service credentials", tags: ['security'], params: z.object({ adapter: CredentialsOwner }), response: { 200: z.object({ removed: z.boolean() }) } },
  }, async (req) => ({ removed: await deleteServiceCredentials(db, req.params.adapter) }))

  api.get('/staff/:username/accounts', {
    config: { permission: 'vault:manage' },
    schema: {
      summary: 'The department accounts a staff member acts as (never their passwords)',
      tags: ['security'],
      params: z.object({ username: Username }),
      response: { 200: z.object({ items: z.array(DepartmentAccount) }), ...errorResponses('TB_STAFF_NOT_FOUND') },
    },
  }, async (req) => ({ items: (await listStaffAccounts(db, { staffId: await staffId(req.params.username) })).map(({ adapter, username, hasPassword, updatedAt }) => ({ adapter, username, hasPassword, updatedAt })) }))

  api.put('/staff/:username/accounts/:adapter', {
    config: { permission: 'vault:manage', audit: { action: 'vault.store', subjectKind: 'staff', subjectParam: 'username' } },
    schema: {
      summary: 'Map a staff member to their account in a department system (password sealed)',
      tags: ['security'],
      params: z.object({ username: Username, adapter: Adapter }),
      body: z.object({ username: line().trim().min(1).max(128), password: z.string().min(1).max(1024).nullable().default(null) }),
      response: { 204: z.null(), ...errorResponses('TB_STAFF_NOT_FOUND', 'TB_ADAPTER_NOT_FOUND') },
    },
  }, async (req, reply) => {
    known(req.params.adapter)
    await putStaffAccount(db, vault(), { staffId: await staffId(req.params.username), adapter: req.params.adapter, username: req.body.username, password: req.body.password })
    return reply.code(204).send(null)
  })

  api.delete('/staff/:username/accounts/:adapter', {
    config: { permission: 'vault:manage', audit: { action: 'vault.store', subjectKind: 'staff', subjectParam: 'username' } },
    schema: { summary: 'Remove a department account mapping', tags: ['security'], params: z.object({ username: Username, adapter: Adapter }), response: { 200: z.object({ removed: z.boolean() }), ...errorResponses('TB_STAFF_NOT_FOUND') } },
  }, async (req) => ({ removed: await deleteStaffAccount(db, await staffId(req.params.username), req.params.adapter) }))
}
