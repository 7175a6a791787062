// Quarantine review through the API, on PGlite and PostgreSQL: dismissing an open item with a
// note (required, trimmed, at most 500 characters), a second dismissal answering 409, unknown ids
// 404, window staff 403, the audit entry; a retry with a note and one without a body.
import t from 'tap'
import { buildMessage, idCheckChar, type HouseholdRecord } from '../adapters/household-registration/data.ts'
import { eventually, operatorAuth, startTestGateway, postSignedWebhook, callApi, type Json } from './helpers.ts'


const HR = 'household-registration'
const TOWN = '320412120000'
const withCheck = (first17: string): string => first17 + idCheckChar(first17)
const wrongCheck = (first17: string): string => first17 + (idCheckChar(first17) === '0' ? '1' : '0')

function resident (idNumber: string, name: string, overrides: Partial<HouseholdRecord> = {}): HouseholdRecord {
  return {
    GMSFHM: idNumber, XM: name, XB: Number(idNumber[16]) % 2 === 1 ? '1' : '2', MZ: '01', CSRQ: idNumber.slice(6, 14),
    HJDZ_XZQHDM: TOWN.slice(0, 6), HJDZ_XZJDDM: TOWN.slice(0, 9), HJDZ_QHNXXDZ: '湟里村8号', LXDH: '13812348000', ...overrides,
  }
}


