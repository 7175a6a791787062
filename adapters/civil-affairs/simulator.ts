// A simulator of the provincial civil-affairs social-assistance WebService
// (spec: /work/shared/departments/civil-affairs.md): SOAP 1.1 in GBK at /services/JzxxService with
// its WSDL, MD5-signed parameters checked within a 10-minute window, 2 requests a second, faults
// E101/E102/E201/E500 (HTTP 500, or an empty body when overloaded), a UTF-8 BOM before the GBK
// declaration now and then, empties written three ways, 15-digit ID numbers, names with GBK-
// extension characters, and the operator look-up queryJzxxBySfzh (E301/E302). The server, gateway
// faults and changing register are the SDK's test kit; what is here is the department.
import { createHash } from 'node:crypto'
import iconv from 'iconv-lite'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import type { RunningSimulator } from '../../src/adapter-sdk/index.ts'
import {
  changingRegistry, FaultInjector, jsonAnswer, startSimServer,
  type FaultSettings as KitFaultSettings, type FaultUpdate as KitFaultUpdate, type SimAnswer, type SimRequest,
} from '../../src/adapter-sdk/testkit/index.ts'
import {
  baseSecondsAt, caseAt, caseFacts, casesBetween, firstIndexAfter, formatGxsj, legacyId, parseGxsj, revisedCaseAt, seeded,
  FIELDS, type AssistanceRow, type People,
} from './data.ts'

export const SERVICE_PATH = '/services/JzxxService'
export const NAMESPACE = 'http://mz.gov.cn/jzxx'
export const MAX_PAGE_SIZE = 200

/** The department's own one-shot faults: its fault codes, and `empty` (HTTP 500 with no body). */
export const DEPARTMENT_FAULTS = ['E101', 'E102', 'E201', 'E500', 'empty'] as const
export type OneShotFault = (typeof DEPARTMENT_FAULTS)[number] | '503' | 'html502' | 'html503' | 'html504' | 'timeout' | 'hang' | 'slow'

const FAULT_TEXT = {
  E101: ['soap:Client', 'E101 签名错误'],
  E102: ['soap:Client', 'E102 时间戳过期'],
  E201: ['soap:Client', 'E201 查询过于频繁'],
  E301: ['soap:Client', 'E301 操作员账号或密码错误'],
  E302: ['soap:Client', 'E302 操作员无权查询该地区'],
  E500: ['soap:Server', 'E500 系统繁忙'],
} as const
type FaultCode = keyof typeof FAULT_TEXT

export interface App { appId: string, appSecret: string }
/** A civil-affairs operator account: the county (6 digits) whose households it may look up. */
export interface Operator { username: string, password: string, county: string }

export interface FaultSettings extends KitFaultSettings {
  /** Share of calls the overloaded service answers HTTP 500: half with fault E500, half with an empty body. */
  busyRate: number
  /** Requests per second per appId before E201; 0 turns the limit off. Spec: 2. */
  rateLimitPerSecond: number
  /** Share of answers with a UTF-8 BOM before the GBK declaration. */
  bomRate: number
}

export interface FaultUpdate extends KitFaultUpdate, Partial<Pick<FaultSettings, 'busyRate' | 'rateLimitPerSecond' | 'bomRate'>> {}

export interface SimulatorOptions extends Partial<Omit<FaultSettings, 'down' | 'hang'>> {
  /** Which register (data.ts seed); also seeds faults and churn. Default 1. */
  seed?: number
  /** Base cases at start. Default 1000. */
  cases?: number
  port?: number
  host?: string
  apps?: App[]
  operators?: Operator[]
  /** How far a request's timestamp may be from the department's clock. Spec: 10 minutes. */
  timestampWindowSeconds?: number
  /** After each served page, update this many already-served cases (fractions are a probability). Default 0. */
  churnPerRequest?: number
  /** New cases registered per minute while the simulator runs. Default 0. */
  growPerMinute?: number
  /** The department's clock (epoch ms), for tests. Default Date.now. */
  now?: () => number
  /** Who sits in a case's slot, if not the register's own population (the demo: household residents). */
  people?: People
}

