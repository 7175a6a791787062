// The pre-filled form against a real gateway on PostgreSQL: a resident pushed by the household
// register and their social assistance pushed by civil affairs fill the matter's fields, each with
// its department and time; a field nothing answers stays empty; the sensitive facet only for the
// roles the configuration allows and with a purpose; 免提交 materials name the record replacing
// them; an applicant outside the scope or unknown fills nothing; every call is audited.
import t from 'tap'
import { callApi, type Json } from '../helpers.ts'
import { TASK_CODE, matter, residentIdOf } from './fixtures.ts'
import { OTHER_TOWN, creditCodeOf, householdRecord, startCasesGateway } from './api-kit.ts'
import type { Matter } from '../../src/model/matter.ts'
import { storeMatterVersions } from '../../src/store/matters.ts'

const ID = residentIdOf('19650308', '021') // 021: odd sequence, a man
const form: Matter = matter({
  taskHandleItem: `${TASK_CODE}07`,
  name: '最低生活保障申请',
  forms: [{
    name: '最低生活保障申请表',
    fields: [
      { name: 'name', label: '申请人姓名', type: 'text', required: true },
      { name: 'idNumber', label: '公民身份号码', type: 'idNumber', required: true },
      { name: 'gender', label: '性别', type: 'select', required: true, options: ['男', '女'] },
      { name: 'birthDate', label: '出生日期', type: 'date', required: true },
      { name: 'phone', label: '联系电话', type: 'phone', required: true },
      { name: 'address', label: '家庭住址', type: 'text', required: true },
      { name: 'division', label: '户籍所在村（社区）', type: 'division', required: true },
      { name: 'assistanceStatus', label: '救助对象类别', type: 'select', required: false, options: ['城乡低保', '特困供养', '低收入家庭', '其他'] },
      { name: 'spouseIdNumber', label: '配偶公民身份号码', type: 'idNumber', required: false },
      { name: 'monthlyIncome', label: '家庭月总收入（元）', type: 'number', required: true },
    ],
  }],
  materials: [
    { name: '最低生活保障申请书', form: 'original', need: 'required', source: 'applicant' },
    { name: '居民身份证', form: 'copy', need: 'required', source: 'sharing' },
    { name: '低保证', form: 'copy', need: 'as-the-case-may-be', source: 'sharing' },
  ],
})

const business: Matter = matter({
  taskHandleItem: `${TASK_CODE}08`,
  name: '个体工商户变更登记',
  forms: [{
    name: '个体工商户变更登记申请书',
    fields: [
      { name: 'enterpriseName', label: '名称', type: 'text', required: true },
      { name: 'creditCode', label: '统一社会信用代码', type: 'creditCode', required: true },
      { name: 'legalRepresentative', label: '经营者', type: 'text', required: true },
      { name: 'idNumber', label: '经营者公民身份号码', type: 'idNumber', required: true },
      { name: 'phone', label: '联系电话', type: 'phone', required: true },
      { name: 'address', label: '经营场所', type: 'text', required: true },
      { name: 'changeItem', label: '变更事项', type: 'select', required: true, options: ['名称', '经营者', '经营范围'] },
    ],
  }],
  materials: [{ name: '营业执照', form: 'original', need: 'required', source: 'sharing' }, { name: '变更登记申请书', form: 'original', need: 'required', source: 'applicant' }],
})

