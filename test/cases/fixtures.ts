// A service matter as the catalogue gives it, for case tests: 临时救助申请 of 湟里镇, 20 working
// days by law, 10 promised, with a form whose fields map to the canonical model.
import type { Matter } from '../../src/model/matter.ts'

export const TOWN = '320412120000'
export const TASK_CODE = '11320412MB1234567X2000000000001'.slice(0, 31)

export function matter (overrides: Partial<Matter> = {}): Matter {
  return {
    taskHandleItem: `${TASK_CODE}01`,
    taskCode: TASK_CODE,
    catalogCode: '000000000001',
    name: '临时救助申请',
    type: 'benefit',
    version: 1,
    state: 'in-force',
    effectiveFrom: '2025-01-01',
    department: { name: '常州市武进区民政局', creditCode: '11320412MB1234567X' },
    entrusted: true,
    legalBasis: '《社会救助暂行办法》第四十七条',
    legalLimit: { amount: 20, unit: 'working-days' },
    promisedLimit: { amount: 10, unit: 'working-days' },
    projectType: 'promised',
    visits: 1,
    fees: [],
    acceptConditions: '因意外事件、突发重大疾病等导致基本生活暂时出现严重困难的家庭或个人',
    materials: [
      { name: '临时救助申请书', form: 'original', need: 'required', source: 'applicant', pages: 1 },
      { name: '居民身份证', form: 'copy', need: 'required', source: 'sharing' },
    ],
    forms: [{
      name: '临时救助申请表',
      fields: [
        { name: 'name', label: '姓名', type: 'text', required: true },
        { name: 'idNumber', label: '公民身份号码', type: 'idNumber', required: true },
        { name: 'phone', label: '联系电话', type: 'phone', required: true },
        { name: 'reason', label: '申请事由', type: 'select', required: true, options: ['突发疾病', '意外事件', '其他'] },
        { name: 'amount', label: '申请金额（元）', type: 'number', required: false },
      ],
    }],
    place: '湟里镇便民服务中心 1号窗口',
    hours: '工作日 8:30-12:00 13:30-17:00',
    contact: '0519-86000000',
    supervision: '12345',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  }
}

/** A valid resident ID number of 武进区 (check digit computed). */
export function residentIdOf (birth: string, seq: string): string {
  const body = `320412${birth}${seq}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((s, c, i) => s + Number(c) * weights[i]!, 0)
  return body + '10X98765432'[sum % 11]!
}