for (const store of ['pglite', 'postgres'] as const) {
  t.test(`quarantine review through the API (${store})`, async (t) => {
    const { gateway, auth } = await startTestGateway(t, { store, redisIndex: 7 })
    const base = gateway.url
    const api = async (method: string, path: string, body?: unknown, headers = auth) => await callApi(base, method, `/api/v1${path}`, { headers, body })

    const msg = {
      ...buildMessage(1, 1, {
        eventType: 'BG',
        occurTime: '2026-11-20 10:00:00',
        records: [
          resident(withCheck('32041219850312002'), '张伟'),
          resident(wrongCheck('32041219900101003'), '李娜'),
          resident(withCheck('32041219880808004'), '王强', { CSRQ: '19880809' }),
          resident(withCheck('32041219770707005'), '赵敏', { XB: '2' }),
        ],
      }),
      msgId: `HRQAPI${Date.now()}`,
    }
    const hook = await postSignedWebhook(base, HR, msg)
    t.equal(hook.status, 202)
    const open = await eventually(async () => {
      const items = (await api('GET', `/quarantine?adapter=${HR}&status=open`)).body.items as Json[]
      return items.length === 3 ? items : undefined
    })
    const bySource = (i: number): Json => open.find((item) => item.sourceId === `${msg.msgId}#${i}`)!
    const [checksum, birthdate, gender] = [bySource(1), bySource(2), bySource(3)]
    t.match(checksum, { reasonCode: 'TB_ID_CHECKSUM', field: 'GMSFHM', status: 'open', note: null, handledBy: null, handledAt: null })
    t.match(birthdate, { reasonCode: 'TB_ID_BIRTHDATE' })
    t.match(gender, { reasonCode: 'TB_ID_GENDER' })

    t.test('dismiss: the note is required, trimmed and at most 500 characters', async (t) => {
      for (const sent of [undefined, {}, { note: '' }, { note: '   ' }, { note: 'x'.repeat(501) }, { note: 7 }]) {
        const res = await api('POST', `/quarantine/${checksum.id}/dismiss`, sent)
        t.equal(res.status, 400, `refused: ${JSON.stringify(sent)}`)
        t.equal(res.body.code, 'TB_VALIDATION')
      }
      t.equal((await api('GET', `/quarantine?adapter=${HR}&status=open`)).body.items.length, 3, 'nothing was dismissed')
    })

    t.test('dismiss: the item closes with who, when and the note; twice is 409', async (t) => {
      const res = await api('POST', `/quarantine/${checksum.id}/dismiss`, { note: '  部门已更正后重新推送  ' })
      t.equal(res.status, 200)
      t.match(res.body, { id: checksum.id, status: 'dismissed', note: '部门已更正后重新推送', handledBy: /test-/, handledAt: String, raw: { sourceId: checksum.sourceId } })
      t.ok(Date.parse(res.body.handledAt) <= Date.now() + 1000)
      const again = await api('POST', `/quarantine/${checksum.id}/dismiss`, { note: 'again' })
      t.match(again, { status: 409, body: { statusCode: 409, code: 'TB_QUARANTINE_CLOSED', message: new RegExp(`${checksum.id as number}.*dismissed`) } })
      t.match(await api('POST', `/quarantine/${checksum.id}/retry`), { status: 409, body: { code: 'TB_QUARANTINE_CLOSED' } }, 'a dismissed item is not retried')
      t.match((await api('GET', `/quarantine?adapter=${HR}&status=dismissed`)).body, { items: [{ id: checksum.id, note: '部门已更正后重新推送' }], next: null })
      t.match(await api('POST', '/quarantine/987654321/dismiss', { note: 'x' }), { status: 404, body: { code: 'TB_QUARANTINE_NOT_FOUND' } })
    })

    t.test('dismiss: window staff may not', async (t) => {
      const staff = await operatorAuth(base, { roles: ['window-staff'], town: TOWN })
      t.match(await api('POST', `/quarantine/${gender.id}/dismiss`, { note: 'not mine' }, staff), { status: 403, body: { code: 'TB_FORBIDDEN', message: /quarantine:manage/ } })
      t.match((await api('GET', `/quarantine?adapter=${HR}&status=open`)).body.items.find((i: Json) => i.id === gender.id), { status: 'open' })
    })

    t.test('dismiss: the audit log has it, with its outcome', async (t) => {
      const auditor = await operatorAuth(base, { roles: ['auditor'] })
      const entries = (await api('GET', '/audit?action=quarantine.dismiss&limit=200', undefined, auditor)).body.items as Json[]
      const ok = entries.filter((e) => e.outcome === 'ok')
      t.equal(ok.length, 1)
      t.match(ok[0], { subjectKind: 'quarantine', subject: String(checksum.id), actor: /test-/, details: { status: 200, route: 'POST /api/v1/quarantine/:id/dismiss' } })
      t.ok(entries.some((e) => e.outcome === 'failed' && e.details.status === 409), 'the second dismissal')
      t.ok(entries.some((e) => e.outcome === 'denied' && e.details.status === 403), 'window staff')
      t.ok(entries.some((e) => e.outcome === 'denied' && e.details.status === 404), 'the unknown id')
    })

    t.test('retry with a note, and without a body as before', async (t) => {
      t.same((await api('POST', `/quarantine/${birthdate.id}/retry`, { note: ' 出生日期待户籍核实 ' })).body, { id: birthdate.id, status: 'open', reasonCode: 'TB_ID_BIRTHDATE', reason: birthdate.reason })
      t.match(await api('POST', `/quarantine/${gender.id}/retry`), { status: 200, body: { id: gender.id, status: 'open', reasonCode: 'TB_ID_GENDER' } })
      t.match(await api('POST', `/quarantine/${gender.id}/retry`, { note: '' }), { status: 400, body: { code: 'TB_VALIDATION' } }, 'an empty note is refused')
      const items = (await api('GET', `/quarantine?adapter=${HR}&status=open`)).body.items as Json[]
      t.match(items.find((i) => i.id === birthdate.id), { note: '出生日期待户籍核实', handledBy: /test-/, handledAt: String })
      t.match(items.find((i) => i.id === gender.id), { note: null, handledBy: /test-/, handledAt: String })
      const auditor = await operatorAuth(base, { roles: ['auditor'] })
      const retries = (await api('GET', '/audit?action=quarantine.retry&outcome=ok&limit=200', undefined, auditor)).body.items as Json[]
      t.equal(retries.length, 2)
    })

    t.test('the OpenAPI document has the dismiss route and the new fields', async (t) => {
      const doc = (await callApi(base, 'GET', '/docs/json')).body
      t.ok(doc.paths['/api/v1/quarantine/{id}/dismiss']?.post)
      t.ok(doc.paths['/api/v1/quarantine/{id}/retry']?.post.requestBody, 'retry documents its optional body')
      const item = doc.components.schemas.QuarantineItem
      for (const field of ['note', 'handledBy', 'handledAt']) t.ok(item.properties[field], `QuarantineItem.${field}`)
    })
  })
}
