// The whistle tests' town (湟里镇), its departments (two with systems), routing table and principals.
import { WhistlesConfig } from '../../src/config/whistles.ts'
import type { Principal } from '../../src/auth/principal.ts'
import type { BlowInput } from '../../src/model/whistle.ts'

export const TOWN = '320412120000'
/** Another town of 武进区. */
export const OTHER_TOWN = '320412102000'

export const config = (overrides: Record<string, unknown> = {}): WhistlesConfig => WhistlesConfig.parse({
  departments: [
    { code: 'wj-urban', name: '武进区城市管理局', county: '320412', head: { name: '刘志强' }, webhook: { scheme: 'v1' } },
    { code: 'wj-housing', name: '武进区住房和城乡建设局', county: '320412' },
    { code: 'wj-emergency', name: '武进区应急管理局', county: '320412', webhook: { scheme: 'v1sm3' } },
    { code: 'wj-market', name: '武进区市场监督管理局', county: '320412' },
    { code: 'xb-urban', name: '新北区城市管理局', county: '320411' },
  ],
  routing: {
    [TOWN]: [
      { category: '0301', name: '市容环境', lead: 'wj-urban', co: ['wj-housing'] },
      { category: '0801', name: '安全隐患', lead: 'wj-emergency', co: ['wj-housing', 'wj-market'] },
    ],
  },
  ...overrides,
})

const person = (id: string, name: string, roles: Principal['roles'], extra: Partial<Principal> = {}): Principal =>
  ({ kind: 'staff', id, username: id, name, town: TOWN, roles, ...extra })

export const leader = person('1', '李镇长', ['town-leader'])
export const window = person('2', '王芳', ['window-staff'])
export const countyAdmin = person('3', '赵县', ['county-admin'], { town: '320412000000' })
export const liaison = (department: string, kind: 'staff' | 'token' = 'staff'): Principal =>
  person(`${kind}-${department}`, `${department} 联络员`, ['department-liaison'], { kind, department })

export function blowInput (overrides: Partial<BlowInput> = {}): BlowInput {
  return {
    type: 'routine',
    source: { kind: 'direct' },
    category: '0301',
    title: '湟里村东街占道经营',
    description: '东街早市摊位占用消防通道，多次劝导无效。',
    ...overrides,
  }
}
