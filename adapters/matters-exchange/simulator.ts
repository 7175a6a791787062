// A simulator of the provincial government-services platform's case exchange
// (spec: /work/shared/departments/matters-exchange.md): HMAC-SM3 signed headers with a 5-minute
// timestamp window and nonces never reused within 10 minutes, HTTP-200 business codes, 20
// requests per second per app, the nightly maintenance window (HTTP 503 with an nginx page at
// 02:00 Beijing time), the catalogue of 湟里镇 with its quirks, the case endpoints that keep what
// they received, and the department's case events for 联办 matters as Standard Webhooks (v1sm3).
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { RunningSimulator } from '../../src/adapter-sdk/index.ts'
import {
  FaultInjector, formatBeijingCompact, jsonAnswer, nginxPage, pick, seeded, startSimServer, webhookSender,
  type FaultUpdate, type SimAnswer, type SimRequest, type Subscriber, type WebhookSender,
} from '../../src/adapter-sdk/testkit/index.ts'
import { APP_ID, CATALOGUE, JOINT, TOWN, type TaskItem } from './data.ts'

export const MAX_PAGE_SIZE = 100
const TIMESTAMP_WINDOW_MS = 5 * 60_000
const NONCE_MEMORY_MS = 10 * 60_000
const BEIJING_MS = 8 * 3_600_000
const DAY_MS = 86_400_000

/** The department's own one-shot faults: its business codes. */
export const BUSINESS_FAULTS = ['1001', '1002', '1003', '2001', '2002', '4290', '5000'] as const

export interface App { appId: string, appSecret: string }

export interface SimulatorOptions {
  /** Seeds faults and the department's decisions on 联办 cases. Default 1. */
  seed?: number
  port?: number
  host?: string
  /** Registered apps; the 9 digits after an app id's first letter name its town. Default T320412120 with `matters-demo-secret`. */
  apps?: App[]
  /** The simulator's clock (epoch ms): timestamps, nonces, rate, maintenance window, event times. Default Date.now. */
  now?: () => number
  /** Where case events go (Standard Webhooks, `v1sm3`, signed with the whsec_ secret); none without it. */
  webhook?: Subscriber
  /** Pause before each of a case's events, in ms. Default 5000. */
  eventStepMs?: number
  /** Share of 联办 results sent before the case's last step (production: about 1 in 200). Default 0.005. */
  resultFirstRate?: number
  /** Share of 联办 cases sent back to the window (project.returned) instead of decided. Default 0.05. */
  returnedRate?: number
  /** Retries of a failed event delivery (the sender's schedule). */
  retryScheduleMs?: readonly number[]
  /** Length of the nightly maintenance window, seconds; 0 turns it off. Default 30. */
  maintenanceSeconds?: number
  /** When it starts, in minutes after midnight Beijing time. Default 120 (02:00). */
  maintenanceAtMinute?: number
  /** Requests per second per app before 4290; 0 turns the limit off. Default 20. */
  rateLimitPerSecond?: number
  /** Share of calls answered 5000 (system busy). Default 0. */
  busyRate?: number
  /** The gateway's random faults (503 and nginx pages), as the kit's injector takes them. Default 0. */
  unavailableRate?: number
}

/** What the platform holds of one case: the reports by their identity (accept, result, process:01:…), as received. */
export interface ProjectState {
  projectNo: string
  reports: Record<string, Record<string, unknown>>
}

export interface SentEvent { eventId: string, type: 'project.process' | 'project.result' | 'project.returned', projectNo: string, body: Record<string, unknown> }

export interface MattersSimulator extends RunningSimulator {
  readonly seed: number
  failNext: (...kinds: string[]) => void
  setFaults: (update: FaultUpdate & { busyRate?: number, rateLimitPerSecond?: number }) => unknown
  /** The case as the platform holds it, or undefined. */
  project: (projectNo: string) => ProjectState | undefined
  /** Case events generated so far, in the order they were sent. */
  events: () => readonly SentEvent[]
  /** Resolves once every scheduled case event is delivered or given up. */
  settled: () => Promise<void>
  setWebhook: (subscriber: Subscriber | undefined) => void
  webhookStats: () => ReturnType<WebhookSender['stats']>
  stats: () => { requests: Record<string, { calls: number, outcomes: Record<string, number> }> }
}

