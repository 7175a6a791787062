// /api/v1, health, metrics and the OpenAPI document against a whole gateway (HTTP, workers,
// sweeper) on real Redis and both stores. Data arrives the real way: signed webhooks from the
// household-registration generator, and pull sync against the market-regulation simulator.
import t from 'tap'
import { sign } from '../src/crypto/webhook-signature.ts'
import { buildMessage as buildSpecMessage, residentAt, residentFacts, type HouseholdRecord, type ResidentFacts } from '../adapters/household-registration/data.ts'
import householdRegistration from '../adapters/household-registration/adapter.ts'
import { startSimulator } from '../adapters/market-regulation/simulator.ts'
import { enterpriseAt, enterpriseFacts, hasBadCheck } from '../adapters/market-regulation/data.ts'
import marketRegulation, { toRawRecord } from '../adapters/market-regulation/adapter.ts'
import { BUILT_IN_ADAPTERS } from '../src/config/adapters.ts'
import { defineAdapter } from '../src/adapter-sdk/index.ts'
import { mapRecord } from '../src/pipeline/map.ts'
import { phone } from '../src/normalize/index.ts'
import { fail } from '../src/normalize/result.ts'
import { startGateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'
import type { Settings } from '../src/runtime/settings.ts'
import { DEMO_SECRET, captureLogger, eventually, freshPostgresUrl, freshRedis, operatorAuth, startTestGateway, tempDir, callApi, type Json } from './helpers.ts'

const HR = 'household-registration'
const MR = 'market-regulation'
const TOKEN = 'test-admin-token-0123456789'
/** An operator's token (the bootstrap token may only set up); made when each gateway starts. */
let AUTH: Record<string, string> = {}
const MARKET_SEED = 17
const ENTERPRISES = 300

const PERSON_FIELDS = ['idNumber', 'name', 'gender', 'birthDate', 'ethnicityCode', 'phone', 'address', 'divisionCode', 'status', 'provenance']
const ENTERPRISE_FIELDS = ['creditCode', 'name', 'type', 'legalRepresentative', 'address', 'divisionCode', 'status', 'establishedOn', 'industryCode', 'registeredCapital', 'provenance']


// ------------------------------------------------------------------------------------------
// HTTP helpers


async function postWebhook (base: string, body: string, id: string, adapter = HR): Promise<{ status: number, body: Json }> {
  const ts = Math.floor(Date.now() / 1000)
  const res = await fetch(`${base}/webhooks/${adapter}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(DEMO_SECRET, id, ts, body) },
    body,
  })
  return { status: res.status, body: await res.json() as Json }
}

// Message numbers repeat across seeds in the generator's msgIds; each test message gets its own.
let sequence = 0
function message (records: readonly HouseholdRecord[], opts: { eventType?: string, occurTime?: string } = {}) {
  const msg = buildSpecMessage(1, ++sequence, { records, eventType: opts.eventType ?? 'QR', ...(opts.occurTime ? { occurTime: opts.occurTime } : {}) })
  return { ...msg, msgId: `HRAPI${process.pid}x${String(sequence).padStart(6, '0')}x${Date.now()}` }
}

/** Beijing time `YYYY-MM-DD HH:mm:ss` -> the ISO instant provenance records. */
const beijingIso = (text: string): string => new Date(`${text.replace(' ', 'T')}+08:00`).toISOString()

/** A valid ID with its check character replaced by a wrong one. */
function withWrongCheck (id: string): string {
  const wrong = '10X98765432'.split('').find((c) => c !== id[17])!
  return id.slice(0, 17) + wrong
}

/** The first non-quirky resident of `seed` the predicate accepts. */
function findResident (seed: number, accept: (f: ResidentFacts, r: HouseholdRecord) => boolean): { index: number, facts: ResidentFacts, record: HouseholdRecord } {
  for (let index = 0; index < 200_000; index++) {
    const facts = residentFacts(seed, index)
    if (facts.quirk) continue
    const record = residentAt(seed, index)
    if (accept(facts, record)) return { index, facts, record }
  }
  throw new Error('no such resident')
}

/** Every page of a list route, following `next` until null. */
async function allPages (base: string, path: string, limit: number): Promise<{ items: Json[], pages: number }> {
  const items: Json[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const sep = path.includes('?') ? '&' : '?'
    const res = await callApi(base, 'GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: AUTH })
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.text}`)
    if (!Array.isArray(res.body.items) || !('next' in res.body)) throw new Error(`${path}: not {items, next}`)
    if (res.body.items.length > limit) throw new Error(`${path}: more than limit items`)
    if (res.body.next !== null && res.body.items.length !== limit) throw new Error(`${path}: a short page with a next cursor`)
    items.push(...res.body.items as Json[])
    cursor = res.body.next as string | null
    if (++pages > 500) throw new Error('paging does not end')
  } while (cursor !== null)
  return { items, pages }
}

/** Next millisecond boundary: what was received before is before it, what comes after is at or after it. */
async function timeBoundary (): Promise<Date> {
  const now = Date.now()
  await eventually(() => Date.now() > now, 5000, 1)
  return new Date(now + 1)
}

function metricValue (text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  return line === undefined ? undefined : Number(line.slice(sample.length + 1))
}

function marketInstance (baseUrl: string) {
  return {
    id: MR,
    adapter: MR,
    baseUrl,
    credentials: { clientId: 'tongban-demo', clientSecret: 'demo-secret' },
    every: '2s',
    pageSize: 500,
    timeout: '5s',
    retries: { attempts: 20, backoff: '100ms' },
    breaker: { volumeThreshold: 50, resetTimeout: '500ms' },
  }
}

