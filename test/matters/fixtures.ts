// Matter versions for the matter tests: one business item per catalogue code, valid against the model.
import type { Matter } from '../../src/model/matter.ts'

export const TOWN = '320412120000'
export const OTHER_TOWN = '320412102000'
const DEPT = '11320412014160587X'

/** The business item of a 12-character basic code (`000201001000`, say). */
export function itemOf (catalogCode: string): string {
  return `${DEPT}1${catalogCode}01`
}

export function matter (catalogCode: string, over: Partial<Matter> = {}): Matter {
  const taskCode = `${DEPT}1${catalogCode}`
  return {
    taskHandleItem: `${taskCode}01`,
    taskCode,
    catalogCode,
    name: '城乡居民养老保险参保登记',
    type: 'public-service',
    version: 1,
    state: 'in-force',
    effectiveFrom: '2026-01-01',
    department: { name: '武进区人力资源和社会保障局', creditCode: DEPT },
    entrusted: true,
    legalBasis: '《中华人民共和国社会保险法》',
    legalLimit: { amount: 20, unit: 'working-days' },
    promisedLimit: { amount: 5, unit: 'working-days' },
    projectType: 'promised',
    visits: 1,
    fees: [],
    acceptConditions: '具有本地户籍的城乡居民',
    materials: [{ name: '居民身份证', form: 'original', need: 'required', source: 'sharing' }],
    forms: [{ name: '参保登记表', fields: [{ name: 'idNumber', label: '身份证号', type: 'idNumber', required: true }] }],
    place: '湟里镇便民服务中心',
    hours: '工作日 9:00-17:00',
    contact: '0519-88888888',
    supervision: '12345',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  }
}