const MESSAGES: Record<string, string> = {
  0: 'ok',
  1001: '签名错误',
  1002: '时间戳过期或nonce重复',
  1003: '应用无权办理该事项',
  2001: '参数校验失败',
  2002: '办件编号重复且内容不一致',
  4290: '请求过于频繁',
  5000: '系统繁忙，请稍后再试',
}

interface FieldError { field: string, message: string }

const ok = (data: unknown): SimAnswer => jsonAnswer({ code: '0', msg: 'ok', data }, 200, 'ok')
const business = (code: string, detail?: string, errors?: FieldError[]): SimAnswer =>
  jsonAnswer({ code, msg: detail ? `${MESSAGES[code] ?? '错误'}：${detail}` : MESSAGES[code] ?? '错误', data: null, ...(errors ? { errors } : {}) }, 200, code)
const invalid = (errors: FieldError[]): SimAnswer => business('2001', errors.map((e) => `${e.field} ${e.message}`).join('；'), errors)

/** JSON with its keys sorted: two reports are the same content whatever their key order. */
function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

// ---------------------------------------------------------------------------------------------
// validation of the case bodies, as the platform checks them: every error at once, by field path

type Body = Record<string, unknown>
const TIME = /^\d{14}$/
const DATE = /^\d{4}-\d{2}-\d{2}$/
const PROJECT_NO = /^[0-9A-Z]{31}\d{12}$/

class Check {
  readonly errors: FieldError[] = []
  constructor (private readonly body: Body, private readonly prefix = '') {}
  private at (field: string): string { return `${this.prefix}${field}` }
  private fail (field: string, message: string): void { this.errors.push({ field: this.at(field), message }) }
  present (field: string): boolean { return this.body[field] !== undefined && this.body[field] !== null && this.body[field] !== '' }

  text (field: string, shape?: RegExp, expected = '格式不正确', optional = false): string | undefined {
    const v = this.body[field]
    if (!this.present(field)) { if (!optional) this.fail(field, '必填'); return undefined }
    if (typeof v !== 'string') { this.fail(field, '必须为字符串'); return undefined }
    if (shape && !shape.test(v)) { this.fail(field, expected); return undefined }
    return v
  }

  code (field: string, codes: readonly string[], optional = false): void {
    this.text(field, new RegExp(`^(${codes.join('|')})$`), `应为 ${codes.join('、')} 之一`, optional)
  }

  integer (field: string, min: number, max: number): number | undefined {
    const v = this.body[field]
    if (!this.present(field)) { this.fail(field, '必填'); return undefined }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) { this.fail(field, `应为 ${min}-${max} 的整数`); return undefined }
    return v
  }

  object (field: string, optional: boolean, inner: (c: Check) => void): Body | undefined {
    const v = this.body[field]
    if (!this.present(field)) { if (!optional) this.fail(field, '必填'); return undefined }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) { this.fail(field, '应为对象'); return undefined }
    const c = new Check(v as Body, `${this.at(field)}.`)
    inner(c)
    this.errors.push(...c.errors)
    return v as Body
  }

  list (field: string, minItems: number, inner: (c: Check) => void): void {
    const v = this.body[field]
    if (!Array.isArray(v)) { this.fail(field, '应为数组'); return }
    if (v.length < minItems) { this.fail(field, `至少 ${minItems} 项`); return }
    v.forEach((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) { this.fail(`${field}[${i}]`, '应为对象'); return }
      const c = new Check(item as Body, `${this.at(field)}[${i}].`)
      inner(c)
      this.errors.push(...c.errors)
    })
  }
}

const time = (c: Check, field: string, optional = false): void => { c.text(field, TIME, '应为 YYYYMMDDHHmmss', optional) }

interface Endpoint {
  /** Which report of the case this is: a repeat with the same identity must be the same content. */
  identity: (body: Body) => string
  check: (c: Check) => void
}

const ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  accept: {
    identity: () => 'accept',
    check (c) {
      c.text('taskHandleItem', /^[0-9A-Z]{33}$/, '应为33位业务办理项编码')
      c.integer('taskVersion', 1, 1_000_000)
      c.code('applyType', ['1', '2'])
      c.object('applicant', false, (a) => {
        a.text('name'); a.code('certType', ['111', '001']); a.text('certNo')
        a.text('phone', undefined, undefined, true); a.text('legalRep', undefined, undefined, true)
      })
      c.object('contact', true, (a) => { a.text('name'); a.text('certNo'); a.text('phone') })
      time(c, 'applyTime'); time(c, 'acceptTime')
      c.text('acceptDocNo'); c.text('promiseDate', DATE, '应为 YYYY-MM-DD')
      c.text('orgCode', /^[0-9A-HJ-NPQRTUWXY]{18}$/, '应为18位统一社会信用代码'); c.text('orgName'); c.text('handleUserName')
      c.object('formData', false, () => {})
      c.list('materials', 0, (m) => {
        m.text('materialName'); m.code('provided', ['1', '2', '3'])
        m.text('sha256', /^[0-9a-f]{64}$/, '应为64位小写十六进制', true)
      })
    },
  },
  'not-accept': {
    identity: () => 'not-accept',
    check (c) { c.text('reason'); time(c, 'decideTime'); c.text('docNo') },
  },
  supplement: {
    identity: (b) => `supplement:${String(b.noticeTime)}`,
    check (c) { c.list('items', 1, (i) => { i.text('materialName'); i.text('reason') }); time(c, 'noticeTime') },
  },
  'supplement-done': {
    identity: (b) => `supplement-done:${String(b.time)}`,
    check (c) { time(c, 'time') },
  },
  process: {
    identity: (b) => `process:${String(b.eventName)}:${String(b.startTime)}`,
    check (c) {
      c.text('processName'); c.code('eventName', ['01', '02', '03', '04', '05', '06'])
      time(c, 'startTime'); time(c, 'endTime', true)
      c.text('handleUserName')
      c.text('handleExplain', undefined, undefined, true)
      c.object('special', true, (s) => { s.text('specialType'); s.text('reason'); s.text('byLaw') })
    },
  },
  result: {
    identity: () => 'result',
    check (c) {
      c.text('resultDate', DATE, '应为 YYYY-MM-DD'); c.code('resultType', ['1', '2', '3', '4']); c.text('resultExplain', undefined, undefined, true)
      c.text('certName', undefined, undefined, true); c.text('certNo', undefined, undefined, true); c.code('delivery', ['1', '2', '3'])
    },
  },
  evaluation: {
    // a re-rating after 整改 is another evaluation of the stage, told apart by its time
    identity: (b) => `evaluation:${String(b.evalStage)}:${String(b.evalTime)}`,
    check (c) {
      c.code('evalStage', ['1', '2']); c.integer('level', 1, 5); c.code('channel', ['01', '02', '03'])
      c.text('comment', undefined, undefined, true); time(c, 'evalTime')
    },
  },
}

/** The form values of an accept: strings only, and every required field of the matter's forms filled. */
function formErrors (formData: Body, matter: TaskItem): FieldError[] {
  const errors: FieldError[] = []
  for (const [name, value] of Object.entries(formData)) {
    if (typeof value !== 'string') errors.push({ field: `formData.${name}`, message: `值必须为字符串，收到 ${value === null ? 'null' : typeof value}` })
  }
  for (const field of matter.forms.flatMap((f) => f.fields)) {
    const value = formData[field.name]
    if (field.required && (value === undefined || value === '')) errors.push({ field: `formData.${field.name}`, message: `${field.label}必填` })
  }
  return errors
}

// ---------------------------------------------------------------------------------------------

