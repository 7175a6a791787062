// What the order and whistle page tests share: a gateway with the 12345 hotline instance (its
// webhook door, test/orders/kit.ts) and the whistle configuration of 湟里镇 (departments, one with
// a system, and a routing table); staff of each role made through the API (a liaison with its
// department); and a plain-HTTP session: sign in through POST /auth/login, GET pages, POST forms.
import { startOrdersGateway } from './orders/kit.ts'
import { STAFF_PASSWORD } from './portal-kit.ts'
import { BOOTSTRAP_TOKEN } from './helpers.ts'

export const WHISTLES_YAML = `whistles:
  windowNeedsApproval: true
  departments:
    - { code: wj-urban, name: 武进区城市管理局, county: "320412", head: { name: 刘志强 }, webhook: { scheme: v1 } }
    - { code: wj-housing, name: 武进区住房和城乡建设局, county: "320412" }
    - { code: wj-market, name: 武进区市场监督管理局, county: "320412" }
  routing:
    "320412120000":
      - { category: "0301", name: 市容环境, lead: wj-urban, co: [wj-housing] }
      - { category: "0302", name: 占道经营, lead: wj-urban }
      - { category: "0901", name: 食品安全, lead: wj-market }
`

export async function startWhistlesGateway (t: { teardown: (fn: () => unknown) => void }, redisIndex: number) {
  const g = await startOrdersGateway(t, { redisIndex, store: 'postgres', extra: WHISTLES_YAML })
  const staff = async (s: { username: string, name: string, roles: string[], department?: string, town?: string }): Promise<void> => {
    const res = await fetch(`${g.base}/api/v1/staff`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ password: STAFF_PASSWORD, town: '320412120000', ...s }),
    })
    if (res.status !== 201) throw new Error(`creating staff ${s.username}: ${res.status} ${await res.text()}`)
  }
  await staff({ username: 'li.zhen', name: '李镇长', roles: ['town-leader'] })
  await staff({ username: 'wang.fang', name: '王芳', roles: ['window-staff'] })
  await staff({ username: 'zhou.grid', name: '周网格', roles: ['grid-staff'] })
  await staff({ username: 'liu.urban', name: '刘城管', roles: ['department-liaison'], department: 'wj-urban' })
  await staff({ username: 'chen.housing', name: '陈住建', roles: ['department-liaison'], department: 'wj-housing' })
  return g
}

export interface Session {
  csrf: string
  get: (path: string) => Promise<{ status: number, text: string, location: string | null }>
  post: (path: string, form: Record<string, string>, opts?: { csrf?: boolean }) => Promise<{ status: number, text: string, location: string | null }>
}

/** Signs in as `username` through the JSON sign-in; pages and forms then go with its cookie. */
export async function session (base: string, username: string): Promise<Session> {
  const res = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: STAFF_PASSWORD }) })
  if (res.status !== 200) throw new Error(`signing in ${username}: ${res.status} ${await res.text()}`)
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const { csrfToken } = await res.json() as { csrfToken: string }
  const answer = async (r: Response): Promise<{ status: number, text: string, location: string | null }> => ({ status: r.status, text: await r.text(), location: r.headers.get('location') })
  return {
    csrf: csrfToken,
    get: async (path) => await answer(await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' })),
    post: async (path, form, opts = {}) => await answer(await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...(opts.csrf === false ? {} : { _csrf: csrfToken }), ...form }).toString(),
      redirect: 'manual',
    })),
  }
}

/** The `data-action` values of the action forms on a page, in order. */
export const actionsOn = (html: string, cls: string): string[] => [...html.matchAll(new RegExp(`class="card ${cls}" data-action="([a-z-]+)"`, 'g'))].map((m) => m[1]!)
