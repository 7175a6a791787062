// Department liaisons and department tokens: the department goes with the department-liaison
// role and nothing else, names a configured department, and the liaison's town lies in its
// county; it reaches the principal through the session (a seeded liaison signs in) and through
// token authentication; the vault keeps a department's endpoint under department:<code>; the
// outbox's delivery log is read through the API.
import t from 'tap'
import { callApi } from '../helpers.ts'
import { DepartmentConfig } from '../../src/config/whistles.ts'
import { departmentRegistry } from '../../src/departments/registry.ts'
import { tokenPrincipal } from '../../src/auth/tokens.ts'
import { addOutbox, listOutbox, killOutbox } from '../../src/store/outbox.ts'
import { addOutboxAttempt } from '../../src/store/outbox-attempts.ts'
import { getServiceCredentials } from '../../src/vault/credentials.ts'
import { DEPARTMENTS, PASSWORD, TOWN, startDepartmentsGateway } from './kit.ts'

const OTHER_COUNTY_TOWN = '320411001000'

t.test('the liaison rule', async (t) => {
  const registry = departmentRegistry(DEPARTMENTS.map((d) => DepartmentConfig.parse(d)))
  t.equal(registry.find('wj-urban')?.name, '武进区城市管理局')
  t.same(registry.inCounty('320412120000').map((d) => d.code), ['wj-urban', 'wj-emergency', 'wj-water'])
  t.same(registry.inCounty('320411').map((d) => d.code), ['xb-urban'])
  t.equal(registry.nameOf('gone'), 'gone')
  t.doesNotThrow(() => { registry.checkLiaison({ roles: ['department-liaison'], department: 'wj-urban', town: TOWN }) })
  t.doesNotThrow(() => { registry.checkLiaison({ roles: ['window-staff'], town: TOWN }) })
  t.doesNotThrow(() => { registry.checkLiaison({ roles: ['window-staff'], department: null, town: TOWN }) })
  const refused: Array<[Parameters<typeof registry.checkLiaison>[0], string, RegExp]> = [
    [{ roles: ['department-liaison'], town: TOWN }, 'TB_LIAISON_INVALID', /needs a department/],
    [{ roles: ['window-staff'], department: 'wj-urban', town: TOWN }, 'TB_LIAISON_INVALID', /only the department-liaison role/],
    [{ roles: ['department-liaison'], department: 'nope', town: TOWN }, 'TB_LIAISON_DEPARTMENT_UNKNOWN', /wj-urban, wj-emergency/],
    [{ roles: ['department-liaison', 'town-leader'], department: 'wj-urban', town: TOWN }, 'TB_LIAISON_INVALID', /no other role/],
    [{ roles: ['department-liaison'], department: 'wj-urban', town: OTHER_COUNTY_TOWN }, 'TB_LIAISON_INVALID', /not in county 320412/],
  ]
  for (const [who, code, message] of refused) t.throws(() => { registry.checkLiaison(who) }, { code, statusCode: 400, message }, JSON.stringify(who))
})