export interface SimulatorStats {
  /** SOAP calls, by operation. */
  requests: number
  byOperation: Record<string, number>
  /** SOAP calls by outcome: ok, E101, E102, E201, E301, E302, E500, empty, client, http502… */
  byOutcome: Record<string, number>
  cases: number
  updated: number
  wsdlRequests: number
}

export interface TouchedCase { index: number, SFZH: string, GXSJ: string }

export interface CivilAffairsSimulator extends RunningSimulator {
  readonly seed: number
  size: () => number
  /** Case `index` as the service sends it now (with its latest update). */
  rowAt: (index: number) => AssistanceRow
  setFaults: (update: FaultUpdate) => FaultSettings & { failNext: string[] }
  failNext: (...kinds: OneShotFault[]) => void
  /** Update cases now: they get a GXSJ later than every base case and move to the end. */
  touch: (indices: readonly number[]) => TouchedCase[]
  rowKeys: () => string[]
  stats: () => SimulatorStats
}

// ---------------------------------------------------------------------------------------------
// the wire: GBK envelopes, faults, records with their empties written three ways

const BOM = Buffer.from([0xef, 0xbb, 0xbf])
const CONTENT_TYPE = 'text/xml; charset=GBK'
const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const envelope = (body: string): string =>
  `<?xml version="1.0" encoding="GBK"?>\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:jz="${NAMESPACE}"><soap:Body>${body}</soap:Body></soap:Envelope>`

function gbkAnswer (status: number, xml: string, bom: boolean, outcome: string): SimAnswer {
  const bytes = iconv.encode(xml, 'gbk')
  return { status, body: bom ? Buffer.concat([BOM, bytes]) : bytes, type: CONTENT_TYPE, outcome }
}

/** SOAP 1.1: a fault goes with HTTP 500. */
const faultXml = (faultcode: string, faultstring: string): string =>
  envelope(`<soap:Fault><faultcode>${faultcode}</faultcode><faultstring>${escapeXml(faultstring)}</faultstring></soap:Fault>`)

/** An empty element as this service writes it, one of three ways (spec: quirks). */
const EMPTY_FORMS = [(f: string) => `<${f}/>`, (f: string) => `<${f}></${f}>`, (f: string) => `<${f}>null</${f}>`] as const

function recordXml (row: AssistanceRow, rng: () => number): string {
  let xml = '<record>'
  for (const f of FIELDS) {
    const v = row[f]
    xml += v === '' ? EMPTY_FORMS[Math.floor(rng() * 3)]!(f) : `<${f}>${escapeXml(v)}</${f}>`
  }
  return `${xml}</record>`
}

const resultXml = (operation: string, total: number, rows: readonly AssistanceRow[], rng: () => number): string =>
  `<jz:${operation}Response><result><total>${total}</total><records>${rows.map((row) => recordXml(row, rng)).join('')}</records></result></jz:${operation}Response>`

const md5Hex = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex').toUpperCase()

const requestParser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, ignoreDeclaration: true, parseTagValue: false })

/** The operation and its parameters, or why the request cannot be read. */
function readRequest (body: Buffer): { operation: string, params: Record<string, string> } | string {
  let xml: string
  try {
    xml = new TextDecoder('gb18030', { fatal: true }).decode(body)
  } catch {
    return '请求不是GBK编码的XML'
  }
  if (XMLValidator.validate(xml) !== true) return '请求不是合法的XML'
  const soapBody = (requestParser.parse(xml) as { Envelope?: { Body?: unknown } }).Envelope?.Body
  if (typeof soapBody !== 'object' || soapBody === null) return '请求不是SOAP信封'
  const [operation, params] = Object.entries(soapBody)[0] ?? []
  if (operation === undefined) return '请求没有操作'
  const values: Record<string, string> = {}
  for (const [k, v] of Object.entries(typeof params === 'object' && params !== null ? params : {})) values[k] = typeof v === 'string' ? v : ''
  return { operation, params: values }
}

// ---------------------------------------------------------------------------------------------

