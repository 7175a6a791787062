// A gateway for the work-order tests: the 12345 hotline adapter as a configured instance (its
// webhook door, its order-event worker, its operations through the outbox), optionally against
// the real hotline simulator; 湟里镇 with two villages and another town of the county; tokens of
// each role; and hotline events posted as the hotline signs them.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { startGateway } from '../../src/runtime/gateway.ts'
import { WIRE_TIME } from '../../adapters/hotline-12345/codes.ts'
import { startSimulator, type HotlineSimulator } from '../../adapters/hotline-12345/simulator.ts'
import { BOOTSTRAP_TOKEN, captureLogger, eventually, freshPostgresUrl, freshRedis, operatorAuth, postSignedWebhook, tempDir, type Json } from '../helpers.ts'

interface Teardown { teardown: (fn: () => unknown) => void }

export const TOWN = '320412120000'
export const OTHER_TOWN = '320412102000'
export const VILLAGES = { dongan: '320412120201', xishu: '320412120202' } as const
const CLIENT = { clientId: 'hotline-town-test', clientSecret: 'hotline-test-secret' }

/** Wire time (`YYYY-MM-DD HH:mm:ss`, Beijing) of an instant `ms`. */
export const wire = (ms: number): string => WIRE_TIME.format(new Date(ms))

/** A whole dispatched order as the hotline writes it; `order` overrides fields. */
export function dispatchedOrder (orderNo: string, order: Json = {}, dispatchedAt = Date.now()): Json {
  return {
    orderNo,
    channel: '1',
    category: '0301',
    kind: '2',
    title: '村口垃圾堆放多日未清运',
    content: '村口垃圾桶旁堆放生活垃圾已有三四天，气味很大',
    address: '江苏省常州市武进区湟里镇东安村三组12号附近',
    divisionCode: VILLAGES.dongan,
    citizen: { name: '张先生', phone: '13800000000' },
    anonymous: false,
    dispatchTime: wire(dispatchedAt),
    signDeadline: wire(dispatchedAt + 2 * 3_600_000),
    replyDeadline: wire(dispatchedAt + 3 * 86_400_000),
    ...order,
  }
}

/**
 * `store`: PostgreSQL or PGlite; `simulator`: answers go to a real hotline simulator whose orders
 * come to the gateway's webhook door; `oneTown`: only 湟里镇 is configured and the instance names
 * no town (the only town is taken); `extra`: more of the configuration file, as YAML.
 */
export async function startOrdersGateway (t: Teardown, opts: { redisIndex: number, store: 'postgres' | 'pglite', simulator?: boolean, oneTown?: boolean, extra?: string }) {
  const secret = `whsec_${randomBytes(24).toString('base64')}`
  const sim: HotlineSimulator | undefined = opts.simulator
    ? await startSimulator({ port: 0, clients: [CLIENT], rateLimitPerSecond: 0, duplicateRate: 0, urgeFirstRate: 0, revisitAfterMs: 3_600_000, orderEveryMs: 0 })
    : undefined
  if (sim) t.teardown(async () => { await sim.close() })
  const dir = await tempDir(t)
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }')
  await writeFile(join(dir, 'hotline.ts'), `export { default } from '${new URL('../../adapters/hotline-12345/adapter.ts', import.meta.url).href}'\n`)
  const file = join(dir, 'tongban.yaml')
  const towns = [`{ code: "${TOWN}", name: 湟里镇, villages: [{ code: "${VILLAGES.dongan}", name: 东安村 }, { code: "${VILLAGES.xishu}", name: 西墅村 }] }`]
  if (!opts.oneTown) towns.push(`{ code: "${OTHER_TOWN}", name: 武进区另一镇 }`)
  await writeFile(file, `towns: [${towns.join(', ')}]
adapters:
  - id: hotline
    path: hotline.ts
    ${opts.oneTown ? '' : `town: "${TOWN}"`}
    baseUrl: ${sim?.url ?? 'http://127.0.0.1:9'}
    credentials: { clientId: ${CLIENT.clientId}, clientSecret: ${CLIENT.clientSecret} }
    webhook: { secrets: ["${secret}"] }
    retries: { attempts: 1 }
${opts.extra ?? ''}
`)
  const config = await loadConfig(file, {})
  const { logger, lines } = captureLogger()
  const databaseUrl = opts.store === 'postgres' ? await freshPostgresUrl(t) : undefined
  const gateway = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), configPath: file, redisUrl: await freshRedis(t, opts.redisIndex), databaseUrl, adminToken: BOOTSTRAP_TOKEN,
  }, { config, logger })
  t.teardown(gateway.stop)
  const base = gateway.url
  const db = gateway.platform.db
  sim?.setWebhook({ url: `${base}/webhooks/hotline`, secret })

  /** Posts one hotline event, signed, and expects it taken (202); `deliveryId`: the webhook-id (default: the event id). */
  const post = async (eventId: string, type: string, order: Json, deliveryId = eventId): Promise<void> => {
    const res = await postSignedWebhook(base, 'hotline', { msgId: deliveryId, eventId, type, time: wire(Date.now()), order } as { msgId: string }, secret)
    if (res.status !== 202) throw new Error(`hotline event ${eventId}: ${res.status} ${await res.text()}`)
  }
  /** The inbox row of a posted delivery once it is finished. */
  const finished = async (eventId: string): Promise<{ status: string, error: string | null }> =>
    await eventually(async () => {
      const { rows } = await db.query<{ status: string, error: string | null }>("SELECT status, error FROM inbox WHERE adapter = 'hotline' AND webhook_id = $1 AND status <> 'received'", [eventId])
      return rows[0]
    })
  const auth = async (roles: string[], town = TOWN): Promise<Record<string, string>> => await operatorAuth(base, { roles, town })
  return { gateway, base, db, sim, post, finished, auth, logLines: lines }
}
