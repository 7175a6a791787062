// Unified records end to end, on both stores: the market-regulation simulator's legal
// representatives become linked persons; the household register (authoritative for names)
// disagrees and a conflict opens; listing, filtering and resolving it; a conflict that closes by
// itself; and the history of every change. Data arrives the real way: pull sync from the
// simulator and signed webhooks.
import t from 'tap'
import { sign } from '../src/crypto/webhook-signature.ts'
import { buildMessage, residentAt, type HouseholdRecord } from '../adapters/household-registration/data.ts'
import { startSimulator } from '../adapters/market-regulation/simulator.ts'
import { enterpriseAt, enterpriseFacts } from '../adapters/market-regulation/data.ts'
import { DEMO_SECRET, eventually, startTestGateway } from './helpers.ts'

const HR = 'household-registration'
const MR = 'market-regulation'
const MARKET_SEED = 23
const ENTERPRISES = 60

type Json = Record<string, any>

/** Legal representatives with a standard 18-digit ID, from enterprises without quirks. */
interface Representative { index: number, creditCode: string, name: string, idNumber: string, enterpriseName: string }

function representatives (count: number): Representative[] {
  const out: Representative[] = []
  for (let i = 0; i < ENTERPRISES && out.length < count; i++) {
    const facts = enterpriseFacts(MARKET_SEED, i)
    const row = enterpriseAt(MARKET_SEED, i)
    if (facts.badCheck || facts.idForm !== 'standard' || out.some((r) => r.idNumber === facts.legalRepresentativeId)) continue
    out.push({ index: i, creditCode: facts.creditCode, name: row.FDDBR, idNumber: facts.legalRepresentativeId!, enterpriseName: row.QYMC.trim() })
  }
  if (out.length < count) throw new Error('not enough representatives in the simulated register')
  return out
}

