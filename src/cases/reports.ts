// What each committed case step owes the provincial platform (办件交换): one outbox call per
// step the platform must hear of, its input in the shape the reporting adapter's operation
// declares (adapters/matters-exchange/operations.ts). The department's own steps came from its
// webhooks, so they are never reported back. An acceptance whose promised date the calendar
// cannot compute is kept `held` until it can — never sent with a guessed date.
import type { AdapterDefinition } from '../adapter-sdk/index.ts'
import type { AdapterInstance, Config } from '../config/schema.ts'
import { beijingToday } from '../calendar/days.ts'
import type { CaseDeadline, CaseEvent, MaterialProvided } from '../model/case.ts'
import type { Matter, TimeLimit } from '../model/matter.ts'
import type { CaseRow } from '../store/cases.ts'
import type { OutboxCall } from '../store/outbox.ts'
import type { Logger } from '../log.ts'
import type { ReportsOf } from './service.ts'

/** The platform's codes for the case model's values. */
const APPLY_TYPE = { person: '1', enterprise: '2' } as const
const CERT_TYPE = { person: '111', enterprise: '001' } as const
const PROVIDED: Record<Exclude<MaterialProvided['provided'], 'missing'>, string> = { paper: '1', electronic: '2', shared: '3' }
const STAGE_EVENT: Record<string, string> = { review: '01', audit: '02', decide: '03' }
const STAGE_NAME: Record<string, string> = { review: '审查', audit: '审核', decide: '决定' }
const RESULT_TYPE: Record<string, string> = { approved: '1', refused: '2', withdrawn: '3', terminated: '4' }
const DELIVERY: Record<string, string> = { window: '1', post: '2', electronic: '3' }

/** The accepting organisation of a town: its configured `org`, else the implementing body the matter's taskCode names and the town's name. */
export interface TownOrg { code: string, name: string }

export const subjectOf = (projectNo: string): string => `case:${projectNo}`

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

function limitText (l: TimeLimit): string {
  return `${l.amount}${l.unit === 'working-days' ? '个工作日' : '个自然日'}`
}

/** The input of each report, or undefined for a step the platform need not hear of. */
function callOf (c: CaseRow, e: CaseEvent, matter: Matter, deadlines: readonly CaseDeadline[], org: TownOrg): { operation: string, input: Record<string, unknown>, heldReason?: string } | undefined {
  const projectNo = c.projectNo
  const d = e.data
  const processCall = (eventName: string, processName: string, handleExplain: string, special?: Record<string, string>) => ({
    operation: 'process',
    input: { projectNo, processName, eventName, startTime: e.at, handleUserName: e.actor.name, handleExplain, ...(special ? { special } : {}) },
  })
  switch (e.action) {
    case 'accept': {
      const promised = deadlines.find((k) => k.kind === 'promised')
      const phone = c.formData.phone
      const input: Record<string, unknown> = {
        projectNo,
        taskHandleItem: c.taskHandleItem,
        taskVersion: c.taskVersion,
        applyType: APPLY_TYPE[c.applicant.kind],
        applicant: { name: c.applicant.name, certType: CERT_TYPE[c.applicant.kind], certNo: c.applicant.key, ...(phone ? { phone } : {}) },
        ...(c.contact ? { contact: c.contact } : {}),
        applyTime: c.receivedAt,
        acceptTime: e.at,
        // Without a document number of its own, the acceptance is known by the case number (the receipt's number).
        acceptDocNo: str(d.docNo) || projectNo,
        orgCode: org.code,
        orgName: org.name,
        handleUserName: e.actor.name,
        formData: c.formData,
        materials: c.materials.filter((m) => m.provided !== 'missing').map((m) => ({
          materialName: m.name,
          provided: PROVIDED[m.provided as keyof typeof PROVIDED],
          ...(m.sha256 ? { sha256: m.sha256 } : {}),
        })),
      }
      if (promised?.due) return { operation: 'accept', input: { ...input, promiseDate: promised.due } }
      return { operation: 'accept', input, heldReason: promised?.problem ?? `case ${projectNo}: the promised time limit has no date yet` }
    }
    case 'not-accept':
      return { operation: 'notAccept', input: { projectNo, reason: e.reason ?? '', decideTime: e.at, docNo: str(d.docNo) } }
    case 'request-supplement':
      return { operation: 'supplement', input: { projectNo, items: d.items, noticeTime: e.at } }
    case 'supplement-done':
      return { operation: 'supplementDone', input: { projectNo, time: e.at } }
    case 'step':
      return processCall(STAGE_EVENT[str(d.stage)]!, str(d.stepName) || STAGE_NAME[str(d.stage)]!, str(d.explain))
    case 'start-special':
      return processCall('04', `特别程序开始：${str(d.specialType)}`, e.reason ?? '', { specialType: str(d.specialType), reason: e.reason ?? '', byLaw: str(d.legalBasis) })
    case 'end-special':
      return processCall('05', '特别程序结束', str(d.explain))
    case 'extend':
      return processCall('06', '延期', `延长${limitText(d.extension as TimeLimit)}：${e.reason ?? ''}`)
    case 'conclude':
      return {
        operation: 'result',
        input: {
          projectNo,
          resultDate: beijingToday(Date.parse(e.at)),
          resultType: RESULT_TYPE[str(d.result)],
          resultExplain: str(d.explain),
          ...(d.certName ? { certName: str(d.certName) } : {}),
          ...(d.certNo ? { certNo: str(d.certNo) } : {}),
          delivery: DELIVERY[str(d.delivery)],
        },
      }
    // receipt, delivery, a department's return and the window's resubmission have no report of their own
    default:
      return undefined
  }
}