export async function startSimulator (opts: SimulatorOptions = {}): Promise<MattersSimulator> {
  const seed = opts.seed ?? 1
  const now = opts.now ?? Date.now
  const apps = new Map((opts.apps ?? [{ appId: APP_ID, appSecret: 'matters-demo-secret' }]).map((a) => [a.appId, a.appSecret]))
  const own = { busyRate: opts.busyRate ?? 0, rateLimitPerSecond: opts.rateLimitPerSecond ?? 20 }
  const maintenanceMs = (opts.maintenanceSeconds ?? 30) * 1000
  const maintenanceAt = (opts.maintenanceAtMinute ?? 120) * 60_000
  const eventStepMs = opts.eventStepMs ?? 5000
  const resultFirstRate = opts.resultFirstRate ?? 0.005
  const returnedRate = opts.returnedRate ?? 0.05
  const faults = new FaultInjector({ seed, kinds: BUSINESS_FAULTS, ...(opts.unavailableRate === undefined ? {} : { unavailableRate: opts.unavailableRate }) })
  const busyRng = seeded(seed, 0, 301)
  const caseRng = seeded(seed, 0, 302)
  const sender = webhookSender({ scheme: 'v1sm3', now, ...(opts.webhook ? { subscriber: opts.webhook } : {}), ...(opts.retryScheduleMs ? { retryScheduleMs: opts.retryScheduleMs } : {}) })

  const nonces = new Map<string, number>()
  const windows = new Map<string, number[]>()
  const projects = new Map<string, ProjectState>()
  const sent: SentEvent[] = []
  const timers = new Set<NodeJS.Timeout>()
  let chains = 0
  let waiters: Array<() => void> = []
  let eventSeq = 0

  const inMaintenance = (): boolean => {
    if (maintenanceMs <= 0) return false
    const ofDay = (((now() + BEIJING_MS) % DAY_MS) + DAY_MS) % DAY_MS
    return ofDay >= maintenanceAt && ofDay < maintenanceAt + maintenanceMs
  }

  /** The app the request is signed by, or the business answer refusing it. */
  function authenticate (req: SimRequest): string | SimAnswer {
    const header = (name: string): string | undefined => { const v = req.headers[name]; return typeof v === 'string' ? v : undefined }
    const appId = header('x-app-id')
    const timestamp = header('x-timestamp')
    const nonce = header('x-nonce')
    const sign = header('x-sign')
    if (!appId || !timestamp || !nonce || !sign) return business('1001', '缺少 x-app-id、x-timestamp、x-nonce 或 x-sign')
    const secret = apps.get(appId)
    if (secret === undefined) return business('1001', `应用 ${appId} 未注册`)
    const content = Buffer.concat([Buffer.from([appId, timestamp, nonce, req.method, req.path, ''].join('\n')), req.body])
    const expected = createHmac('sm3', Buffer.from(secret, 'utf8')).update(content).digest('hex')
    if (sign.length !== expected.length || !timingSafeEqual(Buffer.from(sign), Buffer.from(expected))) return business('1001')
    const at = /^\d{13}$/.test(timestamp) ? Number(timestamp) : Number.NaN
    const t = now()
    if (!Number.isFinite(at) || Math.abs(t - at) > TIMESTAMP_WINDOW_MS) return business('1002', '时间戳与服务器时间相差超过5分钟')
    if (!/^[0-9a-fA-F]{16,32}$/.test(nonce)) return business('1002', 'nonce 应为16-32位十六进制')
    for (const [n, seen] of nonces) { if (seen > t - NONCE_MEMORY_MS) break; nonces.delete(n) }
    const key = `${appId} ${nonce.toLowerCase()}`
    if (nonces.has(key)) return business('1002', 'nonce 10分钟内重复使用')
    nonces.set(key, t)
    return appId
  }

  function limited (appId: string): boolean {
    if (own.rateLimitPerSecond <= 0) return false
    const t = now()
    let w = windows.get(appId)
    if (!w) windows.set(appId, w = [])
    while (w.length > 0 && w[0]! <= t - 1000) w.shift()
    if (w.length >= own.rateLimitPerSecond) return true
    w.push(t)
    return false
  }

  /** What every API call goes through before its own work: the gateway's night, the business faults, signature, rate, busy. */
  function api (handler: (req: SimRequest, appId: string) => SimAnswer): (req: SimRequest) => SimAnswer {
    return (req) => {
      if (inMaintenance()) return { status: 503, body: nginxPage(503, 'Service Temporarily Unavailable'), type: 'text/html', outcome: 'maintenance' }
      const busyRoll = busyRng()
      if (req.fault !== undefined) return business(req.fault)
      const app = authenticate(req)
      if (typeof app !== 'string') return app
      if (limited(app)) return business('4290')
      if (busyRoll < own.busyRate) return business('5000')
      return handler(req, app)
    }
  }

  function tasks (req: SimRequest, appId: string): SimAnswer {
    const q = req.query
    const errors: FieldError[] = []
    const areaCode = q.get('areaCode') ?? ''
    const updatedAfter = q.get('updatedAfter') ?? ''
    const pageNo = Number(q.get('pageNo') ?? '1')
    const pageSize = Number(q.get('pageSize') ?? '20')
    if (!/^\d{9}$/.test(areaCode)) errors.push({ field: 'areaCode', message: '应为9位乡镇区划代码' })
    if (!TIME.test(updatedAfter)) errors.push({ field: 'updatedAfter', message: '应为 YYYYMMDDHHmmss' })
    if (!Number.isInteger(pageNo) || pageNo < 1) errors.push({ field: 'pageNo', message: '应为正整数' })
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) errors.push({ field: 'pageSize', message: `应为 1-${MAX_PAGE_SIZE}` })
    if (errors.length > 0) return invalid(errors)
    if (appId.slice(1) !== areaCode) return business('1003', `应用 ${appId} 不能读取 ${areaCode} 的事项`)
    const items = areaCode === TOWN ? CATALOGUE.filter((i) => i.updateTime > updatedAfter) : []
    return ok({ total: items.length, pageNo, pageSize, list: items.slice((pageNo - 1) * pageSize, pageNo * pageSize) })
  }

  function project (kind: string, endpoint: Endpoint): (req: SimRequest, appId: string) => SimAnswer {
    return (req, appId) => {
      let body: Body
      try { body = req.json() } catch { return invalid([{ field: '(body)', message: '请求体应为 JSON 对象' }]) }
      const c = new Check(body)
      const projectNo = c.text('projectNo', PROJECT_NO, '应为43位办件编号（实施编码+YYYYMMDD+4位流水号）')
      endpoint.check(c)
      const errors = [...c.errors]
      let matter: TaskItem | undefined
      if (kind === 'accept' && errors.length === 0) {
        matter = CATALOGUE.find((i) => i.taskHandleItem === body.taskHandleItem && i.taskVersion === body.taskVersion)
        if (!matter) errors.push({ field: 'taskVersion', message: `事项 ${String(body.taskHandleItem)} 无第 ${String(body.taskVersion)} 版` })
        else if (appId.slice(1) !== TOWN) return business('1003', `应用 ${appId} 无权办理该事项`)
        else {
          if (!projectNo!.startsWith(matter.taskCode)) errors.push({ field: 'projectNo', message: '办件编号应以该事项的实施编码开头' })
          errors.push(...formErrors(body.formData as Body, matter))
        }
      }
      if (errors.length > 0) return invalid(errors)
      let state = projects.get(projectNo!)
      if (!state) projects.set(projectNo!, state = { projectNo: projectNo!, reports: {} })
      const identity = endpoint.identity(body)
      const before = state.reports[identity]
      if (before !== undefined) return canonical(before) === canonical(body) ? ok({ received: true }) : business('2002', projectNo)
      state.reports[identity] = body
      if (matter && JOINT.has(matter.taskHandleItem)) decide(projectNo!)
      return ok({ received: true })
    }
  }

  // -------------------------------------------------------------------------------------------
  // the department's side of a 联办 case: its steps and its decision, as webhooks in sequence

  function later (ms: number, fn: () => void): void {
    const timer = setTimeout(() => { timers.delete(timer); fn() }, ms)
    timers.add(timer)
  }

  function event (type: SentEvent['type'], projectNo: string, data: Record<string, unknown>): SentEvent {
    eventSeq++
    const eventId = `evt_${seed}_${String(eventSeq).padStart(8, '0')}`
    return { eventId, type, projectNo, body: { eventId, type, projectNo, time: formatBeijingCompact(now()), data } }
  }

  const step = (projectNo: string, eventName: string, processName: string, handleExplain: string): () => SentEvent => () => {
    const t = formatBeijingCompact(now())
    return event('project.process', projectNo, { processName, eventName, startTime: t, endTime: t, handleUserName: pick(caseRng, ['李明', '张红', '陈建国', '周敏']), handleExplain })
  }

  /** Schedules the department's events for a 联办 case just accepted. */
  function decide (projectNo: string): void {
    if (!sender.subscriber) return
    const returned = caseRng() < returnedRate
    const resultFirst = caseRng() < resultFirstRate
    const review = step(projectNo, '01', '审查', '材料已接收，进入审查')
    let plan: Array<() => SentEvent>
    if (returned) {
      const reason = pick(caseRng, ['材料不全：缺少家庭经济状况核对授权书', '不属本部门：该事项应由申请人户籍地乡镇受理'])
      plan = [review, () => event('project.returned', projectNo, { reason, handleUserName: '李明' })]
    } else {
      const result = (): SentEvent => {
        const day = formatBeijingCompact(now())
        return event('project.result', projectNo, { resultDate: `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`, resultType: '1', resultExplain: '经审核，符合条件，准予', delivery: '3' })
      }
      const steps = [review, step(projectNo, '02', '审核', '审核通过'), step(projectNo, '03', '决定', '同意')]
      // the quirk: now and then the result overtakes the case's last step
      plan = resultFirst ? [...steps.slice(0, -1), result, steps[steps.length - 1]!] : [...steps, result]
    }
    chains++
    const next = (i: number): void => {
      if (i >= plan.length) {
        if (--chains === 0) { const w = waiters; waiters = []; for (const f of w) f() }
        return
      }
      later(eventStepMs, () => {
        const e = plan[i]!()
        sent.push(e)
        sender.deliver(e.eventId, Buffer.from(JSON.stringify(e.body)), () => { next(i + 1) })
      })
    }
    next(0)
  }

  function setFaults (update: FaultUpdate & { busyRate?: number, rateLimitPerSecond?: number }): unknown {
    for (const k of ['busyRate', 'rateLimitPerSecond'] as const) {
      const v = update[k]
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new RangeError(`${k} must be a non-negative number`)
    }
    const kit = faults.set(update)
    if (update.busyRate !== undefined) own.busyRate = update.busyRate
    if (update.rateLimitPerSecond !== undefined) own.rateLimitPerSecond = update.rateLimitPerSecond
    return { ...kit, ...own }
  }

  const routes: Record<string, { handler: (req: SimRequest) => SimAnswer, faults: 'all' }> = {
    'GET /api/v1/tasks': { handler: api(tasks), faults: 'all' },
  }
  for (const [kind, endpoint] of Object.entries(ENDPOINTS)) {
    routes[`POST /api/v1/projects/${kind}`] = { handler: api(project(kind, endpoint)), faults: 'all' }
  }
  const server = await startSimServer({
    port: opts.port,
    host: opts.host,
    faults,
    routes: {
      ...routes,
      'GET /healthz': () => jsonAnswer({ status: 'ok', matters: CATALOGUE.length }),
      'GET /_sim/stats': () => jsonAnswer(stats()),
      'POST /_sim/faults': (req) => jsonAnswer(setFaults(req.json() as FaultUpdate)),
      'GET /_sim/projects/:projectNo': (req) => {
        const state = projects.get(req.params.projectNo!)
        return state ? jsonAnswer(state) : jsonAnswer({ error: 'no such case' }, 404)
      },
    },
  })

  function stats (): { requests: Record<string, { calls: number, outcomes: Record<string, number> }> } {
    return { requests: Object.fromEntries(Object.keys(routes).map((key) => [key, server.calls(key)])) }
  }

  return {
    url: server.url,
    seed,
    failNext: (...kinds) => { faults.failNext(...kinds) },
    setFaults,
    project: (projectNo) => projects.get(projectNo),
    events: () => sent,
    settled: async () => {
      if (chains > 0) await new Promise<void>((resolve) => { waiters.push(resolve) })
      await sender.settled()
    },
    setWebhook: (subscriber) => { sender.setSubscriber(subscriber) },
    webhookStats: sender.stats,
    stats,
    async close () {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      const w = waiters; waiters = []; for (const f of w) f()
      await sender.close()
      await server.close()
    },
  }
}