t.test('pre-filled forms on PostgreSQL', async (t) => {
  // social assistance is for town leaders only here; window staff are refused it
  const { base, db, auth, pushPersons, pushAssistance, pushEnterprise } = await startCasesGateway(t, {
    redisIndex: 22, store: 'postgres', matters: [form, business], extra: 'facets: { access: { social-assistance: { roles: [town-leader] } } }',
  })
  await pushPersons([householdRecord(ID, '王建国', '13812345678')])
  await pushAssistance(ID, '王建国', '01')
  const windowStaff = await auth(['window-staff'])
  const leader = await auth(['town-leader'])
  const prefill = async (headers: Record<string, string>, applicant = `person:${ID}`, taskHandleItem = form.taskHandleItem) =>
    await callApi(base, 'GET', `/api/v1/matters/${taskHandleItem}/prefill?applicant=${applicant}`, { headers })
  const byField = (body: Json): Record<string, Json> => Object.fromEntries((body.fields as Json[]).map((f) => [f.field, f]))

  t.test('each mapped field with its value, department and time; the others empty', async (t) => {
    const res = await prefill({ ...leader, 'x-purpose': encodeURIComponent('受理低保申请') })
    t.equal(res.status, 200, res.text)
    t.match(res.body, { taskHandleItem: form.taskHandleItem, taskVersion: 1, applicant: { kind: 'person', key: ID, name: '王建国', found: true } })
    const f = byField(res.body)
    const household = { adapter: 'household-registration', department: '公安 人口信息', observedAt: /^2026-11-02T02:00:00/ }
    t.match(f.name, { value: '王建国', source: household, withheld: null })
    t.match(f.idNumber, { value: ID, source: household })
    t.match(f.gender, { value: '男', source: household })
    t.match(f.birthDate, { value: '1965-03-08', source: household })
    t.match(f.phone, { value: '13812345678', source: household })
    t.match(f.address, { value: '湟里村委会东街12号', source: household })
    t.match(f.division, { value: '320412120000', source: household })
    t.match(f.assistanceStatus, { value: '城乡低保', source: { adapter: 'civil', department: '民政 社会救助', observedAt: /^2026-10-15T01:00:00/ }, withheld: null })
    for (const unmapped of ['spouseIdNumber', 'monthlyIncome']) t.match(f[unmapped], { value: null, source: null, withheld: null }, `${unmapped} stays empty`)
    t.strictSame((res.body.fields as Json[]).map((x) => x.field), form.forms[0]!.fields.map((x) => x.name), 'in the form\'s order')

    const [own, idCard, dibao] = res.body.materials as Json[]
    t.match(own, { name: '最低生活保障申请书', exempt: false, replacedBy: null })
    t.match(idCard, { name: '居民身份证', exempt: true, replacedBy: { kind: 'person', key: ID, facet: null, title: '人口信息', source: { department: '公安 人口信息' } } })
    t.match(dibao, { name: '低保证', exempt: true, replacedBy: { kind: 'person', key: ID, facet: 'social-assistance', source: { department: '民政 社会救助' } } })
  })

  t.test('the sensitive facet: without a purpose, and for a role the configuration does not allow', async (t) => {
    const noPurpose = byField((await prefill(leader)).body)
    t.match(noPurpose.assistanceStatus, { value: null, source: null, withheld: 'purpose-required' })
    t.equal(noPurpose.name?.value, '王建国', 'the record itself is still filled')
    const staff = await prefill({ ...windowStaff, 'x-purpose': encodeURIComponent('受理低保申请') })
    t.match(byField(staff.body).assistanceStatus, { value: null, withheld: 'forbidden' })
    t.match((staff.body.materials as Json[])[2], { name: '低保证', exempt: true, replacedBy: null }, 'nor is the facet named as a replacement')
  })

  t.test('an applicant unknown, or outside the scope, fills nothing', async (t) => {
    const unknown = residentIdOf('19900101', '555')
    const res = await prefill(leader, `person:${unknown}`)
    t.equal(res.status, 200)
    t.match(res.body.applicant, { key: unknown, name: null, found: false })
    t.ok((res.body.fields as Json[]).every((f) => f.value === null && f.source === null))
    t.ok((res.body.materials as Json[]).filter((m) => m.exempt).every((m) => m.replacedBy === null), '免提交 still, with no record named')
    const foreign = await auth(['window-staff'], OTHER_TOWN)
    t.equal((await prefill(foreign)).body.code, 'TB_CASE_MATTER_NOT_OFFERED', 'the other town does not offer the matter yet')
    await storeMatterVersions(db, OTHER_TOWN, 'catalogue', 'matters-exchange', [form])
    const other = await prefill(foreign)
    t.equal(other.status, 200)
    t.match(other.body.applicant, { key: ID, name: null, found: false }, 'a resident of 湟里镇 is not read by another town\'s window')
    t.ok((other.body.fields as Json[]).every((f) => f.value === null))
    t.equal((await prefill(leader, 'person:123')).status, 400)
    t.equal((await prefill(leader, `person:${ID.slice(0, 17)}${ID.endsWith('0') ? '1' : '0'}`)).body.code, 'TB_ID_CHECKSUM')
  })

  t.test('an enterprise: the register\'s values, the operator\'s phone from the household register, its licence replaced', async (t) => {
    const code = creditCodeOf('MA1CA5E1')
    await pushEnterprise({ TYSHXYDM: code, QYMC: '武进区湟里镇建国五金店', FDDBR: '王建国', FDDBRZJHM: ID, ZS: '湟里镇人民路18号', XZQHDM: '320412120' })
    const res = await prefill(windowStaff, `enterprise:${code}`, business.taskHandleItem)
    t.equal(res.status, 200, res.text)
    t.match(res.body.applicant, { kind: 'enterprise', key: code, name: '武进区湟里镇建国五金店', found: true })
    const f = byField(res.body)
    const register = { adapter: 'register', department: '市场监管 企业登记', observedAt: /^2026-09-01T02:00:00/ }
    t.match(f.enterpriseName, { value: '武进区湟里镇建国五金店', source: register })
    t.match(f.creditCode, { value: code, source: register })
    t.match(f.legalRepresentative, { value: '王建国', source: register })
    t.match(f.idNumber, { value: ID, source: register })
    t.match(f.phone, { value: '13812345678', source: { department: '公安 人口信息' } }, 'the operator\'s own phone')
    t.match(f.address, { value: '湟里镇人民路18号', source: register })
    t.match(f.changeItem, { value: null, source: null })
    t.match(res.body.materials, [
      { name: '营业执照', exempt: true, replacedBy: { kind: 'enterprise', key: code, title: '市场主体登记信息', source: register } },
      { name: '变更登记申请书', exempt: false, replacedBy: null },
    ])
  })

  t.test('every pre-fill is audited with the applicant and the purpose', async (t) => {
    const auditor = await auth(['auditor'])
    const entries = ((await callApi(base, 'GET', '/api/v1/audit?action=case.prefill&limit=50', { headers: auditor })).body.items as Json[])
    t.ok(entries.length >= 4)
    t.ok(entries.some((e) => e.subjectKind === 'person' && e.purpose === '受理低保申请' && e.details.taskHandleItem === form.taskHandleItem && e.outcome === 'ok'))
    t.notOk(entries.some((e) => e.subject === ID), 'the ID number is masked')
  })
})
