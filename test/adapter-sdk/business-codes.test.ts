// A department's business codes as a table, mapped to the SDK errors the platform acts on.
import t from 'tap'
import {
  businessCodes, DepartmentAuthError, DepartmentBusinessError, DepartmentRateLimitedError, DepartmentUnavailableError,
  recordSelector, select,
} from '../../src/adapter-sdk/index.ts'

const errorOf = (fn: () => unknown): unknown => { try { fn(); return undefined } catch (err) { return err } }

t.test('business codes become the SDK errors', async (t) => {
  const check = businessCodes('dept', { code: 'code', message: 'msg' })
  t.equal(errorOf(() => check({ code: '0000' })), undefined, '0000 ok')
  const auth = errorOf(() => check({ code: '4001', msg: 'token 已过期' }))
  t.ok(auth instanceof DepartmentAuthError)
  t.match(auth, { code: 'TB_DEPARTMENT_AUTH', message: /4001 token 已过期/ })
  t.ok(errorOf(() => check({ code: 4290 })) instanceof DepartmentRateLimitedError, 'numeric codes too')
  const down = errorOf(() => check({ code: '5000', msg: '系统内部错误' }))
  t.ok(down instanceof DepartmentUnavailableError)
  t.match(down, { message: /5000 系统内部错误/ })
  const other = errorOf(() => check({ code: '4000', msg: '参数错误' }))
  t.ok(other instanceof DepartmentBusinessError)
  t.equal((other as DepartmentBusinessError).businessCode, '4000')
  t.ok(errorOf(() => check({ code: '0' })) instanceof DepartmentBusinessError, 'a code not in the table is business')
  for (const answer of ['<html>oops</html>', null, [], { message: 'hello' }, { code: true }]) {
    t.ok(errorOf(() => check(answer)) instanceof DepartmentUnavailableError, `${JSON.stringify(answer)}: unavailable`)
  }
})

t.test('a department with its own codes, nested', async (t) => {
  const check = businessCodes('dept', { code: 'head.rtnCode', table: { 1: 'ok', 90: 'auth', 91: 'rate-limited', 99: 'unavailable' } })
  t.equal(errorOf(() => check({ head: { rtnCode: 1 } })), undefined)
  t.ok(errorOf(() => check({ head: { rtnCode: '0000' } })) instanceof DepartmentBusinessError, '0000 means nothing here')
  t.ok(errorOf(() => check({ head: { rtnCode: '90' } })) instanceof DepartmentAuthError)
  t.ok(errorOf(() => check({ head: { rtnCode: '91' } })) instanceof DepartmentRateLimitedError)
  t.ok(errorOf(() => check({ head: { rtnCode: '99' } })) instanceof DepartmentUnavailableError)
  t.ok(errorOf(() => check({ rtnCode: 1 })) instanceof DepartmentUnavailableError, 'no code where declared')
})

t.test('the record selector', async (t) => {
  const rows = recordSelector('dept', 'data.list')
  t.same(rows({ data: { list: [1, 2] } }), [1, 2])
  t.same(rows({ data: { list: [] } }), [], 'an empty page')
  for (const answer of [{ data: null }, { data: { list: {} } }, {}, 'x']) {
    t.match(errorOf(() => rows(answer)), { code: 'TB_DEPARTMENT_UNAVAILABLE', message: /data\.list/ })
  }
  t.equal(select('data.pageSize')({ data: { pageSize: 100 } }), 100)
  t.equal(select('data.pageSize')({ data: 'x' }), undefined)
})