// ------------------------------------------------------------------------------------------

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`API on ${store}`, async (t) => {
    const sim = await startSimulator({ seed: MARKET_SEED, enterprises: ENTERPRISES, rateLimitPerSecond: 1000 })
    t.teardown(sim.close)
    const { gateway, auth } = await startTestGateway(t, {
      store,
      redisIndex: store === 'pglite' ? 10 : 11,
      adapters: [{ id: HR, adapter: HR, webhook: { secrets: [DEMO_SECRET] }, concurrency: 4 }, marketInstance(sim.url)],
    })
    const base = gateway.url
    AUTH = auth
    const api = async (path: string) => await callApi(base, 'GET', `/api/v1${path}`, { headers: AUTH })
    const apiPost = async (path: string, body?: unknown) => await callApi(base, 'POST', `/api/v1${path}`, { headers: AUTH, body })

    /** Residents this test has delivered and expects stored, by canonical ID number. */
    const sent = new Map<string, ResidentFacts>()
    /** The IDs of the residents this test sent, in the order listed; anyone else must be a legal representative linked from the market register. */
    const fromHousehold = (items: Json[]): string[] => {
      for (const p of items) if (!sent.has(p.idNumber) && p.provenance.name?.adapter !== MR) throw new Error(`unexpected person ${String(p.idNumber)}`)
      return items.filter((p) => sent.has(p.idNumber)).map((p) => p.idNumber as string)
    }

    async function inboxRow (webhookId: string): Promise<Json | undefined> {
      const r = await api(`/inbox?adapter=${HR}&limit=500`)
      return (r.body.items as Json[]).find((i) => i.webhookId === webhookId)
    }
    const finished = async (webhookId: string): Promise<Json> =>
      await eventually(async () => { const row = await inboxRow(webhookId); return row && row.status !== 'received' && row.processedAt ? row : undefined })

    /** Posts one message and waits until the gateway has processed it. */
    async function deliver (records: Array<{ record: HouseholdRecord, facts?: ResidentFacts }>, opts: { eventType?: string, occurTime?: string } = {}) {
      const msg = message(records.map((r) => r.record), opts)
      const res = await postWebhook(base, JSON.stringify(msg), msg.msgId)
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(res.body)}`)
      const row = await finished(msg.msgId)
      for (const r of records) if (r.facts) sent.set(r.facts.idNumber, r.facts)
      return { msg, receiptId: Number(res.body.receiptId), row }
    }

    t.test('/api/v1 needs the bearer token', async (t) => {
      for (const [method, path] of [['GET', '/api/v1/persons'], ['GET', '/api/v1/persons/110101199003074477'], ['GET', '/api/v1/sync/status'], ['GET', '/api/v1/inbox'], ['POST', '/api/v1/inbox/replay'], ['POST', '/api/v1/quarantine/1/retry'], ['POST', '/api/v1/admin/migrate']] as const) {
        for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }, { authorization: `Bearer ${TOKEN}x` }, { authorization: 'Bearer' }]) {
          const res = await callApi(base, method, path, { headers, ...(method === 'POST' ? { body: {} } : {}) })
          t.same(res.body, { statusCode: 401, code: 'TB_UNAUTHORIZED', error: 'Unauthorized', message: String(res.body.message) }, `${method} ${path} with ${JSON.stringify(headers)}`)
          t.equal(res.status, 401)
          t.match(res.body.message, /bearer token/)
        }
      }
      t.equal((await api('/sync/status')).status, 200, 'the right token passes')
      t.equal((await callApi(base, 'GET', '/api/v1/sync/status', { headers: { authorization: AUTH.authorization!.replace('Bearer', 'bearer') } })).status, 200, 'the scheme is case-insensitive')
      const bootstrap = await callApi(base, 'GET', '/api/v1/persons', { headers: { authorization: `Bearer ${TOKEN}` } })
      t.same([bootstrap.status, bootstrap.body.code], [403, 'TB_FORBIDDEN'], 'the bootstrap token sets up; it reads no personal data')
    })

    t.test('GET /healthz, /readyz', async (t) => {
      t.same(await callApi(base, 'GET', '/healthz').then((r) => [r.status, r.body]), [200, { status: 'ok' }])
      t.same(await callApi(base, 'GET', '/readyz').then((r) => [r.status, r.body]), [200, { status: 'ok', redis: 'ok', database: 'ok' }])
    })

    t.test('GET /api/v1/persons/:idNumber — 18 digits, the 15-digit form, a lowercase x', async (t) => {
      // A resident the department registered with the legacy 15-digit number.
      const legacy = findResident(61, (f) => f.idForm === 'legacy-15')
      t.equal(legacy.record.GMSFHM.length, 15)
      const occurTime = '2026-11-20 09:31:05'
      const record = { ...legacy.record, LXDH: '13812345678', HJDZ_XZJDDM: '320412120', HJDZ_QHNXXDZ: '湟里镇东安村8号' }
      const { msg } = await deliver([{ record, facts: legacy.facts }], { occurTime })
      const source = { adapter: HR, sourceId: `${msg.msgId}#0`, observedAt: beijingIso(occurTime) }
      const expected = {
        idNumber: legacy.facts.idNumber,
        name: legacy.facts.name,
        gender: legacy.facts.gender,
        birthDate: legacy.facts.birthDate,
        ethnicityCode: legacy.facts.ethnicityCode,
        phone: '13812345678',
        address: '湟里镇东安村8号',
        divisionCode: '320412120000',
        status: 'registered',
        provenance: Object.fromEntries(PERSON_FIELDS.filter((f) => f !== 'idNumber' && f !== 'provenance').map((f) => [f, source])),
      }
      t.equal(source.observedAt, '2026-11-20T01:31:05.000Z')
      const by18 = await api(`/persons/${legacy.facts.idNumber}`)
      t.equal(by18.status, 200)
      t.same(Object.keys(by18.body).sort(), [...PERSON_FIELDS, 'represents', 'facets'].sort(), 'every field of a person, null or not, the enterprises it represents and its facets')
      t.same(by18.body, { ...expected, represents: [], facets: [] })
      const by15 = await api(`/persons/${legacy.record.GMSFHM}`)
      t.equal(by15.status, 200)
      t.same(by15.body, { ...expected, represents: [], facets: [] }, 'the 15-digit legacy number finds the same person')

      // A resident whose check character is X, sent by the department with a lowercase x.
      const x = findResident(61, (f) => f.idForm === 'lowercase-x')
      t.match(x.record.GMSFHM, /x$/)
      await deliver([{ record: x.record, facts: x.facts }])
      const upper = await api(`/persons/${x.facts.idNumber}`)
      t.equal(upper.status, 200)
      t.match(upper.body, { idNumber: x.facts.idNumber, name: x.facts.name, birthDate: x.facts.birthDate, gender: x.facts.gender })
      t.match(x.facts.idNumber, /X$/)
      const lower = await api(`/persons/${x.facts.idNumber.toLowerCase()}`)
      t.equal(lower.status, 200)
      t.same(lower.body, upper.body, 'a lowercase x finds the same person')

      const wrong = await api(`/persons/${withWrongCheck(legacy.facts.idNumber)}`)
      t.equal(wrong.status, 422)
      t.match(wrong.body, { statusCode: 422, code: 'TB_ID_CHECKSUM', error: 'Unprocessable Entity', message: String })
      const format = await api('/persons/12345')
      t.match(format, { status: 422, body: { code: 'TB_ID_FORMAT' } })

      const unknown = findResident(61, (f) => !sent.has(f.idNumber) && f.idForm === 'standard')
      const missing = await api(`/persons/${unknown.facts.idNumber}`)
      t.equal(missing.status, 404)
      t.match(missing.body, { statusCode: 404, code: 'TB_PERSON_NOT_FOUND', error: 'Not Found', message: new RegExp(unknown.facts.idNumber) })
    })

    t.test('GET /api/v1/persons?q= by name and by ID prefix, paged through next', async (t) => {
      const seed = 62
      const records = Array.from({ length: 300 }, (_, i) => ({ record: residentAt(seed, i), facts: residentFacts(seed, i) }))
      const good = records.filter((r) => !r.facts.quirk)
      const { row } = await deliver(records.map((r) => (r.facts.quirk ? { record: r.record } : r)))
      t.equal(row.recordsOk, good.length)
      t.equal(row.recordsQuarantined, records.length - good.length)

      const mostCommon = (values: string[]): string => {
        const counts = new Map<string, number>()
        for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
        return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0]
      }
      const all = [...sent.values()]

      // By name: the most common first character, 4 per page.
      const surname = mostCommon(all.map((f) => f.name[0]!))
      // Name matches come in (name, ID number) order, names compared by code point (the "C" collation).
      const nameOrder = (a: { name: string, idNumber: string }, b: { name: string, idNumber: string }): number =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : a.idNumber < b.idNumber ? -1 : 1
      const byName = all.filter((f) => f.name.startsWith(surname)).sort(nameOrder).map((f) => f.idNumber)
      t.ok(byName.length > 8, `${byName.length} residents named ${surname}…`)
      const names = await allPages(base, `/api/v1/persons?q=${encodeURIComponent(surname)}`, 4)
      t.same(fromHousehold(names.items), byName, 'every match once, in name order')
      const shown = names.items.map((p) => ({ name: p.name as string, idNumber: p.idNumber as string }))
      t.same(shown, [...new Map(shown.map((p) => [p.idNumber, p])).values()].sort(nameOrder), 'legal representatives of the same name among them, each once, in name order')
      t.ok(names.items.every((p) => (p.name as string).startsWith(surname)))
      t.equal(names.pages, Math.max(1, Math.ceil(names.items.length / 4)), 'the last page, even when full, has next null')
      for (const p of names.items) {
        t.same(Object.keys(p).sort(), [...PERSON_FIELDS].sort())
        if (sent.has(p.idNumber)) t.equal(p.name, sent.get(p.idNumber)!.name)
      }
      const fullName = all.find((f) => f.name.length >= 2 && all.filter((o) => o.name.startsWith(f.name)).length === 1)!
      const exactName = await api(`/persons?q=${encodeURIComponent(fullName.name)}`)
      const { represents: _, facets: __, ...listed } = await api(`/persons/${fullName.idNumber}`).then((r) => r.body)
      t.same(exactName.body.items.filter((p: Json) => sent.has(p.idNumber)), [listed], 'a whole name')

      // By ID prefix: the most common 6-digit division, 7 per page.
      const prefix = mostCommon(all.map((f) => f.idNumber.slice(0, 6)))
      const byPrefix = all.filter((f) => f.idNumber.startsWith(prefix)).map((f) => f.idNumber).sort()
      t.ok(byPrefix.length > 7)
      t.same(fromHousehold((await allPages(base, `/api/v1/persons?q=${prefix}`, 7)).items), byPrefix)
      const longer = byPrefix[0]!.slice(0, 12)
      t.same(fromHousehold((await allPages(base, `/api/v1/persons?q=${longer}`, 2)).items), all.filter((f) => f.idNumber.startsWith(longer)).map((f) => f.idNumber).sort())
      const xId = all.find((f) => f.idNumber.endsWith('X'))!
      t.same((await api(`/persons?q=${xId.idNumber.toLowerCase()}`)).body.items.map((p: Json) => p.idNumber), [xId.idNumber], 'a whole ID with a lowercase x')

      // Without q: everyone, once.
      t.same(fromHousehold((await allPages(base, '/api/v1/persons', 200)).items), [...sent.keys()].sort())

      // Wildcards are literal; nobody's name starts with them.
      t.same((await api(`/persons?q=${encodeURIComponent('%')}`)).body, { items: [], next: null }, "q='%' matches nothing")
      t.same((await api(`/persons?q=${encodeURIComponent('_')}`)).body, { items: [], next: null })
      t.same((await api(`/persons?q=${encodeURIComponent(`${surname}%`)}`)).body, { items: [], next: null })

      // Cursors are opaque and checked.
      const firstPage = await api(`/persons?q=${encodeURIComponent(surname)}&limit=2`)
      t.type(firstPage.body.next, 'string')
      t.not(firstPage.body.next, firstPage.body.items[1].idNumber, 'the cursor is not the raw key')
      for (const forged of ['not-a-cursor!', Buffer.from('123').toString('base64url'), Buffer.from('{"a":1}').toString('base64url'), Buffer.from(byName[0]!).toString('base64url')]) {
        const res = await api(`/persons?q=${encodeURIComponent(surname)}&cursor=${encodeURIComponent(forged)}`)
        t.equal(res.status, 400, `forged cursor ${forged}`)
        t.match(res.body, { statusCode: 400, code: 'TB_CURSOR_INVALID' })
      }
    })

    t.test('enterprises from the market-regulation simulator: GET /enterprises/:code and ?q=', async (t) => {
      const indices = Array.from({ length: ENTERPRISES }, (_, i) => i)
      const good = indices.filter((i) => !hasBadCheck(MARKET_SEED, i))
      const bad = indices.filter((i) => hasBadCheck(MARKET_SEED, i))
      await eventually(async () => {
        const stored = (await allPages(base, '/api/v1/enterprises', 200)).items.length
        const quarantined = (await api(`/quarantine?adapter=${MR}&limit=500`)).body.items.length
        return stored === good.length && quarantined === bad.length
      })
      const rows = new Map(good.map((i) => [enterpriseAt(MARKET_SEED, i).TYSHXYDM, i]))
      const codes = [...rows.keys()].sort()
      t.same((await allPages(base, '/api/v1/enterprises', 37)).items.map((e) => e.creditCode), codes, 'every enterprise with a good code, once, paged')

      // One enterprise, every field: what the adapter's mapping of the served row says.
      const index = good.find((i) => {
        const f = enterpriseFacts(MARKET_SEED, i)
        const row = enterpriseAt(MARKET_SEED, i)
        return f.idForm === 'legacy-15' && f.establishedOn && f.division && ![row.ZS, row.HYDM, row.ZCZB].some((v) => v === '' || v === 'null')
      })!
      const row = enterpriseAt(MARKET_SEED, index)
      const facts = enterpriseFacts(MARKET_SEED, index)
      const mapped = mapRecord(marketRegulation, toRawRecord(row, new Date()))
      if (!mapped.ok) throw new Error('the chosen row does not map')
      const source = { adapter: MR, sourceId: `${row.TYSHXYDM}@${row.GXSJ}`, observedAt: mapped.record.observedAt.toISOString() }
      const res = await api(`/enterprises/${facts.creditCode}`)
      t.equal(res.status, 200)
      t.same(Object.keys(res.body).sort(), [...ENTERPRISE_FIELDS, 'facets'].sort())
      const rep = mapped.record.data.legalRepresentative as { name: string, idNumber: string }
      t.same(res.body, {
        ...Object.fromEntries(ENTERPRISE_FIELDS.map((f) => [f, mapped.record.data[f] ?? null])),
        legalRepresentative: { ...rep, person: { idNumber: rep.idNumber, name: rep.name, href: `/api/v1/persons/${rep.idNumber}` } },
        provenance: Object.fromEntries(Object.keys(mapped.record.data).filter((f) => f !== 'creditCode').map((f) => [f, source])),
        facets: [],
      }, 'every field, the legal representative with a reference to the linked person')
      const linked = await api(`/persons/${rep.idNumber}`)
      t.match(linked.body, { idNumber: rep.idNumber, name: rep.name, provenance: { name: source } })
      t.ok((linked.body.represents as Json[]).some((e) => e.creditCode === facts.creditCode), 'the person lists the enterprise it represents')
      t.match(res.body, {
        creditCode: facts.creditCode,
        status: facts.status,
        establishedOn: facts.establishedOn,
        legalRepresentative: { name: String, idNumber: facts.legalRepresentativeId },
        divisionCode: new RegExp(`^${facts.division}0*$`),
        registeredCapital: { amount: Number, currency: /^[A-Z]{3}$/, text: String },
        type: row.QYLX,
        industryCode: row.HYDM,
      })
      t.equal(res.body.legalRepresentative.idNumber.length, 18, 'the 15-digit legal representative number is upgraded')
      t.equal(source.observedAt.length, 24)

      const badCode = enterpriseAt(MARKET_SEED, bad[0]!).TYSHXYDM
      t.match(await api(`/enterprises/${badCode}`), { status: 422, body: { code: 'TB_CREDIT_CODE_CHECKSUM' } })
      const elsewhere = [5000, 5001, 5002, 5003].find((i) => !hasBadCheck(MARKET_SEED, i))!
      t.match(await api(`/enterprises/${enterpriseAt(MARKET_SEED, elsewhere).TYSHXYDM}`), { status: 404, body: { code: 'TB_ENTERPRISE_NOT_FOUND' } })

      // Name substring: a word about 30 names share, 6 per page.
      const names = new Map(codes.map((c) => [c, mapRecordName(rows.get(c)!)]))
      const counts = new Map<string, number>()
      for (const name of names.values()) for (const w of new Set(Array.from({ length: name.length - 1 }, (_, i) => name.slice(i, i + 2)))) counts.set(w, (counts.get(w) ?? 0) + 1)
      const word = [...counts.entries()].sort((a, b) => Math.abs(a[1] - 30) - Math.abs(b[1] - 30) || (a[0] < b[0] ? -1 : 1))[0]![0]
      const byWord = codes.filter((c) => names.get(c)!.includes(word))
      t.ok(byWord.length > 6, `${byWord.length} names contain ${word}`)
      const found = await allPages(base, `/api/v1/enterprises?q=${encodeURIComponent(word)}`, 6)
      t.same(found.items.map((e) => e.creditCode), byWord)
      for (const e of found.items) t.match(e.name, word)

      // Credit-code prefix.
      const prefix = codes[Math.floor(codes.length / 2)]!.slice(0, 6)
      const byPrefix = codes.filter((c) => c.startsWith(prefix))
      t.ok(byPrefix.length > 1)
      t.same((await allPages(base, `/api/v1/enterprises?q=${prefix}`, 5)).items.map((e) => e.creditCode), byPrefix)
      t.same((await api(`/enterprises?q=${encodeURIComponent('%')}`)).body, { items: [], next: null }, "q='%' matches nothing")
      t.match(await api(`/enterprises?cursor=${Buffer.from('7').toString('base64url')}`), { status: 400, body: { code: 'TB_CURSOR_INVALID' } })

      // Bad check characters are quarantined; a retry of a pulled record says why again.
      const q = (await api(`/quarantine?adapter=${MR}&status=open&limit=500`)).body.items as Json[]
      t.same(q.map((i) => i.sourceId.split('@')[0]).sort(), bad.map((i) => enterpriseAt(MARKET_SEED, i).TYSHXYDM).sort())
      for (const item of q) t.match(item, { adapter: MR, kind: 'enterprise', reasonCode: 'TB_CREDIT_CODE_CHECKSUM', field: 'TYSHXYDM', inboxId: null, status: 'open', raw: { fields: { TYSHXYDM: String } } })
      const retried = await apiPost(`/quarantine/${q[0]!.id}/retry`)
      t.match(retried, { status: 200, body: { id: q[0]!.id, status: 'open', reasonCode: 'TB_CREDIT_CODE_CHECKSUM', reason: String } })
    })

    t.test('quarantine: a bad check digit is listed; a retry says why again; unknown ids are 404', async (t) => {
      const r = findResident(63, (f) => f.idForm === 'standard')
      const badId = withWrongCheck(r.facts.idNumber)
      const { msg, receiptId, row } = await deliver([{ record: { ...r.record, GMSFHM: badId } }])
      t.match(row, { status: 'done', recordsOk: 0, recordsQuarantined: 1 })
      const list = await api(`/quarantine?adapter=${HR}&status=open&limit=500`)
      t.equal(list.status, 200)
      const item = (list.body.items as Json[]).find((i) => i.sourceId === `${msg.msgId}#0`)!
      t.ok(item, 'the record is listed')
      t.same(Object.keys(item).sort(), ['adapter', 'createdAt', 'field', 'handledAt', 'handledBy', 'id', 'inboxId', 'kind', 'note', 'raw', 'rawValue', 'reason', 'reasonCode', 'sourceId', 'status', 'updatedAt'])
      t.match(item, { adapter: HR, kind: 'person', inboxId: receiptId, reasonCode: 'TB_ID_CHECKSUM', field: 'GMSFHM', rawValue: badId, status: 'open', reason: /check character/ })
      t.same(item.raw.fields, { ...r.record, GMSFHM: badId }, 'the raw record as the department sent it')
      t.equal(item.raw.sourceId, `${msg.msgId}#0`)
      t.match(await api(`/persons/${r.facts.idNumber}`), { status: 404 })

      const retry = await apiPost(`/quarantine/${item.id}/retry`)
      t.equal(retry.status, 200)
      t.same(retry.body, { id: item.id, status: 'open', reasonCode: 'TB_ID_CHECKSUM', reason: item.reason })
      const after = (await api(`/quarantine?adapter=${HR}&status=open&limit=500`)).body.items as Json[]
      t.equal(after.filter((i) => i.sourceId === `${msg.msgId}#0`).length, 1, 'still one open item')
      t.equal((await api(`/quarantine?adapter=${HR}&status=resolved&limit=500`)).body.items.length, 0)
      const byReason = (await api('/quarantine?reasonCode=TB_ID_CHECKSUM&limit=500')).body.items as Json[]
      t.ok(byReason.some((i) => i.id === item.id) && byReason.every((i) => i.reasonCode === 'TB_ID_CHECKSUM'), 'filtered by reason code')

      // Paging through the quarantine.
      const paged = await allPages(base, `/api/v1/quarantine?adapter=${HR}`, 3)
      t.same(paged.items.map((i) => i.id), after.map((i) => i.id).sort((a, b) => b - a), 'newest first, every item once')
      t.match(await api(`/quarantine?cursor=${Buffer.from('"x"').toString('base64url')}`), { status: 400, body: { code: 'TB_CURSOR_INVALID' } })

      t.match(await apiPost('/quarantine/987654321/retry'), { status: 404, body: { statusCode: 404, code: 'TB_QUARANTINE_NOT_FOUND', message: /987654321/ } })
      t.match(await apiPost('/quarantine/abc/retry'), { status: 400, body: { code: 'TB_VALIDATION' } })
    })

    t.test('GET /api/v1/inbox with adapter and status filters', async (t) => {
      const r = findResident(64, (f) => f.idForm === 'standard')
      const { msg, receiptId } = await deliver([{ record: r.record, facts: r.facts }])
      const brokenId = `HRAPIbroken${process.pid}x${Date.now()}`
      t.equal((await postWebhook(base, '{"msgId": "broken", "records": [', brokenId)).status, 202, 'an unreadable body is committed first')
      const broken = await finished(brokenId)
      t.match(broken, { status: 'failed', recordsOk: 0, recordsQuarantined: 1, error: /not JSON/ })

      const all = await api(`/inbox?adapter=${HR}&limit=500`)
      const item = (all.body.items as Json[]).find((i) => i.webhookId === msg.msgId)!
      t.same(Object.keys(item).sort(), ['adapter', 'bytes', 'error', 'id', 'processedAt', 'receivedAt', 'recordsOk', 'recordsQuarantined', 'status', 'webhookId'], 'no generation or body exposed')
      t.match(item, { id: receiptId, adapter: HR, status: 'done', recordsOk: 1, recordsQuarantined: 0, error: null, bytes: Buffer.byteLength(JSON.stringify(msg)) })
      t.ok(Date.parse(item.processedAt) >= Date.parse(item.receivedAt))
      const ids = (all.body.items as Json[]).map((i) => i.id)
      t.same(ids, [...ids].sort((a, b) => b - a), 'newest first')

      const done = (await api(`/inbox?adapter=${HR}&status=done&limit=500`)).body.items as Json[]
      t.ok(done.length > 0 && done.every((i) => i.status === 'done' && i.adapter === HR))
      t.ok(done.some((i) => i.webhookId === msg.msgId))
      t.notOk(done.some((i) => i.webhookId === brokenId))
      const failed = (await api(`/inbox?status=failed&limit=500`)).body.items as Json[]
      t.same(failed.map((i) => i.webhookId), [brokenId])
      t.same((await api(`/inbox?adapter=${MR}`)).body, { items: [], next: null }, 'a pull adapter receives no webhooks')
      t.same((await api('/inbox?adapter=no-such-adapter')).body, { items: [], next: null })
      const window = await api(`/inbox?from=${encodeURIComponent(item.receivedAt)}&to=${encodeURIComponent(new Date(Date.parse(item.receivedAt) + 1).toISOString())}`)
      t.ok((window.body.items as Json[]).some((i) => i.id === receiptId), 'from/to select by receipt time')
      t.match(await api('/inbox?status=lost'), { status: 400, body: { code: 'TB_VALIDATION', message: /status/ } })
      t.same((await allPages(base, `/api/v1/inbox?adapter=${HR}`, 4)).items.map((i) => i.id), ids, 'paged through next')
    })

    t.test('POST /api/v1/inbox/replay runs stored messages again', async (t) => {
      const from = await timeBoundary()
      const p = findResident(65, (f) => f.idForm === 'standard')
      const picked = new Set([p.facts.idNumber])
      const others = [0, 1, 2].map(() => {
        const o = findResident(65, (f) => f.idForm === 'standard' && !picked.has(f.idNumber))
        picked.add(o.facts.idNumber)
        return o
      })
      const newer = await deliver([{ record: { ...p.record, HJDZ_QHNXXDZ: '湟里镇新址1号' }, facts: p.facts }], { eventType: 'BG', occurTime: '2026-11-21 10:00:00' })
      const older = await deliver([{ record: { ...p.record, HJDZ_QHNXXDZ: '湟里镇旧址9号' }, facts: p.facts }, ...others.map((o) => ({ record: o.record, facts: o.facts }))], { eventType: 'QR', occurTime: '2026-11-20 10:00:00' })
      const to = await timeBoundary()
      const person = (await api(`/persons/${p.facts.idNumber}`)).body
      t.equal(person.address, '湟里镇新址1号')
      const before = await Promise.all([newer.msg.msgId, older.msg.msgId].map(async (id) => (await inboxRow(id))!))
      const personsBefore = (await allPages(base, '/api/v1/persons', 200)).items.length
      const unifiedBefore = metricValue((await callApi(base, 'GET', '/metrics')).text, `tongban_records_total{adapter="${HR}",outcome="unified"}`)
      t.type(unifiedBefore, 'number')

      const res = await apiPost('/inbox/replay', { adapter: HR, from: from.toISOString(), to: to.toISOString() })
      t.equal(res.status, 202)
      t.same(res.body, { replayed: 2 }, 'the two messages of the range, no others')

      const after = await eventually(async () => {
        const rows = await Promise.all([newer.msg.msgId, older.msg.msgId].map(async (id) => await inboxRow(id)))
        return rows.every((r, i) => r && r.status === 'done' && r.processedAt !== null && Date.parse(r.processedAt) > Date.parse(before[i]!.processedAt)) ? rows as Json[] : undefined
      })
      for (const [i, row] of after.entries()) {
        t.match(row, { id: before[i]!.id, status: 'done', recordsOk: before[i]!.recordsOk, recordsQuarantined: 0, error: null }, 'processed again, same outcome')
        t.notOk('generation' in row)
      }
      await eventually(async () => {
        const text = (await callApi(base, 'GET', '/metrics')).text
        return metricValue(text, `tongban_records_total{adapter="${HR}",outcome="unified"}`) === unifiedBefore! + 1 + 1 + others.length
      })
      t.pass('the replayed records were unified again')
      const replayedPerson = (await api(`/persons/${p.facts.idNumber}`)).body
      t.equal(replayedPerson.address, '湟里镇新址1号', 'replaying an older message never overwrites newer data')
      t.same(replayedPerson, person)
      t.equal((await allPages(base, '/api/v1/persons', 200)).items.length, personsBefore, 'no records added or lost')

      t.same((await apiPost('/inbox/replay', { adapter: HR, from: to.toISOString(), to: new Date(to.getTime() + 1).toISOString() })).body, { replayed: 0 }, 'an empty range')
      t.match(await apiPost('/inbox/replay', { adapter: 'no-such-adapter', from: from.toISOString(), to: to.toISOString() }), { status: 404, body: { code: 'TB_ADAPTER_NOT_FOUND' } })
      t.match(await apiPost('/inbox/replay', { adapter: HR, from: 'yesterday', to: to.toISOString() }), { status: 400, body: { code: 'TB_VALIDATION', message: /from/ } })
    })

    t.test('GET /api/v1/sync/status', async (t) => {
      const res = await api('/sync/status')
      t.equal(res.status, 200)
      t.same(Object.keys(res.body), ['adapters'])
      const byId = Object.fromEntries((res.body.adapters as Json[]).map((a) => [a.adapter, a]))
      t.same(Object.keys(byId).sort(), [HR, MR])
      for (const a of res.body.adapters as Json[]) {
        t.same(Object.keys(a).sort(), ['adapter', 'backlog', 'breaker', 'department', 'failures', 'lagSeconds', 'lastSuccess', 'mode', 'quarantined', 'state'])
        t.match(a, { department: String, state: /^(idle|busy|failing|breaker-open)$/, backlog: Number, failures: Number, quarantined: Number, breaker: { state: /^(closed|open|half-open)$/ } })
        t.ok(a.lastSuccess === null || !Number.isNaN(Date.parse(a.lastSuccess)))
      }
      t.match(byId[HR], { mode: 'push', department: '公安 人口信息', lastSuccess: String, lagSeconds: Number })
      t.match(byId[MR], { mode: 'pull', lastSuccess: String, lagSeconds: Number, breaker: { state: 'closed' } })
      const openHr = (await api(`/quarantine?adapter=${HR}&status=open&limit=500`)).body.items.length
      t.equal(byId[HR].quarantined, openHr, 'quarantined counts the open items')
      t.ok(byId[MR].quarantined > 0)
    })

    t.test('GET /metrics', async (t) => {
      const res = await callApi(base, 'GET', '/metrics')
      t.equal(res.status, 200)
      t.match(res.type, /^text\/plain/)
      t.ok((metricValue(res.text, `tongban_webhooks_total{adapter="${HR}",outcome="accepted"}`) ?? 0) > 0, 'accepted webhooks are counted')
      await eventually(async () => {
        const text = (await callApi(base, 'GET', '/metrics')).text
        return (metricValue(text, `tongban_jobs_total{adapter="${HR}",queue="ingest",outcome="completed"}`) ?? 0) > 0 &&
          (metricValue(text, `tongban_jobs_total{adapter="${MR}",queue="pull",outcome="completed"}`) ?? 0) > 0 &&
          (metricValue(text, `tongban_records_total{adapter="${MR}",outcome="quarantined"}`) ?? 0) > 0
      })
      t.pass('jobs and records are counted per adapter')
      const text = (await callApi(base, 'GET', '/metrics')).text
      for (const queue of ['ingest', 'pull']) t.type(metricValue(text, `tongban_queue_depth{adapter="${MR}",queue="${queue}",state="waiting"}`), 'number', `queue depth of ${MR} ${queue}`)
      t.type(metricValue(text, `tongban_queue_depth{adapter="${HR}",queue="ingest",state="failed"}`), 'number')
      t.type(metricValue(text, `tongban_sync_lag_seconds{adapter="${HR}"}`), 'number')
      t.type(metricValue(text, `tongban_sync_lag_seconds{adapter="${MR}"}`), 'number')
      t.equal(metricValue(text, `tongban_breaker_open{adapter="${MR}"}`), 0)
      t.match(text, /# TYPE tongban_jobs_total counter/)
    })

    t.test('GET /docs/json is the OpenAPI 3 document', async (t) => {
      const res = await callApi(base, 'GET', '/docs/json')
      t.equal(res.status, 200)
      const doc = res.body
      t.match(doc.openapi, /^3\./)
      for (const path of ['/webhooks/{adapterId}', '/api/v1/persons/{idNumber}', '/api/v1/persons', '/api/v1/enterprises/{creditCode}', '/api/v1/enterprises', '/api/v1/sync/status', '/api/v1/quarantine', '/api/v1/quarantine/{id}/retry', '/api/v1/inbox', '/api/v1/inbox/replay', '/healthz', '/readyz', '/metrics']) {
        t.ok(doc.paths[path], `documents ${path}`)
      }
      t.ok(doc.paths['/webhooks/{adapterId}'].post)
      t.ok(doc.paths['/api/v1/inbox/replay'].post)
      t.same(doc.paths['/api/v1/persons/{idNumber}'].get.security, [{ bearer: [] }, { session: [] }], 'the API routes need a bearer token or the session cookie')
      t.notOk(doc.paths['/healthz'].get.security)
      for (const name of ['Person', 'Enterprise', 'Error']) t.ok(doc.components.schemas[name], `component ${name}`)
      t.same(Object.keys(doc.components.schemas.Person.properties).sort(), [...PERSON_FIELDS].sort())
      t.same(Object.keys(doc.components.schemas.Enterprise.properties).sort(), [...ENTERPRISE_FIELDS].sort())
      t.match(doc.components.securitySchemes, { bearer: { type: 'http', scheme: 'bearer' } })
      t.match(JSON.stringify(doc.paths['/api/v1/persons/{idNumber}'].get.responses['200']), /#\/components\/schemas\/Person/)
    })

    t.test('unknown routes and bad queries', async (t) => {
      const unknown = await callApi(base, 'GET', '/no/such/route?x=1')
      t.equal(unknown.status, 404)
      t.same(unknown.body, { statusCode: 404, code: 'TB_NOT_FOUND', error: 'Not Found', message: 'No route matches GET /no/such/route' })
      t.match(await callApi(base, 'DELETE', '/api/v1/persons', { headers: AUTH }), { status: 404, body: { code: 'TB_NOT_FOUND' } })
      t.match(await api('/nothing-here'), { status: 404, body: { code: 'TB_NOT_FOUND' } })

      for (const [path, field] of [['/persons?limit=0', 'limit'], ['/persons?limit=201', 'limit'], ['/persons?limit=ten', 'limit'], ['/enterprises?limit=0', 'limit'], ['/inbox?limit=0', 'limit'], ['/quarantine?status=closed', 'status'], [`/persons?q=${'王'.repeat(65)}`, 'q']] as const) {
        const res = await api(path)
        t.equal(res.status, 400, path)
        t.match(res.body, { statusCode: 400, code: 'TB_VALIDATION', error: 'Bad Request' })
        t.match(res.body.message, new RegExp(`querystring\\.${field}`), `${path}: the message names ${field}`)
      }
      const body = await apiPost('/inbox/replay', { adapter: HR })
      t.match(body, { status: 400, body: { code: 'TB_VALIDATION', message: /body\.from/ } })
    })
  })
}

