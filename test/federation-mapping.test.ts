// Federation without the network: the configuration's checks, claims mapped to username, name,
// town and roles, and how a federated identity finds, links or creates its staff account (on
// PGlite and PostgreSQL).
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { parseConfig } from '../src/config/load.ts'
import { FederationConfig } from '../src/auth/federation/config.ts'
import { mapIdentity, type MappingRules } from '../src/auth/federation/mapping.ts'
import { federatedStaff, findByExternal, linkExternal, unlinkExternal } from '../src/auth/federation/provision.ts'
import { createStaff, findStaff } from '../src/auth/staff.ts'
import { stores } from './helpers.ts'
import { safeNext } from '../src/web/sign-in.ts'

const BASE = 'towns:\n  - { code: "320412120000", name: 湟里镇 }\nadapters: []\n'

t.test('configuration', async (t) => {
  const config = parseConfig(`${BASE}federation:
  oidc:
    issuer: https://sso.jszwfw.gov.cn/oidc
    clientId: tongban-wujin
    clientSecret: s3cret
    redirectUri: https://tongban.wj.gov.cn/auth/oidc/callback
  cas:
    serverUrl: https://sso.jszwfw.gov.cn/cas/
    serviceUrl: https://tongban.wj.gov.cn/auth/cas/callback
    attributes: { town: { fixed: "320412120000" } }
`, 'f.yaml', {})
  t.same(config.federation!.oidc, {
    issuer: 'https://sso.jszwfw.gov.cn/oidc',
    clientId: 'tongban-wujin',
    clientSecret: 's3cret',
    tokenEndpointAuthMethod: 'client_secret_basic',
    redirectUri: 'https://tongban.wj.gov.cn/auth/oidc/callback',
    scopes: ['openid', 'profile'],
    label: '省统一身份认证平台',
    claims: { username: 'preferred_username', name: 'name' },
    provisioning: 'link-only',
  }, 'defaults')
  t.same(config.federation!.cas!.attributes, { name: 'name', town: { fixed: '320412120000' } })
  t.equal(parseConfig(BASE, 'f.yaml', {}).federation, undefined, 'optional')

  // The commented example in config/example.yaml is a valid configuration once uncommented.
  const example = await readFile(new URL('../config/example.yaml', import.meta.url), 'utf8')
  const at = example.indexOf('# federation:')
  t.ok(at > 0, 'config/example.yaml shows federation')
  const lines = example.slice(at).split('\n')
  const end = lines.findIndex((l, i) => i > 0 && !l.startsWith('#   '))
  const block = lines.slice(0, end === -1 ? undefined : end).map((l) => l.replace(/^# ?/, '')).join('\n')
  const documented = parseConfig(`${BASE}${block}\n`, 'example.yaml', { OIDC_CLIENT_SECRET: 'x' }).federation!
  t.match(documented, { oidc: { provisioning: 'link-only', claims: { roles: { map: { 'HL-LD': ['town-leader', 'window-staff'] } } } }, cas: { attributes: { town: { claim: 'townCode' } } } })

  const bad: Array<[unknown, RegExp]> = [
    [{ oidc: { issuer: 'http://sso.example.gov.cn', clientId: 'a', redirectUri: 'https://t.example/auth/oidc/callback' } }, /https:\/\/ \(http:\/\/ only on a loopback address\)/],
    [{ oidc: { issuer: 'https://sso.example.gov.cn', clientId: 'a', redirectUri: 'https://t.example/callback' } }, /\/auth\/oidc\/callback/],
    [{ oidc: { issuer: 'https://sso.example.gov.cn', clientId: 'a', redirectUri: 'https://t.example/auth/oidc/callback', scopes: ['profile'] } }, /include openid/],
    [{ oidc: { issuer: 'https://sso.example.gov.cn', clientId: 'a', redirectUri: 'https://t.example/auth/oidc/callback', provisioning: 'create' } }, /create needs a town mapping/],
    [{ oidc: { issuer: 'https://sso.example.gov.cn', clientId: 'a', redirectUri: 'https://t.example/auth/oidc/callback', claims: { roles: { claim: 'groups', map: { x: 'root' } } } } }, /map/],
    [{ oidc: { issuer: 'https://sso.example.gov.cn', clientId: 'a', redirectUri: 'https://t.example/auth/oidc/callback', claim: {} } }, /claim/],
    [{ cas: { serverUrl: 'https://sso.example.gov.cn/cas', serviceUrl: 'https://t.example/auth/cas/callback', attributes: { town: { fixed: '3204' } } } }, /town/],
    [{ cas: { serverUrl: 'https://sso.example.gov.cn/cas', serviceUrl: 'https://t.example/auth/cas/callback', provisioning: 'create', attributes: { town: { fixed: '320412120000' } } } }, /roles mapping/],
  ]
  for (const [input, message] of bad) {
    const result = FederationConfig.safeParse(input)
    t.notOk(result.success, JSON.stringify(input))
    if (!result.success) t.match(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), message)
  }
})

const RULES: MappingRules = {
  username: 'preferred_username',
  name: 'name',
  town: { claim: 'org.town' },
  roles: { claim: 'groups', map: { 'ck': 'window-staff', 'ld': ['town-leader', 'window-staff'], 'sj': 'auditor' } },
}
const CONTEXT = { issuer: 'https://idp', subject: 'sub-1', configuredTowns: ['320412120000'], what: 'claim' as const }

t.test('claims to a federated identity', async (t) => {
  t.same(mapIdentity({ preferred_username: 'ZhangWei', name: '张伟', org: { town: 320412120000 }, groups: ['ld', 'other', 'sj'] }, RULES, CONTEXT), {
    issuer: 'https://idp', subject: 'sub-1', username: 'zhangwei', name: '张伟', town: '320412120000', roles: ['window-staff', 'town-leader', 'auditor'],
  }, 'lowercased username, dotted claim, numeric town, roles deduplicated in tongban order, unknown groups ignored')
  t.same(mapIdentity({ preferred_username: 'lina', groups: 'ck', 'org.town': '320412001000' }, RULES, CONTEXT),
    { issuer: 'https://idp', subject: 'sub-1', username: 'lina', town: '320412001000', roles: ['window-staff'] }, 'no name; a single string group; a town in the county; a flat claim with a dot')
  t.same(mapIdentity({ preferred_username: 'lina' }, { username: 'preferred_username', name: 'name' }, CONTEXT), { issuer: 'https://idp', subject: 'sub-1', username: 'lina' }, 'without town and roles mappings')
  t.same(mapIdentity({}, { username: undefined, name: 'cn', town: { fixed: '320412120000' } }, { ...CONTEXT, subject: 'Wang.Fang', what: 'attribute' }),
    { issuer: 'https://idp', subject: 'Wang.Fang', username: 'wang.fang', town: '320412120000' }, 'CAS: the user is the username')

  const refused: Array<[Record<string, unknown>, RegExp]> = [
    [{ name: 'x', org: { town: '320412120000' }, groups: ['ck'] }, /claim preferred_username \(the username\) is missing/],
    [{ preferred_username: '张伟', org: { town: '320412120000' }, groups: ['ck'] }, /"张伟" is not a usable tongban username/],
    [{ preferred_username: 'a', org: { town: '320412120000' }, groups: ['ck'] }, /not a usable/],
    [{ preferred_username: 'lina', groups: ['ck'] }, /claim org\.town \(the town\) is missing/],
    [{ preferred_username: 'lina', org: { town: '3204121200' }, groups: ['ck'] }, /"3204121200", not a 12-digit division code/],
    [{ preferred_username: 'lina', org: { town: ['320412120000', '320412102000'] }, groups: ['ck'] }, /has 2 values/],
    [{ preferred_username: 'lina', org: { town: '320102001000' }, groups: ['ck'] }, /town 320102001000 is outside/],
    [{ preferred_username: 'lina', org: { town: '320412120000' } }, /claim groups \(the roles\) is missing/],
    [{ preferred_username: 'lina', org: { town: '320412120000' }, groups: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] }, /\(a, b, c, d, e, … \(7 values\)\) maps to/],
  ]
  for (const [claims, message] of refused) {
    t.throws(() => mapIdentity(claims, RULES, CONTEXT), { code: 'TB_FEDERATION_FAILED', message }, JSON.stringify(claims))
  }
  t.throws(() => mapIdentity({}, { username: undefined, name: 'cn' }, { ...CONTEXT, subject: ' ' }), { code: 'TB_FEDERATION_FAILED', message: /no subject/ })
})