/** The reports of one step, to `instance`; none for the department's own steps. */
export function reportsTo (instance: string, orgOf: (c: CaseRow, matter: Matter) => TownOrg): ReportsOf {
  return (c, event, matter, deadlines) => {
    if (event.actor.kind === 'department') return []
    const call = callOf(c, event, matter, deadlines, orgOf(c, matter))
    if (!call) return []
    return [{ subject: subjectOf(c.projectNo), instance, operation: call.operation, input: call.input, ...(call.heldReason ? { heldReason: call.heldReason } : {}) }]
  }
}

interface ConfiguredInstance { config: AdapterInstance, adapter: AdapterDefinition }

/**
 * The instance cases are reported to: `cases.reportTo`, or else the one enabled instance whose
 * adapter reads a matter catalogue and offers `accept`. Undefined when there is none (or several
 * and none named): cases are then kept without reports.
 */
export function reportingInstance (config: Config, instances: ReadonlyMap<string, ConfiguredInstance>): string | undefined {
  const named = config.cases.reportTo
  if (named !== undefined) return instances.has(named) ? named : undefined
  const candidates = [...instances.values()].filter((i) => i.config.enabled && i.adapter.catalogue !== undefined && i.adapter.operations?.accept !== undefined)
  return candidates.length === 1 ? candidates[0]!.config.id : undefined
}

/** The town's accepting organisation, from `towns[].org`, else the taskCode's implementing body and the town's name. */
export function townOrg (config: Config): (c: CaseRow, matter: Matter) => TownOrg {
  const towns = new Map(config.towns.map((t) => [t.code, t]))
  return (c, matter) => {
    const town = towns.get(c.town)
    return town?.org ?? { code: matter.taskCode.slice(0, 18), name: town?.name ?? c.town }
  }
}

/** The ReportsOf the case service uses: to the reporting instance, or none (logged once at start). */
export function platformReports (config: Config, instances: ReadonlyMap<string, ConfiguredInstance>, logger?: Logger): ReportsOf {
  const instance = reportingInstance(config, instances)
  if (instance === undefined) {
    logger?.warn({ reportTo: config.cases.reportTo ?? null }, 'cases: no instance to report cases to (set cases.reportTo, or enable one adapter with a matter catalogue and an accept operation); cases are kept without reports')
    return () => []
  }
  logger?.info({ instance }, 'cases: reporting case steps to the provincial platform')
  return reportsTo(instance, townOrg(config))
}