// ------------------------------------------------------------------------------------------
// A quarantine retry that succeeds: the department sends landline numbers, a first version of
// the adapter accepted only mobile numbers and quarantined them; the fixed adapter is deployed
// (the gateway restarts on the same database with the real household-registration adapter) and
// a retry runs the stored message through the fixed mapping.

const mobileOnly = (input: string) => /^1[3-9]\d{9}$/.test(input) ? phone(input) : fail('TB_PHONE_INVALID', input)
const householdV0 = defineAdapter({ ...householdRegistration, fields: { ...householdRegistration.fields, LXDH: ['phone', mobileOnly] } })
// Deployed as an adapter from outside the repository would be: beside the built-in ones.
const withV0 = new Map([...BUILT_IN_ADAPTERS, ['household-registration-v0', { definition: householdV0, source: { kind: 'path' as const, file: '(test)' } }]])

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`a quarantine retry after the adapter is fixed resolves the record (${store})`, async (t) => {
    const dataDir = await tempDir(t)
    const redisUrl = await freshRedis(t, 12)
    const databaseUrl = store === 'postgres' ? await freshPostgresUrl(t) : undefined
    const settings: Settings = { port: 0, host: '127.0.0.1', dataDir, configPath: '(test)', redisUrl, databaseUrl, adminToken: TOKEN }
    const config = (adapter: string) => ({ ...Config.parse({ towns: [{ code: '320412120000', name: '湟里镇' }], adapters: [{ id: HR, adapter, webhook: { secrets: [DEMO_SECRET] } }] }), loadedAdapters: withV0 })
    const { logger } = captureLogger()

    const v0 = await startGateway(settings, { config: config('household-registration-v0'), logger })
    t.teardown(v0.stop)
    AUTH = await operatorAuth(v0.url)
    const landline = findResident(66, (f) => f.idForm === 'standard')
    const mobile = findResident(66, (f) => f.idForm === 'standard' && f.idNumber !== landline.facts.idNumber)
    const occurTime = '2026-11-22 08:15:00'
    const msg = message([{ ...landline.record, LXDH: '0519-86781234' }, { ...mobile.record, LXDH: '13912345678' }], { occurTime })
    t.equal((await postWebhook(v0.url, JSON.stringify(msg), msg.msgId)).status, 202)

    const item = await eventually(async () => {
      const r = await callApi(v0.url, 'GET', `/api/v1/quarantine?adapter=${HR}&status=open`, { headers: AUTH })
      return (r.body.items as Json[] | undefined)?.find((i) => i.sourceId === `${msg.msgId}#0`)
    })
    t.match(item, { reasonCode: 'TB_PHONE_INVALID', field: 'LXDH', rawValue: '0519-86781234', status: 'open' })
    await eventually(async () => (await callApi(v0.url, 'GET', `/api/v1/persons/${mobile.facts.idNumber}`, { headers: AUTH })).status === 200)
    t.match(await callApi(v0.url, 'GET', `/api/v1/persons/${landline.facts.idNumber}`, { headers: AUTH }), { status: 404 })
    t.match(await callApi(v0.url, 'POST', `/api/v1/quarantine/${item.id}/retry`, { headers: AUTH }), { status: 200, body: { id: item.id, status: 'open', reasonCode: 'TB_PHONE_INVALID' } }, 'the old mapping still rejects it')
    await v0.stop()

    const fixed = await startGateway(settings, { config: config(HR), logger })
    t.teardown(fixed.stop)
    const retry = await callApi(fixed.url, 'POST', `/api/v1/quarantine/${item.id}/retry`, { headers: AUTH })
    t.equal(retry.status, 200)
    t.same(retry.body, { id: item.id, status: 'resolved', reasonCode: null, reason: null })
    const person = await callApi(fixed.url, 'GET', `/api/v1/persons/${landline.facts.idNumber}`, { headers: AUTH })
    t.equal(person.status, 200)
    t.match(person.body, { idNumber: landline.facts.idNumber, name: landline.facts.name, phone: '0519-86781234', status: 'registered' })
    t.same(person.body.provenance.phone, { adapter: HR, sourceId: `${msg.msgId}#0`, observedAt: beijingIso(occurTime) }, 'provenance names the original message')
    t.same((await callApi(fixed.url, 'GET', `/api/v1/quarantine?adapter=${HR}&status=open`, { headers: AUTH })).body, { items: [], next: null })
    t.match((await callApi(fixed.url, 'GET', `/api/v1/quarantine?adapter=${HR}&status=resolved`, { headers: AUTH })).body, { items: [{ id: item.id, status: 'resolved' }], next: null })
    t.same((await callApi(fixed.url, 'POST', `/api/v1/quarantine/${item.id}/retry`, { headers: AUTH })).body, { id: item.id, status: 'resolved', reasonCode: null, reason: null }, 'retrying a resolved item changes nothing')
    const status = (await callApi(fixed.url, 'GET', '/api/v1/sync/status', { headers: AUTH })).body
    t.equal(status.adapters[0].quarantined, 0)
  })
}