for (const [storeName, open] of Object.entries(stores)) {
  t.test(`provisioning and linking (${storeName})`, async (t) => {
    const { db } = await open(t)
    const identity = { issuer: 'https://idp', subject: 'sub-zw', username: 'zhangwei', name: '张伟', town: '320412120000', roles: ['window-staff' as const] }

    await t.rejects(federatedStaff(db, identity, 'link-only'), { code: 'TB_FEDERATION_NOT_LINKED', message: /zhangwei/ }, 'link-only creates nothing')
    t.notOk(await findStaff(db, 'zhangwei'))

    const created = await federatedStaff(db, identity, 'create')
    t.match(created, { username: 'zhangwei', name: '张伟', town: '320412120000', roles: ['window-staff'], federated: true, hasPassword: false, status: 'active' })
    t.equal((await findByExternal(db, 'https://idp', 'sub-zw'))!.id, created.id)
    t.equal((await findByExternal(db, 'https://other-idp', 'sub-zw')), undefined, 'the issuer is part of the key')

    // Later sign-ins: by the link, even when the platform renamed the username; town and roles follow the platform.
    const again = await federatedStaff(db, { ...identity, username: 'zhang.wei', roles: ['town-leader'], town: '320412102000' }, 'link-only')
    t.equal(again.id, created.id)
    t.match(again, { username: 'zhangwei', roles: ['town-leader'], town: '320412102000' })
    const kept = await federatedStaff(db, { issuer: 'https://idp', subject: 'sub-zw', username: 'zhangwei' }, 'link-only')
    t.match(kept, { name: '张伟', roles: ['town-leader'], town: '320412102000' }, 'without mappings the account keeps its values')

    // An account made by a security administrator is linked by its username.
    const local = await createStaff(db, { username: 'lina', name: '李娜', town: '320412120000', roles: ['auditor'], password: 'Hl!window-2024xq' })
    const linked = await federatedStaff(db, { issuer: 'https://idp', subject: 'sub-ln', username: 'lina' }, 'link-only')
    t.equal(linked.id, local.id)
    t.match(linked, { federated: true, hasPassword: true, roles: ['auditor'] })

    // …but never one already linked to another identity.
    await t.rejects(federatedStaff(db, { issuer: 'https://idp', subject: 'sub-impostor', username: 'lina' }, 'create'),
      { code: 'TB_FEDERATION_FAILED', message: /lina is already linked to another identity/ })
    await t.rejects(federatedStaff(db, { issuer: 'https://cas', subject: 'lina', username: 'lina' }, 'create'),
      { code: 'TB_FEDERATION_FAILED', message: /already linked/ }, 'nor one linked at another platform')
    t.notOk(await linkExternal(db, local.id, 'https://idp', 'sub-other'), 'linkExternal does not overwrite a link')
    t.ok(await unlinkExternal(db, local.id))
    t.notOk(await findByExternal(db, 'https://idp', 'sub-ln'))
    t.ok(await linkExternal(db, local.id, 'https://idp', 'sub-ln2'))
    t.notOk(await linkExternal(db, created.id, 'https://idp', 'sub-ln2'), 'an identity links one account only (the unique index)')

    // Two first sign-ins of one person at once end with one account.
    for (let round = 0; round < 5; round++) {
      const newcomer = { issuer: 'https://idp', subject: `sub-new-${round}`, username: `newcomer${round}`, town: '320412120000', roles: ['grid-staff' as const] }
      const all = await Promise.all(Array.from({ length: 6 }, async () => await federatedStaff(db, newcomer, 'create')))
      t.equal(new Set(all.map((s) => s.id)).size, 1, `round ${round}: one account`)
      t.equal(all[0]!.name, `newcomer${round}`, 'the username stands in for a missing name')
    }
    // …and so do concurrent first sign-ins that link an existing account.
    const existing = await createStaff(db, { username: 'linkme', name: 'L', town: '320412120000', roles: ['grid-staff'] })
    const linkedAll = await Promise.all(Array.from({ length: 6 }, async () => await federatedStaff(db, { issuer: 'https://idp', subject: 'sub-linkme', username: 'linkme' }, 'link-only')))
    t.same(new Set(linkedAll.map((s) => s.id)), new Set([existing.id]))
  })
}

t.test('where a sign-in may return to: a path on this site', async (t) => {
  for (const ok of ['/', '/oidc/interaction/abc', '/cas/login?service=https%3A%2F%2Fapp.example%2F', '/cas/login?service=https://app.example/']) t.equal(safeNext(ok), ok, ok)
  for (const bad of [undefined, '', 'https://evil.example/', '//evil.example/', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', '/ /x', 'javascript:alert(1)', '/路径']) t.equal(safeNext(bad), '/', JSON.stringify(bad))
})
