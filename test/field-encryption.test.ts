// Encrypted fields through a real gateway (PGlite, real Redis): SM4-encrypted ID and mobile numbers
// in webhooks signed with HMAC-SM3, in pulled pages and in dropped files are decrypted before
// mapping; a value that does not decrypt quarantines its record alone (kept encrypted); an
// instance holding a wrong key stores nothing; a key fixed in the vault lets a quarantine retry
// through, and one missing holds messages back unprocessed until it is stored; a repeated webhook
// id is answered 409 where the adapter says so, and the kit's sender takes that 409 as delivered.
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { z } from 'zod'
import { defineAdapter } from '../src/adapter-sdk/index.ts'
import { personName, phone, residentId } from '../src/normalize/index.ts'
import { signSm3 } from '../src/crypto/webhook-signature.ts'
import { encryptSm4Field, jsonAnswer, startSimServer, webhookSender } from '../src/adapter-sdk/testkit/index.ts'
import { BUILT_IN_ADAPTERS, type LoadedAdapter } from '../src/config/adapters.ts'
import { loadConfig } from '../src/config/load.ts'
import { Config } from '../src/config/schema.ts'
import { fromRoot } from '../src/paths.ts'
import { startGateway } from '../src/runtime/gateway.ts'
import encryptedPush, { DATA_KEY, encryptedMessage, resident, SECRET } from './conformance/fixtures/encrypted-push.ts'
import { captureLogger, eventually, freshRedis, operatorAuth, tempDir, type Json } from './helpers.ts'

const KEY = Buffer.from(DATA_KEY, 'hex')
const WRONG_KEY = randomBytes(16).toString('hex')
const webhook = { secrets: [SECRET], schemes: ['v1sm3'] }

/** A record as the pulling and the file department send it: SFZH and SJHM encrypted, `garble` one of them. */
function encryptedRow (n: number, garble?: 'SFZH' | 'SJHM'): Record<string, string> {
  const r = resident(n)
  const row = { SFZH: encryptSm4Field(KEY, r.idNumber), XM: r.name, SJHM: encryptSm4Field(KEY, r.mobile) }
  if (garble) row[garble] = Buffer.from(randomBytes(32)).toString('base64')
  return row
}
const fields = { SFZH: ['idNumber', residentId], XM: ['name', personName], SJHM: ['phone', phone] } as const
const encrypted = { fields: ['SFZH', 'SJHM'], cipher: 'sm4-cbc' } as const

const pulled = [encryptedRow(200), encryptedRow(201, 'SJHM'), encryptedRow(202)]
const pullDepartment = await startSimServer({ routes: { 'GET /persons': () => jsonAnswer({ records: pulled }) } })
t.teardown(pullDepartment.close)
const encryptedPull = defineAdapter({
  id: 'encrypted-pull',
  department: { name: '测试 加密拉取', level: 'city' },
  produces: 'person',
  encrypted,
  pull: {
    persons: {
      cursor: z.object({ done: z.boolean() }),
      initialCursor: () => ({ done: false }),
      everyMs: 3_600_000,
      pageSize: 10,
      fetchPage: async ({ http }) => {
        const answer = await http.json<{ records: Array<Record<string, string>> }>({ path: '/persons' })
        return { records: answer.records.map((fields, i) => ({ sourceId: `P#${i}`, observedAt: new Date('2026-11-20T08:00:00+08:00'), fields })), cursor: { done: true }, done: true }
      },
    },
  },
  fields,
  instance: z.object({}),
})

const dropDir = await tempDir(t)
await mkdir(dropDir, { recursive: true })
const dropped = [encryptedRow(300), encryptedRow(301, 'SFZH'), encryptedRow(302)]
await writeFile(join(dropDir, 'ENC_20261120.csv'), `SFZH,XM,SJHM\n${dropped.map((r) => `${r.SFZH},${r.XM},${r.SJHM}`).join('\n')}\n`)
const encryptedFiles = defineAdapter({
  id: 'encrypted-files',
  department: { name: '测试 加密文件', level: 'city' },
  produces: 'person',
  encrypted,
  files: {
    match: /^ENC_\d{8}\.csv$/,
    charset: 'utf-8',
    settleMs: 0,
    read: { format: 'csv', columns: true, sourceId: '{file}#{line}', observedAt: 'modified' },
    everyMs: 3_600_000,
  },
  fields,
  instance: z.object({}),
})