export async function startSimulator (opts: SimulatorOptions = {}): Promise<CivilAffairsSimulator> {
  const seed = opts.seed ?? 1
  const now = opts.now ?? Date.now
  const people = opts.people
  const windowMs = (opts.timestampWindowSeconds ?? 600) * 1000
  const apps = new Map((opts.apps ?? [{ appId: 'T320412120', appSecret: 'jzxx-demo-secret' }]).map((a) => [a.appId, a.appSecret]))
  const operators = new Map((opts.operators ?? [{ username: 'wj_czy01', password: 'Czy-Demo-2026', county: '320412' }]).map((o) => [o.username, o]))
  const own = { busyRate: opts.busyRate ?? 0, rateLimitPerSecond: opts.rateLimitPerSecond ?? 2, bomRate: opts.bomRate ?? 0.2 }
  const faults = new FaultInjector({
    seed,
    kinds: DEPARTMENT_FAULTS,
    timeoutMs: opts.timeoutMs ?? 5000,
    ...(opts.unavailableRate === undefined ? {} : { unavailableRate: opts.unavailableRate }),
    ...(opts.timeoutRate === undefined ? {} : { timeoutRate: opts.timeoutRate }),
    ...(opts.slowRate === undefined ? {} : { slowRate: opts.slowRate }),
    ...(opts.slowMs === undefined ? {} : { slowMs: opts.slowMs }),
  })
  // one stream for the wire's own randomness, drawn in a fixed order per call: a run depends only on the seed
  const wire = seeded(seed, 0, 101)

  const registry = changingRegistry<AssistanceRow>({
    base: opts.cases ?? 1000,
    secondsAt: baseSecondsAt,
    firstIndexAfter,
    keyAt: (index) => String(index).padStart(10, '0'),
    between: (from, to) => casesBetween(seed, from, to, people),
    revised: (index, revision, sec) => revisedCaseAt(seed, index, revision, formatGxsj(sec * 1000), people),
  }, { seed, churnPerRequest: opts.churnPerRequest ?? 0, growPerMinute: opts.growPerMinute ?? 0, now })

  // The look-up by ID number: case indices by the 18- and 15-character forms, built as far as the register has grown.
  const byId = new Map<string, number[]>()
  let indexed = 0
  function casesOf (sfzh: string): number[] {
    for (; indexed < registry.size(); indexed++) {
      const { idNumber } = caseFacts(seed, indexed, people)
      for (const key of idNumber.slice(6, 8) === '19' ? [idNumber, legacyId(idNumber)] : [idNumber]) {
        let list = byId.get(key)
        if (!list) byId.set(key, list = [])
        list.push(indexed)
      }
    }
    return byId.get(sfzh.toUpperCase()) ?? []
  }

  // At most rateLimitPerSecond calls per appId in any second (a sliding window of call times).
  const windows = new Map<string, number[]>()
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

  const byOperation: Record<string, number> = {}

  function service (req: SimRequest): SimAnswer {
    registry.grow()
    // drawn on every call that reaches the department, in this order
    const busyRoll = wire()
    const busyKind = wire()
    const bom = wire() < own.bomRate
    const fault = (code: FaultCode): SimAnswer => gbkAnswer(500, faultXml(FAULT_TEXT[code][0], FAULT_TEXT[code][1]), bom, code)
    // The spec names no fault for a request it cannot read: a plain soap:Client fault, as such services answer.
    const client = (why: string): SimAnswer => gbkAnswer(500, faultXml('soap:Client', `参数错误：${why}`), bom, 'client')

    const request = readRequest(req.body)
    if (typeof request === 'string') return client(request)
    const { operation, params } = request
    byOperation[operation] = (byOperation[operation] ?? 0) + 1
    if (operation !== 'queryJzxxByGxsj' && operation !== 'queryJzxxBySfzh') return client(`未知操作 ${operation}`)

    const secret = apps.get(params.appId ?? '')
    const signed = `${params.appId ?? ''}${params.timestamp ?? ''}${operation === 'queryJzxxBySfzh' ? params.sfzh ?? '' : ''}`
    if (req.fault === 'E101' || secret === undefined || params.sign !== md5Hex(signed + secret)) return fault('E101')
    const at = parseGxsj(params.timestamp ?? '')
    if (req.fault === 'E102' || at === undefined || Math.abs(now() - at) > windowMs) return fault('E102')
    if (req.fault === 'E201' || limited(params.appId!)) return fault('E201')
    if (req.fault === 'E500' || (req.fault === undefined && busyRoll < own.busyRate && busyKind < 0.5)) return fault('E500')
    if (req.fault === 'empty' || (req.fault === undefined && busyRoll < own.busyRate)) return { status: 500, body: '', type: CONTENT_TYPE, outcome: 'empty' }

    if (operation === 'queryJzxxBySfzh') {
      const operator = operators.get(params.czyh ?? '')
      if (operator === undefined || params.czymm !== md5Hex(operator.password)) return fault('E301')
      if (!/^(\d{15}|\d{17}[\dXx])$/.test(params.sfzh ?? '')) return client('sfzh 应为15位或18位身份证号')
      const rows = casesOf(params.sfzh!).map(registry.rowAt)
      if (rows.some((row) => !row.XZQH.startsWith(operator.county))) return fault('E302')
      return gbkAnswer(200, envelope(resultXml(operation, rows.length, rows, wire)), bom, 'ok')
    }

    const beginMs = parseGxsj(params.gxsjBegin ?? '')
    const pageNo = Number(params.pageNo ?? '1')
    const pageSize = Number(params.pageSize ?? '')
    if (beginMs === undefined) return client('gxsjBegin 应为 yyyyMMddHHmmss')
    if (!Number.isInteger(pageNo) || pageNo < 1) return client('pageNo 应为正整数')
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) return client(`pageSize 应为 1-${MAX_PAGE_SIZE}`)
    // gxsjBegin is inclusive: rows updated at or after it
    const { total, list } = registry.page(beginMs / 1000 - 1, (pageNo - 1) * pageSize, pageSize)
    const answer = gbkAnswer(200, envelope(resultXml(operation, total, list, wire)), bom, 'ok')
    registry.churn()
    return answer
  }

  function setFaults (update: FaultUpdate): FaultSettings & { failNext: string[] } {
    for (const k of ['busyRate', 'rateLimitPerSecond', 'bomRate'] as const) {
      const v = update[k]
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new RangeError(`${k} must be a non-negative number`)
    }
    const kit = faults.set(update)
    for (const k of ['busyRate', 'rateLimitPerSecond', 'bomRate'] as const) if (update[k] !== undefined) own[k] = update[k]
    return { ...kit, ...own }
  }

  function touch (indices: readonly number[]): TouchedCase[] {
    registry.grow()
    return registry.touch(indices).map(({ index, seconds }) => ({ index, SFZH: registry.rowAt(index).SFZH, GXSJ: formatGxsj(seconds * 1000) }))
  }

  function stats (): SimulatorStats {
    const api = server.calls(`POST ${SERVICE_PATH}`)
    return { requests: api.calls, byOperation: { ...byOperation }, byOutcome: api.outcomes, cases: registry.size(), updated: registry.updated(), wsdlRequests: server.calls(`GET ${SERVICE_PATH}`).calls }
  }

  const server = await startSimServer({
    port: opts.port,
    host: opts.host,
    faults,
    routes: {
      [`POST ${SERVICE_PATH}`]: { handler: service, faults: 'all' },
      [`GET ${SERVICE_PATH}`]: (req) => (req.query.has('wsdl')
        ? { body: iconv.encode(wsdl(`http://${req.headers.host ?? 'localhost'}${SERVICE_PATH}`), 'gbk'), type: CONTENT_TYPE }
        : { status: 405, body: 'JzxxService: POST SOAP 1.1 requests here; the WSDL is at ?wsdl', type: 'text/plain; charset=utf-8' }),
      'GET /healthz': () => jsonAnswer({ status: 'ok', cases: registry.size() }),
      'GET /_sim/stats': () => jsonAnswer(stats()),
      'GET /_sim/faults': () => jsonAnswer({ ...faults.settings(), ...own }),
      'POST /_sim/faults': (req) => jsonAnswer(setFaults(req.json() as FaultUpdate)),
      'POST /_sim/touch': (req) => {
        const { indices } = req.json()
        if (!Array.isArray(indices)) throw new RangeError('indices must be an array of case indices')
        return jsonAnswer({ touched: touch(indices as number[]) })
      },
    },
  })

  return {
    url: server.url,
    seed,
    size: registry.size,
    rowAt: registry.rowAt,
    setFaults,
    failNext: (...kinds) => { setFaults({ failNext: kinds }) },
    touch,
    rowKeys: () => Array.from({ length: registry.size() }, (_, index) => registry.rowAt(index).SFZH),
    stats,
    close: server.close,
  }
}