// The same repair by replaying the stored message: its record lands and the quarantine item
// that the old mapping opened is closed with it.
t.test('an inbox replay after the adapter is fixed closes the quarantine item', async (t) => {
  const dataDir = await tempDir(t)
  const redisUrl = await freshRedis(t, 12)
  const settings: Settings = { port: 0, host: '127.0.0.1', dataDir, configPath: '(test)', redisUrl, databaseUrl: await freshPostgresUrl(t), adminToken: TOKEN }
  const config = (adapter: string) => ({ ...Config.parse({ towns: [{ code: '320412120000', name: '湟里镇' }], adapters: [{ id: HR, adapter, webhook: { secrets: [DEMO_SECRET] } }] }), loadedAdapters: withV0 })
  const { logger } = captureLogger()
  const v0 = await startGateway(settings, { config: config('household-registration-v0'), logger })
  t.teardown(v0.stop)
  AUTH = await operatorAuth(v0.url)
  const landline = findResident(67, (f) => f.idForm === 'standard')
  const from = new Date()
  const msg = message([{ ...landline.record, LXDH: '0519-86781234' }], { occurTime: '2026-11-22 08:15:00' })
  t.equal((await postWebhook(v0.url, JSON.stringify(msg), msg.msgId)).status, 202)
  await eventually(async () => {
    const r = await callApi(v0.url, 'GET', `/api/v1/quarantine?adapter=${HR}&status=open`, { headers: AUTH })
    return (r.body.items as Json[] | undefined)?.some((i) => i.sourceId === `${msg.msgId}#0`)
  })
  await v0.stop()

  const fixed = await startGateway(settings, { config: config(HR), logger })
  t.teardown(fixed.stop)
  const replay = await callApi(fixed.url, 'POST', '/api/v1/inbox/replay', { headers: AUTH, body: { adapter: HR, from: from.toISOString(), to: new Date().toISOString() } })
  t.same(replay.body, { replayed: 1 })
  const person = await eventually(async () => {
    const r = await callApi(fixed.url, 'GET', `/api/v1/persons/${landline.facts.idNumber}`, { headers: AUTH })
    return r.status === 200 ? r.body : undefined
  })
  t.equal(person.phone, '0519-86781234')
  t.same((await callApi(fixed.url, 'GET', `/api/v1/quarantine?adapter=${HR}&status=open`, { headers: AUTH })).body, { items: [], next: null })
})

/** The canonical name the adapter maps market-regulation row `index` to. */
function mapRecordName (index: number): string {
  const mapped = mapRecord(marketRegulation, toRawRecord(enterpriseAt(MARKET_SEED, index), new Date()))
  if (!mapped.ok) throw new Error(`row ${index} does not map`)
  return String(mapped.record.data.name)
}
