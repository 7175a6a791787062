// A gateway for the cases API tests: the household register (persons, pushed) and a civil-affairs
// department pushing the real social-assistance facet, both as configured instances; the matter
// of fixtures.ts stored for 湟里镇; tokens of each role; and pushes that wait until unified.
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { startGateway } from '../../src/runtime/gateway.ts'
import { defineAdapter, type RawRecord } from '../../src/adapter-sdk/index.ts'
import { address, creditCode, divisionCode, enterpriseName, personName, residentId } from '../../src/normalize/index.ts'
import { creditCodeCheckChar, orgCodeCheckChar } from '../../adapters/market-regulation/data.ts'
import { assistanceFacet } from '../../adapters/civil-affairs/adapter.ts'
import { storeMatterVersions } from '../../src/store/matters.ts'
import { getRecord } from '../../src/store/records.ts'
import type { Matter } from '../../src/model/matter.ts'
import { BOOTSTRAP_TOKEN, captureLogger, eventually, freshPostgresUrl, freshRedis, operatorAuth, postSignedWebhook, tempDir } from '../helpers.ts'
import { TOWN, matter } from './fixtures.ts'

interface Teardown { teardown: (fn: () => unknown) => void }

/** Another town of 武进区: its staff see none of 湟里镇's cases. */
export const OTHER_TOWN = '320412102000'

/** `{ msgId, occurTime, records: [{ SFZH, XM, JZLB, JZRS, JZJE, KSNY, JSNY, ZT, XZQH }] }`: a resident and their assistance entry per record. */
function parse (body: Buffer): RawRecord[] {
  const message = JSON.parse(body.toString('utf8')) as { msgId: string, occurTime: string, records: Array<Record<string, unknown>> }
  return message.records.map((fields, i) => ({ sourceId: `${message.msgId}#${i}`, observedAt: new Date(message.occurTime), fields }))
}

export const assistanceAdapter = defineAdapter({
  id: 'civil-push',
  department: { name: '民政 社会救助', level: 'city' },
  produces: 'person',
  receive: { signature: 'standard-webhooks', maxBodyBytes: 1024 * 1024, parse },
  fields: { SFZH: ['idNumber', residentId], XM: ['name', personName] },
  facet: assistanceFacet,
  instance: z.object({ webhook: z.looseObject({}) }),
})

/** `{ msgId, occurTime, records: [{ TYSHXYDM, QYMC, FDDBR, FDDBRZJHM, ZS, XZQHDM }] }`: enterprises, pushed. */
export const registerAdapter = defineAdapter({
  id: 'register-push',
  department: { name: '市场监管 企业登记', level: 'provincial' },
  produces: 'enterprise',
  receive: { signature: 'standard-webhooks', maxBodyBytes: 1024 * 1024, parse },
  fields: {
    TYSHXYDM: ['creditCode', creditCode],
    QYMC: ['name', enterpriseName],
    FDDBR: ['legalRepresentative.name', personName],
    FDDBRZJHM: ['legalRepresentative.idNumber', residentId],
    ZS: ['address', address],
    XZQHDM: ['divisionCode', divisionCode],
  },
  instance: z.object({ webhook: z.looseObject({}) }),
})

/** A valid unified social credit code of 武进区. */
export function creditCodeOf (body8: string): string {
  const first17 = `91320412${body8}${orgCodeCheckChar(body8)}`
  return first17 + creditCodeCheckChar(first17)
}

const SECRET = `whsec_${randomBytes(24).toString('base64')}`

/** A valid person of the household register, living in 湟里镇. */
export function householdRecord (idNumber: string, name: string, phone: string): Record<string, string> {
  return {
    GMSFHM: idNumber, XM: name, XB: Number(idNumber[16]) % 2 === 1 ? '1' : '2', MZ: '01', CSRQ: idNumber.slice(6, 14),
    HJDZ_XZQHDM: '320412', HJDZ_XZJDDM: '320412120', HJDZ_QHNXXDZ: '湟里村委会东街12号', LXDH: phone,
  }
}