// ---------------------------------------------------------------------------------------------
// the WSDL (document/literal, SOAPAction "")

const RECORD_ELEMENTS = FIELDS.map((f) => `<xs:element name="${f}" type="xs:string" minOccurs="0"/>`).join('')
const SIGNED = '<xs:element name="appId" type="xs:string"/><xs:element name="timestamp" type="xs:string"/><xs:element name="sign" type="xs:string"/>'
const RESULT = '<xs:element name="result"><xs:complexType><xs:sequence><xs:element name="total" type="xs:int"/><xs:element name="records"><xs:complexType><xs:sequence><xs:element name="record" type="jz:Jzxx" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element></xs:sequence></xs:complexType></xs:element>'

const OPERATIONS = {
  queryJzxxByGxsj: { doc: '按更新时间分页查询救助信息（每页最多200条，按GXSJ排序）', params: '<xs:element name="gxsjBegin" type="xs:string"/><xs:element name="pageNo" type="xs:int"/><xs:element name="pageSize" type="xs:int"/>' },
  queryJzxxBySfzh: { doc: '按身份证号查询个人救助信息（操作员账号，sign含sfzh）', params: '<xs:element name="czyh" type="xs:string"/><xs:element name="czymm" type="xs:string"/><xs:element name="sfzh" type="xs:string"/>' },
} as const