/** A household record for `idNumber`: birth date and gender from the number, the rest from a generated resident. */
function householdRecord (idNumber: string, name: string): HouseholdRecord {
  return {
    ...residentAt(1, 7),
    GMSFHM: idNumber,
    XM: name,
    CSRQ: idNumber.slice(6, 14),
    XB: Number(idNumber[16]) % 2 === 1 ? '1' : '2',
    HJDZ_XZQHDM: '320412',
    HJDZ_XZJDDM: '320412120',
  }
}

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`unified records on ${store}`, async (t) => {
    const sim = await startSimulator({ seed: MARKET_SEED, enterprises: ENTERPRISES, rateLimitPerSecond: 1000, unavailableRate: 0, churnPerRequest: 0, growPerMinute: 0 })
    t.teardown(sim.close)
    const { gateway, auth } = await startTestGateway(t, {
      store,
      redisIndex: store === 'pglite' ? 7 : 8,
      adapters: [
        { id: HR, adapter: HR, webhook: { secrets: [DEMO_SECRET] }, concurrency: 2 },
        { id: MR, adapter: MR, baseUrl: sim.url, credentials: { clientId: 'tongban-demo', clientSecret: 'demo-secret' }, every: '1s', retries: { attempts: 20, backoff: '100ms' } },
      ],
    })
    const call = async (method: string, path: string, body?: unknown): Promise<{ status: number, body: Json }> => {
      const res = await fetch(`${gateway.url}/api/v1${path}`, {
        method,
        headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: res.status, body: await res.json() as Json }
    }
    const get = async (path: string): Promise<Json> => {
      const res = await call('GET', path)
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body
    }
    let sequence = 0
    /** Delivers household records as one signed message and waits until it is processed. */
    const deliver = async (records: HouseholdRecord[], occurTime: string): Promise<string> => {
      const msg = { ...buildMessage(1, ++sequence, { records, eventType: 'BG', occurTime }), msgId: `HRUNI${store}${sequence}x${Date.now()}` }
      const body = JSON.stringify(msg)
      const ts = Math.floor(Date.now() / 1000)
      const res = await fetch(`${gateway.url}/webhooks/${HR}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': msg.msgId, 'webhook-timestamp': String(ts), 'webhook-signature': sign(DEMO_SECRET, msg.msgId, ts, body) },
        body,
      })
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`)
      await eventually(async () => (await get(`/inbox?adapter=${HR}&limit=500`)).items.some((i: Json) => i.webhookId === msg.msgId && i.status === 'done'))
      return msg.msgId
    }

    const [rep, rep2] = representatives(2)
    await eventually(async () => (await call('GET', `/enterprises/${rep2!.creditCode}`)).status === 200 && (await call('GET', `/enterprises/${rep!.creditCode}`)).status === 200)

    t.test('a legal representative becomes a linked partial person', async (t) => {
      const enterprise = await get(`/enterprises/${rep!.creditCode}`)
      t.same(enterprise.legalRepresentative, {
        name: rep!.name,
        idNumber: rep!.idNumber,
        person: { idNumber: rep!.idNumber, name: rep!.name, href: `/api/v1/persons/${rep!.idNumber}` },
      }, 'the enterprise embeds its representative as a person reference')
      const person = await get(`/persons/${rep!.idNumber}`)
      t.equal(person.name, rep!.name)
      t.equal(person.gender, null, 'a partial record: only what the register says')
      t.equal(person.provenance.name.adapter, MR)
      t.match(person.provenance.name.sourceId, new RegExp(`^${rep!.creditCode}@`))
      t.same(person.represents, [{ creditCode: rep!.creditCode, name: rep!.enterpriseName, href: `/api/v1/enterprises/${rep!.creditCode}` }])
      const history = await get(`/persons/${rep!.idNumber}/history`)
      t.equal(history.items.length, 1)
      t.match(history.items[0], { source: { adapter: MR }, changedBy: null, changes: [{ field: 'name', old: null, new: rep!.name }] })
    })

    t.test('the authoritative source wins, the disagreement is a conflict, a person resolves it', async (t) => {
      await deliver([householdRecord(rep!.idNumber, '户籍名')], '2026-11-20 10:00:00')
      const person = await get(`/persons/${rep!.idNumber}`)
      t.equal(person.name, '户籍名', 'the household register outranks the market register for names')
      t.equal(person.provenance.name.adapter, HR)
      t.equal(person.divisionCode, '320412120000')
      const enterprise = await get(`/enterprises/${rep!.creditCode}`)
      t.equal(enterprise.legalRepresentative.name, rep!.name, 'the enterprise keeps what its register says')
      t.equal(enterprise.legalRepresentative.person.name, '户籍名', 'its person reference shows the unified name')

      const open = await get(`/conflicts?field=name&kind=person`)
      const conflict = open.items.find((c: Json) => c.recordKey === rep!.idNumber)
      t.ok(conflict, 'an open conflict on the name')
      t.match(conflict, { kind: 'person', field: 'name', status: 'open', currentValue: '户籍名', divisionCode: '320412120000', resolution: null, closedAt: null })
      t.same(conflict.candidates.map((c: Json) => [c.adapter, c.value]).sort(), [[HR, '户籍名'], [MR, rep!.name]].sort(), 'every candidate with its source')
      t.ok(conflict.candidates.every((c: Json) => typeof c.sourceId === 'string' && !Number.isNaN(Date.parse(c.observedAt))))

      const ids = async (query: string): Promise<number[]> => (await get(`/conflicts?${query}`)).items.map((c: Json) => c.id)
      t.ok((await ids(`adapter=${MR}`)).includes(conflict.id), 'filter by adapter')
      t.same(await ids('adapter=civil-affairs'), [], 'an adapter that is no candidate')
      t.ok((await ids(`town=${encodeURIComponent('武进区湟里镇')}`)).includes(conflict.id), 'filter by town name')
      t.ok((await ids('town=320412120')).includes(conflict.id), 'filter by town code')
      t.notOk((await ids('town=320413101')).includes(conflict.id), 'another town')
      t.same(await ids('field=phone'), [], 'filter by field')
      const badTown = await call('GET', '/conflicts?town=nowhere-town')
      t.equal(badTown.status, 400)
      t.equal(badTown.body.code, 'TB_VALIDATION')

      // A newer observation from the market register does not overwrite the authoritative name.
      const [touched] = sim.touch([rep!.index])
      await eventually(async () => (await get(`/enterprises/${rep!.creditCode}`)).provenance.name.sourceId === `${rep!.creditCode}@${touched!.GXSJ}`)
      const resynced = await get(`/persons/${rep!.idNumber}`)
      t.equal(resynced.name, '户籍名')
      t.equal(resynced.provenance.name.adapter, HR)
      const updated = await get(`/conflicts/${conflict.id}`)
      t.equal(updated.candidates.find((c: Json) => c.adapter === MR).sourceId, `${rep!.creditCode}@${touched!.GXSJ}`, "the conflict holds the market register's latest word")

      const invalid = await call('POST', `/conflicts/${conflict.id}/resolve`, { value: 12, reason: 'typo' })
      t.equal(invalid.status, 422)
      t.equal(invalid.body.code, 'TB_CONFLICT_VALUE_INVALID')
      const noReason = await call('POST', `/conflicts/${conflict.id}/resolve`, { value: '户籍名' })
      t.equal(noReason.status, 400)
      t.equal(noReason.body.code, 'TB_VALIDATION')
      const missing = await call('POST', '/conflicts/999999/resolve', { value: 'x', reason: 'r' })
      t.same([missing.status, missing.body.code], [404, 'TB_CONFLICT_NOT_FOUND'])

      const resolved = await call('POST', `/conflicts/${conflict.id}/resolve`, { value: '核实名', reason: '窗口核对身份证原件' })
      t.equal(resolved.status, 200)
      t.match(resolved.body, { id: conflict.id, status: 'resolved', currentValue: '核实名', resolution: { value: '核实名', reason: '窗口核对身份证原件', resolvedBy: /^token:test-/ } })
      t.ok(resolved.body.closedAt)
      const again = await call('POST', `/conflicts/${conflict.id}/resolve`, { value: '核实名', reason: 'again' })
      t.same([again.status, again.body.code], [409, 'TB_CONFLICT_CLOSED'])

      const after = await get(`/persons/${rep!.idNumber}`)
      t.equal(after.name, '核实名')
      t.match(after.provenance.name, { adapter: 'resolution', sourceId: `conflict/${conflict.id}` })
      t.notOk((await ids('')).includes(conflict.id), 'no longer listed as open')
      t.ok((await ids('status=resolved')).includes(conflict.id))

      // The chosen value outranks the departments: a household update of the name opens a new conflict.
      await deliver([householdRecord(rep!.idNumber, '户籍新名')], '2026-11-20 11:00:00')
      t.equal((await get(`/persons/${rep!.idNumber}`)).name, '核实名')
      const reopened = (await get('/conflicts?field=name')).items.find((c: Json) => c.recordKey === rep!.idNumber)
      t.ok(reopened && reopened.id !== conflict.id, 'a new conflict, not the resolved one')

      const history = await get(`/persons/${rep!.idNumber}/history`)
      t.same(history.items.map((h: Json) => [h.source.adapter, h.changedBy?.replace(/^token:test-.*/, 'the operator'), h.changes.map((c: Json) => c.field === 'name' ? `name:${c.old}->${c.new}` : c.field).sort().join(',')]).slice(0, 3), [
        ['resolution', 'the operator', 'name:户籍名->核实名'],
        [HR, null, `address,birthDate,divisionCode,ethnicityCode,gender,name:${rep!.name}->户籍名,phone,status`],
        [MR, null, `name:null->${rep!.name}`],
      ], 'newest first: the resolution, the household update, the first observation')
      const paged = await get(`/persons/${rep!.idNumber}/history?limit=1`)
      t.equal(paged.items.length, 1)
      const next = await get(`/persons/${rep!.idNumber}/history?limit=1&cursor=${paged.next}`)
      t.equal(next.items[0].id, history.items[1].id, 'paging continues with the next older change')
    })

    t.test('a conflict closes by itself when the sources agree again', async (t) => {
      await deliver([householdRecord(rep2!.idNumber, '别名')], '2026-11-20 10:00:00')
      const conflict = (await get('/conflicts?field=name')).items.find((c: Json) => c.recordKey === rep2!.idNumber)
      t.ok(conflict, 'opened')
      await deliver([householdRecord(rep2!.idNumber, rep2!.name)], '2026-11-20 12:00:00')
      const closed = await get(`/conflicts/${conflict.id}`)
      t.match(closed, { status: 'agreed', currentValue: rep2!.name, resolution: null })
      t.ok(closed.closedAt)
      t.ok(closed.candidates.every((c: Json) => c.value === rep2!.name), 'every candidate now says the same')
      t.equal((await get(`/persons/${rep2!.idNumber}`)).name, rep2!.name)
    })

    t.test('history and links of unknown records', async (t) => {
      const unknown = '110101199003074477'
      t.same([(await call('GET', `/persons/${unknown}/history`)).status, (await call('GET', `/persons/${unknown}/history`)).body.code], [404, 'TB_PERSON_NOT_FOUND'])
      t.equal((await call('GET', '/persons/110101199003074478/history')).body.code, 'TB_ID_CHECKSUM')
      const code = (await call('GET', `/enterprises/${rep!.creditCode}/history`)).body
      t.ok(code.items.length >= 1, 'enterprises have a history too')
      t.equal((await call('GET', '/conflicts/abc')).status, 400)
      t.equal((await call('GET', '/conflicts?cursor=bogus')).body.code, 'TB_CURSOR_INVALID')
    })
  })
}