const { logger, lines } = captureLogger()
const gateway = await (async () => {
  const loaded = new Map<string, LoadedAdapter>(BUILT_IN_ADAPTERS)
  for (const definition of [encryptedPush, encryptedPull, encryptedFiles]) loaded.set(definition.id, { definition, source: { kind: 'path', file: 'test/field-encryption.test.ts' } })
  const config = {
    ...Config.parse({
      towns: [{ code: '320412120000', name: '武进区湟里镇' }],
      adapters: [
        { id: 'enc-right', adapter: 'encrypted-push', webhook, credentials: { dataKey: DATA_KEY } },
        { id: 'enc-wrong', adapter: 'encrypted-push', webhook, credentials: { dataKey: WRONG_KEY } },
        { id: 'enc-vault', adapter: 'encrypted-push', webhook, credentials: 'vault' },
        { id: 'enc-later', adapter: 'encrypted-push', webhook, credentials: 'vault', retries: { attempts: 100, backoff: '100ms' } },
        { id: 'enc-pull', adapter: 'encrypted-pull', baseUrl: pullDepartment.url, credentials: { dataKey: DATA_KEY } },
        { id: 'enc-files', adapter: 'encrypted-files', files: { dir: dropDir }, credentials: { dataKey: DATA_KEY } },
      ],
    }),
    loadedAdapters: loaded,
  }
  const started = await startGateway({
    port: 0, host: '127.0.0.1', dataDir: await tempDir(t), configPath: '(test)', redisUrl: await freshRedis(t, 27), databaseUrl: undefined, adminToken: 'test-admin-token-0123456789',
  }, { config, logger, sweepEveryMs: 500 })
  t.teardown(started.stop)
  return started
})()
const auth = await operatorAuth(gateway.url)