function wsdl (address: string): string {
  const ops = Object.entries(OPERATIONS)
  return `<?xml version="1.0" encoding="GBK"?>
<wsdl:definitions name="JzxxService" targetNamespace="${NAMESPACE}" xmlns:jz="${NAMESPACE}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<wsdl:documentation>民政 社会救助信息系统 WebService。sign = MD5(appId + timestamp [+ sfzh] + appSecret) 大写十六进制；timestamp 为北京时间 yyyyMMddHHmmss，与服务器时间相差不超过10分钟。</wsdl:documentation>
<wsdl:types><xs:schema targetNamespace="${NAMESPACE}" elementFormDefault="unqualified">
<xs:complexType name="Jzxx"><xs:sequence>${RECORD_ELEMENTS}</xs:sequence></xs:complexType>
${ops.map(([name, op]) => `<xs:element name="${name}"><xs:complexType><xs:sequence>${SIGNED}${op.params}</xs:sequence></xs:complexType></xs:element>
<xs:element name="${name}Response"><xs:complexType><xs:sequence>${RESULT}</xs:sequence></xs:complexType></xs:element>`).join('\n')}
</xs:schema></wsdl:types>
${ops.map(([name]) => `<wsdl:message name="${name}Request"><wsdl:part name="parameters" element="jz:${name}"/></wsdl:message>
<wsdl:message name="${name}Response"><wsdl:part name="parameters" element="jz:${name}Response"/></wsdl:message>`).join('\n')}
<wsdl:portType name="JzxxPortType">
${ops.map(([name, op]) => `<wsdl:operation name="${name}"><wsdl:documentation>${op.doc}</wsdl:documentation><wsdl:input message="jz:${name}Request"/><wsdl:output message="jz:${name}Response"/></wsdl:operation>`).join('\n')}
</wsdl:portType>
<wsdl:binding name="JzxxBinding" type="jz:JzxxPortType"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
${ops.map(([name]) => `<wsdl:operation name="${name}"><soap:operation soapAction=""/><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>`).join('\n')}
</wsdl:binding>
<wsdl:service name="JzxxService"><wsdl:port name="JzxxPort" binding="jz:JzxxBinding"><soap:address location="${escapeXml(address)}"/></wsdl:port></wsdl:service>
</wsdl:definitions>
`
}
