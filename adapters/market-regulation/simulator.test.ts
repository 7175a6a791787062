import t, { type Test } from 'tap'
import { request } from 'undici'
import { startSimulator, type MarketSimulator, type SimulatorOptions } from './simulator.ts'
import {
  badCheckIndices, baseSecondsAt, creditCodeCheckChar, enterpriseAt, enterpriseFacts, enterprisesBetween, firstIndexAfter,
  formatGxsj, gxsjAt, hasBadCheck, idCheckChar, orgCodeCheckChar, parseGxsj, BASE_GXSJ_MS, type EnterpriseRow,
} from './data.ts'

const EPOCH = '19700101080000'

async function sim (tt: Tap, opts: SimulatorOptions = {}): Promise<MarketSimulator> {
  const s = await startSimulator(opts)
  tt.teardown(async () => { await s.close() })
  return s
}
type Tap = Test

async function token (s: MarketSimulator, clientId = 'tongban-demo', clientSecret = 'demo-secret'): Promise<{ status: number, body: any }> {
  const res = await request(`${s.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
  })
  return { status: res.statusCode, body: await res.body.json() }
}

async function bearer (s: MarketSimulator, clientId?: string, secret?: string): Promise<string> {
  const { status, body } = await token(s, clientId, secret)
  if (status !== 200) throw new Error(`token: HTTP ${status}`)
  return body.access_token as string
}

interface Api { status: number, type: string, text: string, body: any }

async function api (s: MarketSimulator, tok: string | undefined, q: { updatedAfter?: string, pageNo?: number, pageSize?: number } = {}): Promise<Api> {
  const params = new URLSearchParams({ updatedAfter: q.updatedAfter ?? EPOCH, pageNo: String(q.pageNo ?? 1), pageSize: String(q.pageSize ?? 100) })
  const res = await request(`${s.url}/api/v2/enterprises?${params}`, { headers: tok ? { authorization: `Bearer ${tok}` } : {} })
  const text = await res.body.text()
  let body: unknown
  try { body = JSON.parse(text) } catch { body = undefined }
  return { status: res.statusCode, type: String(res.headers['content-type']), text, body }
}

async function control (s: MarketSimulator, method: 'GET' | 'POST', path: string, json?: unknown): Promise<{ status: number, body: any }> {
  const res = await request(`${s.url}${path}`, {
    method,
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  })
  return { status: res.statusCode, body: await res.body.json() }
}

const key = (r: EnterpriseRow): string => `${r.GXSJ} ${r.TYSHXYDM}`
function assertOrdered (tt: Tap, list: EnterpriseRow[], after: string): void {
  let ok = true
  for (let i = 0; i < list.length; i++) {
    if (!(list[i]!.GXSJ > after)) ok = false
    if (i > 0 && !(key(list[i - 1]!) < key(list[i]!))) ok = false
  }
  tt.ok(ok, `${list.length} rows ordered by (GXSJ, TYSHXYDM), all after ${after}`)
}

// ---------------------------------------------------------------------------------------------
// data.ts

t.test('generated rows follow the spec', async (tt) => {
  const rows = enterprisesBetween(1, 0, 5000)
  tt.same(rows, Array.from({ length: 5000 }, (_, i) => enterpriseAt(1, i)), 'enterprisesBetween = enterpriseAt over the range')
  const codes = new Set(rows.map((r) => r.TYSHXYDM))
  tt.equal(codes.size, rows.length, 'credit codes never repeat')

  const bad = new Set(badCheckIndices(1, 0, 5000))
  tt.ok(bad.size >= 25 && bad.size <= 80, `about 1 in 100 has a bad check character (${bad.size} of 5000)`)
  let checksOk = true
  rows.forEach((r, i) => {
    const code = r.TYSHXYDM
    const valid = /^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code) && orgCodeCheckChar(code.slice(8, 16)) === code[16] && creditCodeCheckChar(code.slice(0, 17)) === code[17]
    if (valid === bad.has(i) || hasBadCheck(1, i) !== bad.has(i) || enterpriseFacts(1, i).badCheck !== bad.has(i)) checksOk = false
  })
  tt.ok(checksOk, 'check characters (GB 32100 and GB 11714) are right except at the reported indices')
  tt.ok(rows.every((r) => ['320402', '320404', '320411', '320412', '320413', '320481'].includes(r.TYSHXYDM.slice(2, 8))), '常州 county codes')

  const shapes = { iso: 0, compact: 0, slash: 0, chinese: 0, none: 0 }
  for (const r of rows) {
    if (/^\d{4}-\d{2}-\d{2}$/.test(r.CLRQ)) shapes.iso++
    else if (/^\d{8}$/.test(r.CLRQ)) shapes.compact++
    else if (/^\d{4}\/\d{1,2}\/\d{1,2}$/.test(r.CLRQ)) shapes.slash++
    else if (/^\d{4}年\d{2}月\d{2}日$/.test(r.CLRQ)) shapes.chinese++
    else if (r.CLRQ === '' || r.CLRQ === 'null') shapes.none++
    else tt.fail(`unexpected CLRQ ${r.CLRQ}`)
  }
  tt.ok(shapes.iso > 0 && shapes.compact > 0 && shapes.slash > 0 && shapes.chinese > 0 && shapes.none > 0, `all CLRQ shapes: ${JSON.stringify(shapes)}`)

  const ids = { 18: 0, 15: 0, none: 0 }
  let idsOk = true
  for (const r of rows) {
    if (/^\d{17}[\dX]$/.test(r.FDDBRZJHM)) { ids[18]++; if (idCheckChar(r.FDDBRZJHM.slice(0, 17)) !== r.FDDBRZJHM[17]) idsOk = false } else if (/^\d{15}$/.test(r.FDDBRZJHM)) ids[15]++
    else if (r.FDDBRZJHM === '' || r.FDDBRZJHM === 'null') ids.none++
    else idsOk = false
    if ((r.FDDBR === '' || r.FDDBR === 'null') && !(r.FDDBRZJHM === '' || r.FDDBRZJHM === 'null')) idsOk = false
  }
  tt.ok(idsOk && ids[18] > 0 && ids[15] > 0 && ids.none > 0, `legal representative IDs 18/15/missing: ${JSON.stringify(ids)}`)

  tt.ok(rows.some((r) => r.QYMC.includes('（')), 'some names carry full-width brackets')
  tt.ok(rows.some((r) => r.QYMC.endsWith(' ')), 'some names carry trailing spaces')
  tt.ok(rows.every((r) => /^\d{6}(\d{3})?$|^$|^null$/.test(r.XZQHDM)), 'XZQHDM has 6 or 9 digits')
  tt.ok(rows.some((r) => r.XZQHDM.length === 6) && rows.some((r) => r.XZQHDM.length === 9), 'both division lengths appear')
  const djzt = rows.filter((r) => r.DJZT === '1').length / rows.length
  tt.ok(djzt > 0.8 && rows.every((r) => ['1', '2', '3', '4'].includes(r.DJZT)), 'DJZT mostly 1')
  tt.ok(rows.every((r) => /^[A-T]\d{4}$|^$|^null$/.test(r.HYDM)), 'HYDM like C3311')
  tt.ok(rows.some((r) => r.ZCZB.endsWith('万元人民币')) && rows.some((r) => r.ZCZB.endsWith('万美元')), 'ZCZB in 人民币 and 美元')
  for (const f of ['ZS', 'HYDM', 'ZCZB', 'FDDBRZJHM'] as const) {
    tt.ok(rows.some((r) => r[f] === '') && rows.some((r) => r[f] === 'null'), `${f} is sometimes '' and sometimes 'null'`)
  }
})

t.test('GXSJ is a non-decreasing function of the index; index order is (GXSJ, TYSHXYDM) order', async (tt) => {
  tt.equal(gxsjAt(0), formatGxsj(BASE_GXSJ_MS))
  tt.equal(gxsjAt(0), '20260101000000')
  const rows = enterprisesBetween(7, 0, 3000)
  assertOrdered(tt, rows, '0')
  tt.ok(rows.some((r, i) => i > 0 && r.GXSJ === rows[i - 1]!.GXSJ), 'several rows share a second')
  for (const sec of [BASE_GXSJ_MS / 1000 - 5, BASE_GXSJ_MS / 1000, BASE_GXSJ_MS / 1000 + 1, BASE_GXSJ_MS / 1000 + 2, BASE_GXSJ_MS / 1000 + 777]) {
    const i = firstIndexAfter(sec)
    tt.ok(baseSecondsAt(i) > sec && (i === 0 || baseSecondsAt(i - 1) <= sec), `firstIndexAfter(${sec}) = ${i}`)
  }
  tt.equal(parseGxsj('20261120093105'), Date.UTC(2026, 10, 20, 1, 31, 5))
  tt.equal(parseGxsj('20260230120000'), undefined)
  tt.same(enterpriseAt(1, 123_456), enterpriseAt(1, 123_456), 'pure')
  tt.not(enterpriseAt(1, 42).TYSHXYDM, enterpriseAt(2, 42).TYSHXYDM, 'the seed matters')
})

// ---------------------------------------------------------------------------------------------
// auth

t.test('token endpoint: client credentials', async (tt) => {
  const s = await sim(tt)
  const good = await token(s)
  tt.equal(good.status, 200)
  tt.match(good.body, { token_type: 'Bearer', expires_in: 300, access_token: String })
  const bad = await token(s, 'tongban-demo', 'wrong')
  tt.equal(bad.status, 401)
  tt.match(bad.body, { error: 'invalid_client' })
  const res = await request(`${s.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password&client_id=tongban-demo&client_secret=demo-secret' })
  tt.equal(res.statusCode, 400)
  tt.match(await res.body.json(), { error: 'unsupported_grant_type' })
  tt.match(s.stats(), { tokenRequests: 3, tokenOutcomes: { ok: 1, 401: 1, 400: 1 } })
})

t.test('missing, unknown, expired and revoked tokens answer 4001 in a 200 body', async (tt) => {
  let clock = Date.now()
  const s = await sim(tt, { now: () => clock, tokenTtlSeconds: 300 })
  for (const tok of [undefined, 'not-a-token']) {
    const r = await api(s, tok)
    tt.equal(r.status, 200)
    tt.match(r.body, { code: '4001', data: null })
  }
  const tok = await bearer(s)
  tt.equal((await api(s, tok)).body.code, '0000')
  clock += 299_000
  tt.equal((await api(s, tok)).body.code, '0000', 'still valid before expires_in')
  clock += 1_000
  tt.equal((await api(s, tok)).body.code, '4001', 'expired after expires_in')

  const fresh = await bearer(s)
  tt.equal((await api(s, fresh)).body.code, '0000')
  tt.same(await control(s, 'POST', '/_sim/revoke'), { status: 200, body: { revoked: 1 } })
  tt.equal((await api(s, fresh)).body.code, '4001', 'revoked over HTTP')
  const again = await bearer(s)
  tt.equal(s.revokeTokens(), 1)
  tt.equal((await api(s, again)).body.code, '4001', 'revoked by method')
})

t.test('rate limit: 10 requests per second per client, then 4290', async (tt) => {
  let clock = Date.now()
  const s = await sim(tt, { now: () => clock, clients: [{ clientId: 'a', clientSecret: 'x' }, { clientId: 'b', clientSecret: 'y' }] })
  const a = await bearer(s, 'a', 'x')
  const b = await bearer(s, 'b', 'y')
  const codes: string[] = []
  for (let i = 0; i < 12; i++) codes.push((await api(s, a, { pageSize: 1 })).body.code)
  tt.same(codes, [...Array(10).fill('0000'), '4290', '4290'])
  tt.equal((await api(s, b, { pageSize: 1 })).body.code, '0000', 'another client has its own budget')
  clock += 1001
  tt.equal((await api(s, a, { pageSize: 1 })).body.code, '0000', 'the window moves on')
  tt.equal(s.stats().byOutcome['4290'], 2)
})

// ---------------------------------------------------------------------------------------------
// faults

t.test('one-shot faults: 503, HTML 502, timeout, 4001, 4290, 5000', async (tt) => {
  const s = await sim(tt, { timeoutMs: 300 })
  const tok = await bearer(s)
  const set = await control(s, 'POST', '/_sim/faults', { failNext: [{ kind: '503' }, { kind: 'html502' }, { kind: 'timeout' }, { kind: '4001' }, { kind: '4290' }, { kind: '5000' }] })
  tt.equal(set.status, 200)
  tt.same(set.body.failNext, ['503', 'html502', 'timeout', '4001', '4290', '5000'])

  const r503 = await api(s, tok)
  tt.equal(r503.status, 503)
  const r502 = await api(s, tok)
  tt.equal(r502.status, 502)
  tt.match(r502.type, /text\/html/)
  tt.match(r502.text, /<html>[\s\S]*502 Bad Gateway/)
  const started = Date.now()
  const r504 = await api(s, tok)
  tt.ok(Date.now() - started >= 290, 'the timeout hangs for timeoutMs')
  tt.equal(r504.status, 504)
  tt.match(r504.type, /text\/html/)
  for (const code of ['4001', '4290', '5000']) {
    const r = await api(s, tok)
    tt.equal(r.status, 200)
    tt.equal(r.body.code, code)
  }
  tt.equal((await api(s, tok)).body.code, '0000', 'one-shot faults are used up')
  tt.match(s.stats(), { requests: 7, byOutcome: { http503: 1, http502: 1, timeout: 1, 4001: 1, 4290: 1, 5000: 1, ok: 1 } })

  s.failNext('4001')
  tt.equal((await api(s, tok)).body.code, '4001', 'failNext as a method')
  const bad = await control(s, 'POST', '/_sim/faults', { failNext: [{ kind: 'teapot' }] })
  tt.equal(bad.status, 400)
})

t.test('down and hang switches', async (tt) => {
  const s = await sim(tt)
  const tok = await bearer(s)
  await control(s, 'POST', '/_sim/faults', { down: true })
  tt.equal((await api(s, tok)).status, 503)
  const tokenDown = await request(`${s.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=tongban-demo&client_secret=demo-secret' })
  await tokenDown.body.text()
  tt.equal(tokenDown.statusCode, 503, 'the token endpoint is down too')
  s.setFaults({ down: false })
  tt.equal((await api(s, tok)).body.code, '0000')

  s.setFaults({ hang: true })
  let answered = false
  const pending = api(s, tok).then((r) => { answered = true; return r })
  await new Promise((resolve) => setTimeout(resolve, 300))
  tt.notOk(answered, 'a call hangs while hang is on')
  await control(s, 'POST', '/_sim/faults', { hang: false })
  const r = await pending
  tt.equal(r.body.code, '0000', 'and is answered once it is turned off')
})

t.test('random faults are seeded: the same seed gives the same run', async (tt) => {
  const run = async (seed: number): Promise<string[]> => {
    const s = await startSimulator({ seed, unavailableRate: 0.2, internalErrorRate: 0.1, rateLimitPerSecond: 0 })
    try {
      const tok = await bearer(s)
      const out: string[] = []
      for (let i = 0; i < 150; i++) {
        const r = await api(s, tok, { pageSize: 1 })
        out.push(r.status === 200 ? r.body.code : `http${r.status}${r.type.includes('html') ? 'h' : ''}`)
      }
      return out
    } finally { await s.close() }
  }
  const a = await run(5)
  tt.same(await run(5), a, 'reproducible')
  tt.notSame(await run(6), a, 'another seed, another run')
  const gateway = a.filter((x) => x.startsWith('http')).length
  tt.ok(gateway > 10 && gateway < 55, `about 20% gateway failures (${gateway} of 150)`)
  tt.ok(a.includes('http503') && a.some((x) => x === 'http502h' || x === 'http504h'), 'plain 503 and HTML 502/504')
  tt.ok(a.includes('5000'), 'internal errors')
})

t.test('validation errors are business codes in a 200 body', async (tt) => {
  const s = await sim(tt)
  const tok = await bearer(s)
  for (const q of [{ pageSize: 501 }, { pageSize: 0 }, { pageNo: 0 }, { updatedAfter: '2026-11-20' }, { updatedAfter: '20261320000000' }]) {
    const r = await api(s, tok, q)
    tt.equal(r.status, 200)
    tt.equal(r.body.code, '4000', JSON.stringify(q))
  }
  tt.equal((await api(s, tok, { pageSize: 500 })).body.code, '0000', 'pageSize 500 is allowed')
})

// ---------------------------------------------------------------------------------------------
// pages

t.test('paging a registry from the epoch returns every row once, in order', async (tt) => {
  const s = await sim(tt, { enterprises: 2345, rateLimitPerSecond: 0 })
  const tok = await bearer(s)
  const all: EnterpriseRow[] = []
  for (let pageNo = 1; ; pageNo++) {
    const r = await api(s, tok, { pageNo, pageSize: 500 })
    tt.equal(r.body.data.total, 2345)
    all.push(...r.body.data.list)
    if (r.body.data.list.length < 500) break
  }
  tt.same(all, enterprisesBetween(1, 0, 2345))
  assertOrdered(tt, all, EPOCH)

  const after = gxsjAt(1000) // exclusive: rows of that second are not included
  const r = await api(s, tok, { updatedAfter: after, pageSize: 10 })
  tt.equal(r.body.data.total, 2345 - firstIndexAfter(parseGxsj(after)! / 1000))
  tt.same(r.body.data.list, enterprisesBetween(1, firstIndexAfter(parseGxsj(after)! / 1000), firstIndexAfter(parseGxsj(after)! / 1000) + 10))
  tt.equal((await api(s, tok, { updatedAfter: '20991231235959' })).body.data.total, 0)
})

t.test('a 1,000,000-row registry serves page 1 and a deep page quickly', async (tt) => {
  const s = await sim(tt, { enterprises: 1_000_000, rateLimitPerSecond: 0 })
  const tok = await bearer(s)
  await api(s, tok, { pageNo: 3, pageSize: 500 }) // warm up
  const timed = async (q: Parameters<typeof api>[2]): Promise<{ ms: number, r: Api }> => {
    const started = performance.now()
    const r = await api(s, tok, q)
    return { ms: performance.now() - started, r }
  }
  const first = await timed({ pageNo: 1, pageSize: 500 })
  tt.equal(first.r.body.data.total, 1_000_000)
  tt.same(first.r.body.data.list, enterprisesBetween(1, 0, 500))
  const deep = await timed({ pageNo: 1789, pageSize: 500 })
  tt.same(deep.r.body.data.list, enterprisesBetween(1, 1788 * 500, 1789 * 500))
  assertOrdered(tt, deep.r.body.data.list, EPOCH)
  const last = await timed({ pageNo: 2000, pageSize: 500 })
  tt.equal(last.r.body.data.list.at(-1).TYSHXYDM, enterpriseAt(1, 999_999).TYSHXYDM)
  tt.equal((await api(s, tok, { pageNo: 2001, pageSize: 500 })).body.data.list.length, 0, 'past the end: an empty page')
  const mid = await timed({ updatedAfter: gxsjAt(654_321), pageNo: 3, pageSize: 500 })
  const from = firstIndexAfter(baseSecondsAt(654_321)) + 1000
  tt.same(mid.r.body.data.list, enterprisesBetween(1, from, from + 500))
  const worst = Math.max(first.ms, deep.ms, last.ms, mid.ms)
  tt.ok(worst < 250, `500-row pages in ${[first.ms, deep.ms, last.ms, mid.ms].map((ms) => ms.toFixed(1)).join(' / ')} ms`)
})

t.test('updated rows move to a later page', async (tt) => {
  const s = await sim(tt, { enterprises: 1000, rateLimitPerSecond: 0 })
  const tok = await bearer(s)
  const before = (await api(s, tok, { pageSize: 500 })).body.data.list as EnterpriseRow[]
  const touched = (await control(s, 'POST', '/_sim/touch', { indices: [3, 10] })).body.touched as { index: number, TYSHXYDM: string, GXSJ: string }[]
  tt.same(touched.map((x) => x.index), [3, 10])
  tt.ok(touched.every((x) => x.GXSJ > gxsjAt(999)), 'the new GXSJ is later than every base row')
  const p1 = (await api(s, tok, { pageSize: 500 })).body.data
  tt.equal(p1.total, 1000, 'an update moves a row, it does not add one')
  tt.same(p1.list.map((r: EnterpriseRow) => r.TYSHXYDM), [...before.slice(0, 3), ...before.slice(4, 10), ...before.slice(11), ...enterprisesBetween(1, 500, 502)].map((r) => r.TYSHXYDM), 'the rest shifted forward')
  const p2 = (await api(s, tok, { pageNo: 2, pageSize: 500 })).body.data.list as EnterpriseRow[]
  tt.equal(p2.length, 500)
  tt.same(p2.slice(-2).map((r) => r.TYSHXYDM).sort(), [before[3]!.TYSHXYDM, before[10]!.TYSHXYDM].sort(), 'touched rows come last')
  tt.same(p2.slice(-2).map((r) => r.GXSJ), touched.map((x) => x.GXSJ).sort())
  assertOrdered(tt, [...p1.list, ...p2], EPOCH)
  tt.same(s.rowAt(3).GXSJ, touched[0]!.GXSJ)

  // only the updated rows are newer than the last base row
  const newer = (await api(s, tok, { updatedAfter: gxsjAt(999) })).body.data
  tt.equal(newer.total, 2)
  const again = s.touch([3])
  const newest = (await api(s, tok, { updatedAfter: gxsjAt(999) })).body.data.list as EnterpriseRow[]
  tt.equal(newest.at(-1)!.TYSHXYDM, again[0]!.TYSHXYDM, 'touching again moves the row to the very end')
  tt.equal(s.stats().updated, 2)
})

t.test('churnPerRequest updates rows already served', async (tt) => {
  const s = await sim(tt, { enterprises: 3000, churnPerRequest: 2, rateLimitPerSecond: 0 })
  const tok = await bearer(s)
  for (let pageNo = 1; pageNo <= 3; pageNo++) await api(s, tok, { pageNo, pageSize: 500 })
  const updated = s.stats().updated
  tt.ok(updated > 0 && updated <= 6, `${updated} rows updated`)
  const moved = (await api(s, tok, { updatedAfter: gxsjAt(2999) })).body.data.list as EnterpriseRow[]
  tt.equal(moved.length, updated, 'they are the rows newer than every base row (this page churns only after it is computed)')
  const served = new Set(enterprisesBetween(1, 0, 1600).map((r) => r.TYSHXYDM))
  tt.ok(moved.every((r) => served.has(r.TYSHXYDM)), 'only rows already served are updated')
})

t.test('growPerMinute adds new enterprises over time, later than all others', async (tt) => {
  let clock = Date.now()
  const s = await sim(tt, { enterprises: 100, growPerMinute: 30, now: () => clock, rateLimitPerSecond: 0 })
  const tok = await bearer(s)
  tt.equal((await api(s, tok)).body.data.total, 100)
  clock += 60_000
  const r = await api(s, tok, { pageSize: 500 })
  tt.equal(r.body.data.total, 130)
  tt.equal(s.size(), 130)
  const grown = (r.body.data.list as EnterpriseRow[]).slice(100)
  tt.same(grown.map((x) => x.TYSHXYDM), enterprisesBetween(1, 100, 130).map((x) => x.TYSHXYDM))
  tt.ok(grown.every((x) => x.GXSJ > gxsjAt(99) && x.GXSJ <= formatGxsj(clock)), 'registered now, after every base row')
  assertOrdered(tt, r.body.data.list, EPOCH)
  tt.match((await control(s, 'GET', '/healthz')).body, { status: 'ok', enterprises: 130 })
})

t.test('the same seed serves the same pages', async (tt) => {
  const a = await sim(tt, { seed: 9, enterprises: 50_000 })
  const b = await sim(tt, { seed: 9, enterprises: 50_000 })
  const c = await sim(tt, { seed: 10, enterprises: 50_000 })
  const q = { pageNo: 37, pageSize: 200 }
  const pa = await api(a, await bearer(a), q)
  const pb = await api(b, await bearer(b), q)
  const pc = await api(c, await bearer(c), q)
  tt.equal(pa.text, pb.text)
  tt.not(pa.text, pc.text)
  const stats = await control(a, 'GET', '/_sim/stats')
  tt.match(stats.body, { requests: 1, tokenRequests: 1, byOutcome: { ok: 1 }, enterprises: 50_000 })
})

t.test('representative option: chosen rows carry the given legal representative, served and revised alike', async (tt) => {
  const rep = { FDDBR: '王芳', FDDBRZJHM: '320412198001010011' }
  const s = await sim(tt, { enterprises: 30, unavailableRate: 0, representative: (i) => (i % 5 === 0 ? rep : undefined) })
  const tok = await bearer(s)
  const { body } = await api(s, tok, { pageSize: 30 })
  const list = body.data.list as Array<Record<string, string>>
  tt.equal(list.length, 30)
  tt.same(list.filter((r) => r.FDDBRZJHM === rep.FDDBRZJHM).length, 6, 'rows 0, 5, …, 25')
  tt.same(s.rowAt(10).FDDBR, '王芳')
  tt.not(s.rowAt(11).FDDBRZJHM, rep.FDDBRZJHM)
  s.touch([15])
  tt.same(s.rowAt(15).FDDBRZJHM, rep.FDDBRZJHM, 'a revised row keeps it')
})
