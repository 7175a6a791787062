// Facet-producing adapters for the platform's facet tests: a department that pushes, per resident,
// assistance entries (one per category). Built with the SDK like any adapter and run by a gateway
// from a folder beside its configuration (path:), so the platform meets them only as configured
// instances.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { loadConfig } from '../src/config/load.ts'
import { startGateway } from '../src/runtime/gateway.ts'
import { defineAdapter, defineFacet, facet, type FacetFieldMap, type FacetProduction, type Sensitivity, type RawRecord } from '../src/adapter-sdk/index.ts'
import { TongbanError } from '../src/errors.ts'
import { codeTable, date, divisionCode, personName, residentId, text } from '../src/normalize/index.ts'
import { BOOTSTRAP_TOKEN, captureLogger, freshPostgresUrl, freshRedis, postSignedWebhook, tempDir } from './helpers.ts'

interface Teardown { teardown: (fn: () => unknown) => void }

export const CATEGORIES = { '01': 'dibao', '02': 'tekun' } as const

/** The facet's fields: which assistance, since when, a remark. */
export const AssistanceSchema = z.object({
  // labelled by its description; its values by their labels
  category: z.enum(['dibao', 'tekun']).meta({ description: '救助类别', values: { dibao: { zh: '低保', en: 'Subsistence allowance' }, tekun: { zh: '特困', en: 'Extreme poverty' } } }),
  since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('起始日期'),
  note: z.string().max(200).optional().describe('备注'),
})

/** `{ msgId, occurTime (ISO 8601), records: [{ SFZH, XM, QH, JZLB, KSRQ, BZ }] }` -> one raw record per entry. */
function parse (body: Buffer): RawRecord[] {
  let message: { msgId?: unknown, occurTime?: unknown, records?: unknown }
  try {
    message = JSON.parse(body.toString('utf8')) as typeof message
  } catch (err) {
    throw new TongbanError('TB_WEBHOOK_BODY_INVALID', ['not JSON'], { cause: err })
  }
  if (typeof message.msgId !== 'string' || typeof message.occurTime !== 'string' || !Array.isArray(message.records)) throw new TongbanError('TB_WEBHOOK_BODY_INVALID', ['msgId, occurTime and records are required'])
  const observedAt = new Date(message.occurTime)
  return message.records.map((fields: Record<string, unknown>, i) => ({ sourceId: `${message.msgId as string}#${i}`, observedAt, fields }))
}

const assistanceFields = {
  JZLB: ['category', codeTable('救助类别', CATEGORIES)],
  KSRQ: ['since', date],
  BZ: ['note', text],
} as const satisfies FacetFieldMap<typeof AssistanceSchema>

/** The facet: one entry per assistance category of a resident. */
function assistanceFacet (name: string, sensitivity: Sensitivity): FacetProduction<typeof AssistanceSchema> {
  const declaration = defineFacet({
    name,
    title: { zh: sensitivity === 'sensitive' ? '社会救助' : '家庭医生签约', en: sensitivity === 'sensitive' ? 'Social assistance' : 'Family doctor contract' },
    of: 'person',
    schema: AssistanceSchema,
    sensitivity,
    entryKey: ['category'],
  })
  return facet(declaration, assistanceFields)
}

export function assistanceAdapter (id: string, facetName: string, sensitivity: Sensitivity) {
  return defineAdapter({
    id,
    department: { name: `测试救助系统 ${id}`, level: 'city' },
    produces: 'person',
    receive: { signature: 'standard-webhooks', maxBodyBytes: 1024 * 1024, parse },
    fields: {
      SFZH: ['idNumber', residentId],
      XM: ['name', personName],
      QH: ['divisionCode', divisionCode],
    },
    facet: assistanceFacet(facetName, sensitivity),
    instance: z.object({ webhook: z.looseObject({}, { error: 'a pushing department needs webhook.secrets' }) }),
  })
}

/** A module for an instance's `path:` (in a test's temporary folder): the adapter as its default export. */
function adapterModule (id: string, facetName: string, sensitivity: Sensitivity): string {
  return `import { assistanceAdapter } from '${import.meta.url}'\nexport default assistanceAdapter('${id}', '${facetName}', '${sensitivity}')\n`
}

export const FACET_TOWN = '320412120000'
const SECRET = `whsec_${randomBytes(24).toString('base64')}`

/**
 * A gateway whose configuration runs two of these adapters from a folder beside it (path:):
 * `assistance` with the sensitive facet test-assistance, `doctor` with the ordinary test-doctor.
 * `facets`: the configuration's facets section, as YAML. `push` posts a signed message.
 */
export async function startFacetGateway (t: Teardown, opts: { redisIndex: number, postgres?: boolean, facets?: string }) {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }') // the modules are ES modules, as the adapter kit's are
  await writeFile(join(dir, 'assistance.ts'), adapterModule('assistance-test', 'test-assistance', 'sensitive'))
  await writeFile(join(dir, 'doctor.ts'), adapterModule('doctor-test', 'test-doctor', 'ordinary'))
  const file = join(dir, 'tongban.yaml')
  await writeFile(file, `towns: [{ code: "${FACET_TOWN}", name: 湟里镇 }]
adapters:
  - { id: assistance, path: assistance.ts, webhook: { secrets: ["${SECRET}"] } }
  - { id: doctor, path: doctor.ts, webhook: { secrets: ["${SECRET}"] } }
${opts.facets ?? ''}
`)
  const config = await loadConfig(file, {})
  const { logger } = captureLogger()
  const databaseUrl = opts.postgres ? await freshPostgresUrl(t) : undefined
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), configPath: file, redisUrl: await freshRedis(t, opts.redisIndex), databaseUrl, adminToken: BOOTSTRAP_TOKEN,
  }, { config, logger })
  t.teardown(gateway.stop)
  const push = async (instance: 'assistance' | 'doctor', msgId: string, records: Array<Record<string, string>>): Promise<number> =>
    (await postSignedWebhook(gateway.url, instance, { msgId, occurTime: '2026-03-01T08:00:00+08:00', records } as { msgId: string }, SECRET)).status
  return { base: gateway.url, databaseUrl, push, bootstrapAuth: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } }
}