/** `extra`: more of the configuration file, as YAML (a facets section, calendar files). */
export async function startCasesGateway (t: Teardown, opts: { redisIndex: number, store: 'postgres' | 'pglite', matters?: Matter[], extra?: string }) {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }')
  await writeFile(join(dir, 'civil.ts'), `export { assistanceAdapter as default } from '${import.meta.url}'\n`)
  await writeFile(join(dir, 'register.ts'), `export { registerAdapter as default } from '${import.meta.url}'\n`)
  const file = join(dir, 'tongban.yaml')
  await writeFile(file, `towns: [{ code: "${TOWN}", name: 湟里镇 }, { code: "${OTHER_TOWN}", name: 武进区另一镇 }]
adapters:
  - { id: household-registration, adapter: household-registration, webhook: { secrets: ["${SECRET}"] } }
  - { id: civil, path: civil.ts, webhook: { secrets: ["${SECRET}"] } }
  - { id: register, path: register.ts, webhook: { secrets: ["${SECRET}"] } }
${opts.extra ?? ''}
`)
  const config = await loadConfig(file, {})
  const { logger } = captureLogger()
  const databaseUrl = opts.store === 'postgres' ? await freshPostgresUrl(t) : undefined
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), configPath: file, redisUrl: await freshRedis(t, opts.redisIndex), databaseUrl, adminToken: BOOTSTRAP_TOKEN,
  }, { config, logger })
  t.teardown(gateway.stop)
  const db = gateway.platform.db
  await storeMatterVersions(db, TOWN, 'catalogue', 'matters-exchange', opts.matters ?? [matter()])
  const base = gateway.url
  const auth = async (roles: string[], town = TOWN): Promise<Record<string, string>> => await operatorAuth(base, { roles, town })

  /** Pushes residents through the household register and waits until the last one is unified. */
  const pushPersons = async (records: Array<Record<string, string>>): Promise<void> => {
    const msgId = `HR${randomBytes(6).toString('hex')}`
    const res = await postSignedWebhook(base, 'household-registration', { msgId, eventType: 'BG', occurTime: '2026-11-02 10:00:00', records } as { msgId: string }, SECRET)
    if (res.status !== 202) throw new Error(`household push: ${res.status} ${await res.text()}`)
    await eventually(async () => await getRecord(db, 'person', records.at(-1)!.GMSFHM!))
  }
  /** Pushes one assistance entry of a resident and waits until its facet entry is stored. */
  const pushAssistance = async (idNumber: string, name: string, category: string): Promise<void> => {
    const msgId = `MZ${randomBytes(6).toString('hex')}`
    const record = { SFZH: idNumber, XM: name, JZLB: category, JZRS: '2', JZJE: '765.00', KSNY: '202601', JSNY: '', ZT: '1', XZQH: TOWN }
    const res = await postSignedWebhook(base, 'civil', { msgId, occurTime: '2026-10-15T09:00:00+08:00', records: [record] } as { msgId: string }, SECRET)
    if (res.status !== 202) throw new Error(`assistance push: ${res.status} ${await res.text()}`)
    const { facetEntries } = await import('../../src/store/facets.ts')
    await eventually(async () => (await facetEntries(db, 'person', idNumber, 'social-assistance')).length > 0)
  }
  /** Pushes one enterprise of the register and waits until it is unified. */
  const pushEnterprise = async (record: Record<string, string>): Promise<void> => {
    const msgId = `SC${randomBytes(6).toString('hex')}`
    const res = await postSignedWebhook(base, 'register', { msgId, occurTime: '2026-09-01T10:00:00+08:00', records: [record] } as { msgId: string }, SECRET)
    if (res.status !== 202) throw new Error(`register push: ${res.status} ${await res.text()}`)
    await eventually(async () => await getRecord(db, 'enterprise', record.TYSHXYDM!))
  }
  return { gateway, base, db, auth, pushPersons, pushAssistance, pushEnterprise }
}
