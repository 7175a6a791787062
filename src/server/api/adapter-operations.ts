// Adapter operations through the API: what each instance's adapter declares it can ask its
// department, and calling one. A call needs the permission its operation declares, and is audited
// with whom it concerns (the operation names the person or enterprise from its input).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import type { OperationDeclaration } from '../../adapter-sdk/index.ts'
import type { OperationResult, Operations } from '../../department/operations.ts'
import { TongbanError } from '../../errors.ts'
import type { Permission } from '../../auth/access.ts'
import { errorResponses } from '../errors.ts'
import { line } from '../../model/text.ts'

const InstanceId = line().max(64)
const Params = z.object({ instance: InstanceId, name: line().max(64) })

const JsonSchema = z.record(z.string(), z.unknown())

export const OperationInfo = z.object({
  name: z.string(),
  title: z.object({ zh: z.string(), en: z.string() }),
  actAs: z.enum(['service', 'staff']).describe('staff: the department sees the signed-in staff member through their own mapped account'),
  permission: z.string(),
  idempotent: z.boolean().describe('calls with the same idempotency key are retried when the department fails, and answered from the first result for a day'),
  input: JsonSchema.describe('JSON Schema of the body'),
  output: JsonSchema.describe('JSON Schema of `output` in the answer'),
}).meta({ id: 'AdapterOperation' })

function infoOf (name: string, op: OperationDeclaration): z.infer<typeof OperationInfo> {
  // Whatever JSON Schema cannot say (a transform, a refinement) is left open rather than refused.
  const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> => z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>
  return {
    name,
    title: op.title,
    actAs: op.actAs === 'service' ? 'service' : 'staff',
    permission: op.permission,
    idempotent: op.idempotencyKey !== undefined,
    input: schemaOf(op.input, 'input'),
    output: schemaOf(op.output, 'output'),
  }
}

export async function adapterOperationRoutes (app: FastifyInstance, opts: { platform: Platform, operations: Operations }): Promise<void> {
  const { platform, operations } = opts
  const api = app.withTypeProvider<ZodTypeProvider>()
  // Read before validation (the permission, one of the platform's: checked when the adapter
  // loaded) and in the audit hook, which also runs for refusals.
  const paramsOf = (req: FastifyRequest): { instance: string, name: string } => req.params as { instance: string, name: string }
  const answered = new WeakMap<FastifyRequest, OperationResult>()

  api.get('/adapters/:instance/operations', {
    config: { permission: 'operations:read' },
    schema: {
      summary: "The operations an adapter instance's department can be asked, with their input and output as JSON Schema",
      tags: ['adapters'],
      params: z.object({ instance: InstanceId }),
      response: { 200: z.object({ items: z.array(OperationInfo) }), ...errorResponses('TB_ADAPTER_NOT_FOUND') },
    },
  }, async (req) => {
    const instance = platform.instances.get(req.params.instance)
    if (!instance) throw new TongbanError('TB_ADAPTER_NOT_FOUND', [req.params.instance])
    return { items: Object.entries(instance.adapter.operations ?? {}).map(([name, op]) => infoOf(name, op)) }
  })

  api.post('/adapters/:instance/operations/:name', {
    config: {
      permission: { declaredBy: 'the operation (GET /api/v1/adapters/:instance/operations)', of: (req) => operations.find(paramsOf(req).instance, paramsOf(req).name).operation.permission as Permission },
      audit: {
        action: 'operation.call',
        subjectKind: 'adapter',
        describe (req) {
          const { instance, name } = paramsOf(req)
          const details = { instance, operation: name, replayed: answered.get(req)?.replayed }
          let subject
          try {
            subject = operations.subjectOf(operations.find(instance, name), req.body)
          } catch {
            // No such operation: the call is recorded against the instance it named.
          }
          return subject ? { subjectKind: subject.kind, subject: subject.key, details } : { subject: instance, details }
        },
      },
    },
    schema: {
      summary: "Call an adapter instance's operation: the body is its input",
      description: 'Answers `{ output, replayed }`; `replayed` is true when an idempotent call with the same key was answered from its first result instead of asking the department again.',
      tags: ['adapters'],
      params: Params,
      body: z.unknown(),
      response: {
        200: z.object({ output: z.unknown(), replayed: z.boolean() }),
        ...errorResponses('TB_OPERATION_INPUT_INVALID', 'TB_OPERATION_NEEDS_STAFF', 'TB_OPERATION_NOT_FOUND', 'TB_STAFF_ACCOUNT_MISSING', 'TB_OPERATION_OUTPUT_INVALID', 'TB_DEPARTMENT_UNAVAILABLE'),
      },
    },
  }, async (req) => {
    const result = await operations.call(operations.find(req.params.instance, req.params.name), req.body, req.principal)
    answered.set(req, result)
    return result
  })
}