async function post (instance: string, id: string, body: string): Promise<{ status: number, body: Json }> {
  const ts = Math.floor(Date.now() / 1000)
  const res = await fetch(`${gateway.url}/webhooks/${instance}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signSm3(SECRET, id, ts, body) },
    body,
  })
  return { status: res.status, body: await res.json() as Json }
}

async function api (method: string, path: string, body?: unknown, headers: Record<string, string> = auth): Promise<{ status: number, body: Json }> {
  const res = await fetch(`${gateway.url}/api/v1${path}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  return { status: res.status, body: await res.json().catch(() => ({})) as Json }
}

const person = async (idNumber: string): Promise<Json | undefined> => {
  const res = await api('GET', `/persons/${idNumber}`)
  return res.status === 200 ? res.body : undefined
}
const quarantined = async (instance: string, sourceId: string): Promise<Json> => await eventually(async () =>
  ((await api('GET', `/quarantine?adapter=${instance}&limit=500`)).body.items as Json[]).find((i) => i.sourceId === sourceId))

let sequence = 0
const nextId = (prefix: string): string => `${prefix}-${process.pid}-${++sequence}`

t.test('the fields decrypt before mapping; a value that does not decrypt quarantines its record alone, kept encrypted', async (t) => {
  const msgId = nextId('RIGHT')
  const message = encryptedMessage(msgId, 100, 3, KEY)
  const garbled = Buffer.from(message.records[1]!.SFZH, 'base64')
  garbled[garbled.length - 1] = garbled[garbled.length - 1]! ^ 0x01 // the last block's padding no longer checks
  message.records[1]!.SFZH = garbled.toString('base64')
  const body = JSON.stringify(message)
  t.equal((await post('enc-right', msgId, body)).status, 202)

  const first = await eventually(async () => await person(resident(100).idNumber))
  t.match(first, { idNumber: resident(100).idNumber, name: resident(100).name, phone: resident(100).mobile })
  t.match(await eventually(async () => await person(resident(102).idNumber)), { phone: resident(102).mobile }, 'the rest of the message goes on')

  const item = await quarantined('enc-right', `${msgId}#1`)
  t.equal(item.reasonCode, 'TB_FIELD_DECRYPT_FAILED')
  t.match(item.reason, /^SFZH: An encrypted field cannot be decrypted: the padding is wrong/)
  t.equal(item.field, 'SFZH')
  t.equal(item.raw.fields.SFZH, message.records[1]!.SFZH, 'quarantine keeps the value as received')
  t.equal(item.raw.fields.SJHM, message.records[1]!.SJHM, 'the other encrypted field too')
  t.equal(await person(resident(101).idNumber), undefined)
  t.notOk(lines.some((l) => l.includes(DATA_KEY)), 'the data key is never logged')
})

t.test('a record quarantined by a normaliser keeps its fields encrypted, and a retry decrypts them again', async (t) => {
  const msgId = nextId('NORM')
  const message = encryptedMessage(msgId, 110, 1, KEY)
  message.records[0]!.SJHM = encryptSm4Field(KEY, '12345') // decrypts, but is no phone number
  t.equal((await post('enc-right', msgId, JSON.stringify(message))).status, 202)
  const item = await quarantined('enc-right', `${msgId}#0`)
  t.match(item, { reasonCode: 'TB_PHONE_INVALID', field: 'SJHM', rawValue: '12345' })
  t.equal(item.raw.fields.SJHM, message.records[0]!.SJHM, 'the raw record is the one received')
  const retried = await api('POST', `/quarantine/${item.id as number}/retry`, {})
  t.match(retried.body, { status: 'open', reasonCode: 'TB_PHONE_INVALID' }, 'decrypted again on retry, failing where it failed before')
})

t.test('an instance with a wrong key quarantines every record and stores none', async (t) => {
  const msgId = nextId('WRONG')
  const message = encryptedMessage(msgId, 120, 4, KEY)
  t.equal((await post('enc-wrong', msgId, JSON.stringify(message))).status, 202)
  for (let i = 0; i < 4; i++) {
    const item = await quarantined('enc-wrong', `${msgId}#${i}`)
    t.equal(item.reasonCode, 'TB_FIELD_DECRYPT_FAILED', `record ${i}`)
    t.equal(item.raw.fields.SFZH, message.records[i]!.SFZH)
  }
  for (let i = 0; i < 4; i++) t.equal(await person(resident(120 + i).idNumber), undefined)
})

t.test('a key fixed in the vault lets the quarantined record through on retry', async (t) => {
  const token = async (role: string): Promise<Record<string, string>> =>
    ({ authorization: `Bearer ${(await api('POST', '/tokens', { name: `enc-${role}`, roles: [role], town: '320412120000' }, { authorization: 'Bearer test-admin-token-0123456789' })).body.token as string}` })
  const security = await token('security-admin')
  t.equal((await api('PUT', '/vault/credentials/enc-vault', { credentials: { dataKey: WRONG_KEY } }, security)).status, 204)
  const msgId = nextId('VAULT')
  t.equal((await post('enc-vault', msgId, JSON.stringify(encryptedMessage(msgId, 130, 1, KEY)))).status, 202)
  const item = await quarantined('enc-vault', `${msgId}#0`)
  t.equal(item.reasonCode, 'TB_FIELD_DECRYPT_FAILED')

  t.equal((await api('PUT', '/vault/credentials/enc-vault', { credentials: { dataKey: DATA_KEY } }, security)).status, 204)
  const retried = await api('POST', `/quarantine/${item.id as number}/retry`, {})
  t.match(retried.body, { status: 'resolved' }, 'the retry reads the vault afresh')
  t.match(await person(resident(130).idNumber), { phone: resident(130).mobile })
  const auditor = await token('auditor')
  await eventually(async () => ((await api('GET', '/audit?action=vault.use&limit=50', undefined, auditor)).body.items as Json[] | undefined)
    ?.find((e) => e.subject === 'enc-vault' && e.details?.purpose === 'field decryption'))
  t.pass('each read of the key is audited with its purpose')
})

t.test('a message arriving before the key is in the vault waits for it: nothing quarantined, nothing lost', async (t) => {
  const msgId = nextId('LATER')
  t.equal((await post('enc-later', msgId, JSON.stringify(encryptedMessage(msgId, 160, 1, KEY)))).status, 202)
  await eventually(() => lines.some((l) => l.includes('Department system enc-later rejected our credentials: no dataKey stored in the vault')), 60_000)
  t.same((await api('GET', '/quarantine?adapter=enc-later')).body.items, [], 'not quarantined')
  const token = (await api('POST', '/tokens', { name: 'enc-later-security', roles: ['security-admin'], town: '320412120000' }, { authorization: 'Bearer test-admin-token-0123456789' })).body.token as string
  t.equal((await api('PUT', '/vault/credentials/enc-later', { credentials: { dataKey: DATA_KEY } }, { authorization: `Bearer ${token}` })).status, 204)
  t.match(await eventually(async () => await person(resident(160).idNumber)), { phone: resident(160).mobile }, 'processed once the key is stored')
})

t.test('pulled pages and dropped files decrypt alike, a record that does not decrypt quarantined alone', async (t) => {
  for (const n of [200, 202, 300, 302]) t.match(await eventually(async () => await person(resident(n).idNumber)), { phone: resident(n).mobile }, `resident ${n}`)
  t.match(await quarantined('enc-pull', 'P#1'), { reasonCode: 'TB_FIELD_DECRYPT_FAILED', field: 'SJHM', raw: { fields: { SJHM: pulled[1]!.SJHM } } })
  t.match(await quarantined('enc-files', 'ENC_20261120.csv#3'), { reasonCode: 'TB_FIELD_DECRYPT_FAILED', field: 'SFZH', raw: { fields: { SFZH: dropped[1]!.SFZH } } })
  t.equal(await person(resident(201).idNumber), undefined)
})

t.test('a repeated webhook id is answered 409 TB_WEBHOOK_DUPLICATE and processed once', async (t) => {
  const msgId = nextId('DUP')
  const body = JSON.stringify(encryptedMessage(msgId, 140, 1, KEY))
  t.equal((await post('enc-right', msgId, body)).status, 202)
  const again = await post('enc-right', msgId, body)
  t.match(again, { status: 409, body: { code: 'TB_WEBHOOK_DUPLICATE', message: `Webhook ${msgId} was already received; it is not processed again` } })
  await eventually(async () => await person(resident(140).idNumber))
})

t.test('the kit\'s sender counts a 409 as delivered when told so, and retries it otherwise', async (t) => {
  const msgId = nextId('SEND')
  const body = Buffer.from(JSON.stringify(encryptedMessage(msgId, 150, 1, KEY)))
  const subscriber = { url: `${gateway.url}/webhooks/enc-right`, secret: SECRET }
  const told = webhookSender({ subscriber, scheme: 'v1sm3', alreadyHaveIt: [409], retryScheduleMs: [50, 50] })
  t.teardown(told.close)
  told.deliver(msgId, body)
  await told.settled()
  told.deliver(msgId, body)
  await told.settled()
  t.match(told.stats(), { delivered: 2, alreadyHad: 1, attempts: 2, failedAttempts: 0, gaveUp: 0 }, 'the repeat is delivered at the first attempt')

  const untold = webhookSender({ subscriber, scheme: 'v1sm3', retryScheduleMs: [50, 50] })
  t.teardown(untold.close)
  untold.deliver(msgId, body)
  await untold.settled()
  t.match(untold.stats(), { delivered: 0, alreadyHad: 0, attempts: 3, failedAttempts: 3, gaveUp: 1 }, 'without alreadyHaveIt a 409 is a failure, retried')
})

t.test('configuration: an instance of an adapter with encrypted fields needs a data key', async (t) => {
  const dir = await tempDir(t)
  const fixture = fromRoot('test', 'conformance', 'fixtures', 'encrypted-push.ts')
  const write = async (credentials: string): Promise<string> => {
    const file = join(dir, `tongban-${++sequence}.yaml`)
    await writeFile(file, `towns: [{ code: "320412120000", name: 湟里镇 }]\nadapters:\n  - { id: enc, path: ${JSON.stringify(fixture)}, webhook: { secrets: ["whsec_${randomBytes(24).toString('base64')}"], schemes: [v1sm3] }${credentials} }\n`)
    return file
  }
  await t.rejects(loadConfig(await write(''), {}), { code: 'TB_CONFIG_INVALID', message: /adapters\[0\]\.credentials: adapter encrypted-push decrypts fields SFZH, SJHM: give credentials\.dataKey/ })
  await t.rejects(loadConfig(await write(', credentials: { dataKey: "0123" }'), {}), { code: 'TB_CONFIG_INVALID', message: /adapters\[0\]\.credentials\.dataKey: .*32 hex digits/ })
  await t.rejects(loadConfig(await write(', credentials: { other: "x" }'), {}), { code: 'TB_CONFIG_INVALID', message: /adapters\[0\]\.credentials\.dataKey/ })
  t.ok(await loadConfig(await write(`, credentials: { dataKey: "${randomBytes(16).toString('hex')}" }`), {}), 'inline (the demo)')
  t.ok(await loadConfig(await write(', credentials: vault'), {}), 'from the vault (production)')
})