t.test('liaisons and department tokens through the gateway', async (t) => {
  const { gateway, base, security } = await startDepartmentsGateway(t, { redisIndex: 42, store: 'postgres', workers: false })
  const db = gateway.platform.db
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = security) => await callApi(base, method, `/api/v1${path}`, { headers, ...(body === undefined ? {} : { body }) })

  t.test('the seeded liaison signs in with its department, which the session carries', async (t) => {
    const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'urban', password: PASSWORD }) })
    t.equal(login.status, 200)
    t.match(await login.json(), { username: 'urban', roles: ['department-liaison'], department: 'wj-urban', town: TOWN })
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
    const me = await callApi(base, 'GET', '/auth/me', { headers: { cookie } })
    t.match(me.body, { username: 'urban', department: 'wj-urban' })
    const staff = await callApi(base, 'GET', '/api/v1/staff', { headers: { cookie } })
    t.equal(staff.status, 403, 'a liaison administers nothing')
    const listed = await api('GET', '/staff')
    t.match(listed.body.items.find((s: { username: string }) => s.username === 'urban'), { department: 'wj-urban', roles: ['department-liaison'] })
    t.equal(listed.body.items.find((s: { username: string }) => s.username !== 'urban')?.department ?? null, null)
  })

  t.test('staff accounts: valid liaisons are made, invalid combinations refused with 400', async (t) => {
    const made = await api('POST', '/staff', { username: 'xb.liaison', name: '新北联络员', town: OTHER_COUNTY_TOWN, roles: ['department-liaison'], department: 'xb-urban', password: PASSWORD })
    t.equal(made.status, 201, made.text)
    t.equal(made.body.department, 'xb-urban')
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ roles: ['department-liaison'] }, 'TB_LIAISON_INVALID'],
      [{ roles: ['window-staff'], department: 'wj-urban' }, 'TB_LIAISON_INVALID'],
      [{ roles: ['department-liaison'], department: 'wj-nope' }, 'TB_LIAISON_DEPARTMENT_UNKNOWN'],
      [{ roles: ['department-liaison', 'grid-staff'], department: 'wj-urban' }, 'TB_LIAISON_INVALID'],
      [{ roles: ['department-liaison'], department: 'xb-urban' }, 'TB_LIAISON_INVALID'],
    ]
    for (const [i, [fields, code]] of cases.entries()) {
      const res = await api('POST', '/staff', { username: `bad${i}`, name: '无效', town: TOWN, password: PASSWORD, ...fields })
      t.equal(res.status, 400, JSON.stringify(fields))
      t.equal(res.body.code, code)
    }

    t.match((await api('PATCH', '/staff/urban', { roles: ['window-staff'] })).body, { code: 'TB_LIAISON_INVALID' }, 'a role change that keeps the department is refused')
    t.match((await api('PATCH', '/staff/urban', { town: OTHER_COUNTY_TOWN })).body, { code: 'TB_LIAISON_INVALID' }, 'a town outside the county is refused')
    const moved = await api('PATCH', '/staff/urban', { department: 'wj-emergency' })
    t.equal(moved.body.department, 'wj-emergency')
    const townStaff = await api('PATCH', '/staff/urban', { roles: ['window-staff'], department: null })
    t.match(townStaff.body, { roles: ['window-staff'], department: null })
    t.equal((await api('PATCH', '/staff/urban', { roles: ['department-liaison'], department: 'wj-urban' })).body.department, 'wj-urban')
  })

  t.test('department tokens carry their department into the principal; invalid ones are refused', async (t) => {
    const made = await api('POST', '/tokens', { name: 'wj-emergency system', roles: ['department-liaison'], town: TOWN, department: 'wj-emergency' })
    t.equal(made.status, 201, made.text)
    t.equal(made.body.info.department, 'wj-emergency')
    t.match(await tokenPrincipal(db, made.body.token as string), { kind: 'token', roles: ['department-liaison'], department: 'wj-emergency', town: TOWN })
    const denied = await callApi(base, 'GET', '/api/v1/tokens', { headers: { authorization: `Bearer ${made.body.token as string}` } })
    t.equal(denied.status, 403)
    const plain = await api('POST', '/tokens', { name: 'reader', roles: ['county-admin'], town: TOWN })
    t.notOk('department' in (await tokenPrincipal(db, plain.body.token as string))!, 'town tokens have none')
    t.equal((await api('GET', '/tokens')).body.items.find((i: { name: string }) => i.name === 'wj-emergency system').department, 'wj-emergency')
    for (const [fields, code] of [
      [{ roles: ['department-liaison'] }, 'TB_LIAISON_INVALID'],
      [{ roles: ['county-admin'], department: 'wj-urban' }, 'TB_LIAISON_INVALID'],
      [{ roles: ['department-liaison'], department: 'wj-nope' }, 'TB_LIAISON_DEPARTMENT_UNKNOWN'],
    ] as const) {
      const res = await api('POST', '/tokens', { name: 'bad', town: TOWN, ...fields })
      t.equal(res.status, 400)
      t.equal(res.body.code, code)
    }
  })

  t.test("the portal's staff page sets a liaison's department, and refuses a bad combination", async (t) => {
    t.equal((await api('POST', '/staff', { username: 'sec', name: '周涛', town: TOWN, roles: ['security-admin'], password: PASSWORD })).status, 201)
    const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sec', password: PASSWORD }) })
    const { csrfToken } = await login.json() as { csrfToken: string }
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
    const form = async (fields: Record<string, string>): Promise<Response> => await fetch(`${base}/portal/staff`, {
      method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfToken, town: TOWN, townOther: '', password: PASSWORD, ...fields }),
    })
    const page = await fetch(`${base}/portal/staff`, { headers: { cookie } })
    t.match(await page.text(), /<select id="new-department" name="department"[\s\S]*武进区水利局（wj-water）/)
    const made = await form({ username: 'water', name: '冯涛', roles: 'department-liaison', department: 'wj-water' })
    t.equal(made.status, 303)
    t.match((await api('GET', '/staff')).body.items.find((i: { username: string }) => i.username === 'water'), { department: 'wj-water' })
    const account = await fetch(`${base}/portal/staff/water`, { headers: { cookie } })
    t.match(await account.text(), /部门联络员（武进区水利局）|（武进区水利局）/)
    const refused = await form({ username: 'mixed', name: '混合', roles: 'window-staff', department: 'wj-water' })
    t.equal(refused.status, 422)
    t.match(await refused.text(), '部门联络员须选择一个部门且不兼任其他角色')
    t.notOk((await api('GET', '/staff')).body.items.some((i: { username: string }) => i.username === 'mixed'))
  })

  t.test("the vault keeps a configured department's endpoint under department:<code>", async (t) => {
    const vaultAdmin = await api('POST', '/tokens', { name: 'vault', roles: ['security-admin'], town: TOWN })
    const headers = { authorization: `Bearer ${vaultAdmin.body.token as string}` }
    const stored = await api('PUT', '/vault/credentials/department:wj-urban', { credentials: { url: 'https://urban.example/whistles', secret: 'whsec_MDEyMzQ1Njc4OWFiY2RlZg==' } }, headers)
    t.equal(stored.status, 204, stored.text)
    t.same(await getServiceCredentials(db, gateway.platform.vault!, 'department:wj-urban'), { url: 'https://urban.example/whistles', secret: 'whsec_MDEyMzQ1Njc4OWFiY2RlZg==' })
    const unknown = await api('PUT', '/vault/credentials/department:wj-nope', { credentials: { url: 'https://x.example/' } }, headers)
    t.equal(unknown.status, 400)
    t.equal(unknown.body.code, 'TB_LIAISON_DEPARTMENT_UNKNOWN')
  })

  t.test("an outbox row's delivery log through the API, and its re-send", async (t) => {
    const at = new Date().toISOString()
    await db.query(`INSERT INTO whistles (id, town, type, type_snapshot, source_kind, title, description, state, blown_by, blown_at, updated_at)
      VALUES ('CS3204121200002026120700001', $1, 'key', '{}', 'direct', '道路积水', '东街积水', 'open', '{}', $2, $2)`, [TOWN, at])
    await addOutbox(db, [{ subject: 'whistle:CS3204121200002026120700001', instance: 'department:wj-urban', operation: 'whistle.blown', input: { whistleId: 'CS3204121200002026120700001' } }], at)
    const [row] = await listOutbox(db, { subject: 'whistle:CS3204121200002026120700001', limit: 1 })
    await addOutboxAttempt(db, { outboxId: row!.id, attempt: 1, at, status: 503, error: 'department wj-urban answered HTTP 503', durationMs: 12, responseExcerpt: 'busy' })
    await killOutbox(db, row!.id, 'department wj-urban answered HTTP 503')
    const county = await api('POST', '/tokens', { name: 'county', roles: ['county-admin'], town: '320412000000' })
    const headers = { authorization: `Bearer ${county.body.token as string}` }
    const attempts = await api('GET', `/outbox/${row!.id}/attempts`, undefined, headers)
    t.equal(attempts.status, 200, attempts.text)
    t.match(attempts.body.items, [{ attempt: 1, status: 503, error: 'department wj-urban answered HTTP 503', durationMs: 12, responseExcerpt: 'busy' }])
    t.match((await api('GET', '/outbox?state=dead', undefined, headers)).body.items, [{ id: row!.id, instance: 'department:wj-urban' }], "the county sees its towns' whistle deliveries")
    const other = await api('POST', '/tokens', { name: 'other county', roles: ['county-admin'], town: '320411000000' })
    t.equal((await api('GET', `/outbox/${row!.id}/attempts`, undefined, { authorization: `Bearer ${other.body.token as string}` })).status, 404, "another county's admin does not")
    const resent = await api('POST', `/outbox/${row!.id}/resend`, undefined, headers)
    t.match(resent.body, { state: 'pending', attempts: 0 })
  })
})
