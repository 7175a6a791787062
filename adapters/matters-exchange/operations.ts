// The case reports (办件交换): one operation per call of the spec, each reported as the town's
// service account. Inputs mirror the spec's bodies; instants are ISO 8601 with their offset here
// and go out as the platform writes times (`YYYYMMDDHHmmss`, Beijing), dates as `YYYY-MM-DD`.
import { z } from 'zod'
import { defineOperation, type DepartmentHttp } from '../../src/adapter-sdk/index.ts'
import { UPDATE_TIME } from './catalogue.ts'
import { dataOf } from './codes.ts'

/** 办件编号: the 31-character taskCode, the acceptance date YYYYMMDD and a 4-digit daily sequence. */
export const ProjectNo = z.string().regex(/^[0-9A-Z]{31}\d{8}\d{4}$/, 'a case number: the 31-character taskCode, YYYYMMDD and a 4-digit sequence (43 characters)')
const Instant = z.iso.datetime({ offset: true })
const Day = z.iso.date()
const text = z.string().trim().min(1)
const creditCode = z.string().regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/, 'an 18-character unified social credit code')

/** `YYYYMMDDHHmmss` Beijing time, as the platform writes instants. */
const wireTime = (instant: string): string => UPDATE_TIME.format(new Date(instant))

export const Received = z.object({ received: z.boolean() })

const Applicant = z.object({
  name: text,
  /** `111` resident ID card, `001` unified social credit code. */
  certType: z.enum(['111', '001']),
  certNo: text,
  phone: text.optional(),
  legalRep: text.optional(),
})

export const AcceptInput = z.object({
  projectNo: ProjectNo,
  taskHandleItem: z.string().length(33),
  taskVersion: z.number().int().min(1),
  /** `1` a person, `2` a legal person. */
  applyType: z.enum(['1', '2']),
  applicant: Applicant,
  contact: z.object({ name: text, certNo: text, phone: text }).optional(),
  applyTime: Instant,
  acceptTime: Instant,
  acceptDocNo: text,
  promiseDate: Day,
  orgCode: creditCode,
  orgName: text,
  handleUserName: text,
  /** The form's values: strings only, as the platform refuses anything else (2001). */
  formData: z.record(z.string(), z.string()),
  materials: z.array(z.object({
    materialName: text,
    /** `1` paper, `2` electronic, `3` shared 免提交. */
    provided: z.enum(['1', '2', '3']),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256').optional(),
  })),
})

export const NotAcceptInput = z.object({ projectNo: ProjectNo, reason: text, decideTime: Instant, docNo: text })

export const SupplementInput = z.object({
  projectNo: ProjectNo,
  items: z.array(z.object({ materialName: text, reason: text })).min(1),
  noticeTime: Instant,
})

export const SupplementDoneInput = z.object({ projectNo: ProjectNo, time: Instant })

/** 环节: `01` 审查 `02` 审核 `03` 决定 `04` 特别程序开始 `05` 特别程序结束 `06` 延期. */
export const EventName = z.enum(['01', '02', '03', '04', '05', '06'])

export const ProcessInput = z.object({
  projectNo: ProjectNo,
  processName: text,
  eventName: EventName,
  startTime: Instant,
  endTime: Instant.optional(),
  handleUserName: text,
  handleExplain: z.string(),
  special: z.object({ specialType: text, reason: text, byLaw: text }).optional(),
})

export const ResultInput = z.object({
  projectNo: ProjectNo,
  resultDate: Day,
  /** `1` 准予 `2` 不予 `3` 撤回 `4` 终止. */
  resultType: z.enum(['1', '2', '3', '4']),
  resultExplain: z.string(),
  certName: text.optional(),
  certNo: text.optional(),
  /** `1` at the window, `2` by post, `3` electronic. */
  delivery: z.enum(['1', '2', '3']),
})

export const EvaluationInput = z.object({
  projectNo: ProjectNo,
  /** `1` at acceptance, `2` at the result. */
  evalStage: z.enum(['1', '2']),
  /** 1 非常不满意 … 5 非常满意. */
  level: z.number().int().min(1).max(5),
  /** `01` window pad, `02` online, `03` SMS. */
  channel: z.enum(['01', '02', '03']),
  comment: z.string().optional(),
  evalTime: Instant,
})

async function report (http: DepartmentHttp, path: string, body: Record<string, unknown>, projectNo: string): Promise<z.infer<typeof Received>> {
  const data = dataOf(await http.json<unknown>({ method: 'POST', path, json: body }), `case ${projectNo}`)
  return Received.parse(data)
}

// The demo town's 临时救助申请 (a town matter, not 联办) and its example case.
const EXAMPLE_TASK = '11320412014160259H5000202003000'
const EXAMPLE_NO = `${EXAMPLE_TASK}202612070001`
const AT = '2026-12-07T09:30:00+08:00'

// Reporting a case is the window's work: who may move a case may report it.
const PERMISSION = 'cases:act'

export const accept = defineOperation({
  title: { zh: '受理', en: 'Report an acceptance' },
  input: AcceptInput,
  output: Received,
  actAs: 'service',
  permission: PERMISSION,
  idempotencyKey: ({ projectNo }) => `${projectNo}:accept`,
  examples: [{
    projectNo: EXAMPLE_NO,
    taskHandleItem: `${EXAMPLE_TASK}01`,
    taskVersion: 2,
    applyType: '1',
    applicant: { name: '邓建军', certType: '111', certNo: '320412199501178919', phone: '13961288765' },
    applyTime: AT,
    acceptTime: AT,
    acceptDocNo: '湟里受〔2026〕1号',
    promiseDate: '2026-12-14',
    orgCode: '11320412014160259H',
    orgName: '常州市武进区湟里镇人民政府',
    handleUserName: '王芳',
    formData: { name: '邓建军', idNumber: '320412199501178919', phone: '13961288765', address: '江苏省常州市武进区湟里镇东安村12号', reason: '因病致困', amount: '3000' },
    materials: [{ materialName: '居民身份证', provided: '3' }, { materialName: '临时救助申请书', provided: '1' }],
  }],
  subject: ({ applicant }) => ({ kind: applicant.certType === '111' ? 'person' : 'enterprise', key: applicant.certNo }),
  run: async ({ http, input }) => await report(http, '/api/v1/projects/accept', {
    ...input,
    applyTime: wireTime(input.applyTime),
    acceptTime: wireTime(input.acceptTime),
  }, input.projectNo),
})

export const notAccept = defineOperation({
  title: { zh: '不予受理', en: 'Report a refusal to accept' },
  input: NotAcceptInput,
  output: Received,
  actAs: 'service',
  permission: PERMISSION,
  idempotencyKey: ({ projectNo }) => `${projectNo}:not-accept`,
  examples: [{ projectNo: EXAMPLE_NO.replace(/0001$/, '0002'), reason: '申请人户籍不在本镇，不属本机关受理范围', decideTime: AT, docNo: '湟里不受〔2026〕1号' }],
  run: async ({ http, input }) => await report(http, '/api/v1/projects/not-accept', { ...input, decideTime: wireTime(input.decideTime) }, input.projectNo),
})

export const supplement = defineOperation({
  title: { zh: '补正告知', en: 'Report a supplement notice' },
  input: SupplementInput,
  output: Received,
  actAs: 'service',
  permission: PERMISSION,
  idempotencyKey: ({ projectNo, noticeTime }) => `${projectNo}:supplement:${new Date(noticeTime).toISOString()}`,
  examples: [{ projectNo: EXAMPLE_NO, items: [{ materialName: '家庭经济状况说明', reason: '未提供近三个月收入证明' }], noticeTime: AT }],
  run: async ({ http, input }) => await report(http, '/api/v1/projects/supplement', { ...input, noticeTime: wireTime(input.noticeTime) }, input.projectNo),
})

export const supplementDone = defineOperation({
  title: { zh: '补正完成', en: 'Report a completed supplement' },
  input: SupplementDoneInput,
  output: Received,
  actAs: 'service',
  permission: PERMISSION,
  idempotencyKey: ({ projectNo, time }) => `${projectNo}:supplement-done:${new Date(time).toISOString()}`,
  examples: [{ projectNo: EXAMPLE_NO, time: '2026-12-08T10:00:00+08:00' }],
  run: async ({ http, input }) => await report(http, '/api/v1/projects/supplement-done', { ...input, time: wireTime(input.time) }, input.projectNo),
})

export const processStep = defineOperation({
  title: { zh: '办理环节', en: 'Report a processing step' },
  input: ProcessInput,
  output: Received,
  actAs: 'service',
  permission: PERMISSION,
  idempotencyKey: ({ projectNo, eventName, startTime }) => `${projectNo}:process:${eventName}:${new Date(startTime).toISOString()}`,
  examples: [{ projectNo: EXAMPLE_NO, processName: '审查', eventName: '01', startTime: '2026-12-08T10:00:00+08:00', endTime: '2026-12-08T16:00:00+08:00', handleUserName: '王芳', handleExplain: '材料齐全，符合条件' }],
  run: async ({ http, input }) => await report(http, '/api/v1/projects/process', {
    ...input,
    startTime: wireTime(input.startTime),
    ...(input.endTime === undefined ? {} : { endTime: wireTime(input.endTime) }),
  }, input.projectNo),
})

export const result = defineOperation({
  title: { zh: '办结', en: 'Report the result' },
  input: ResultInput,
  output: Received,
  actAs: 'service',
  permission: PERMISSION,
  idempotencyKey: ({ projectNo }) => `${projectNo}:result`,
  examples: [{ projectNo: EXAMPLE_NO, resultDate: '2026-12-09', resultType: '1', resultExplain: '准予临时救助 3000 元', delivery: '1' }],
  run: async ({ http, input }) => await report(http, '/api/v1/projects/result', input, input.projectNo),
})

export const evaluation = defineOperation({
  title: { zh: '好差评', en: 'Report a rating' },
  input: EvaluationInput,
  output: Received,
  actAs: 'service',
  permission: PERMISSION,
  // A re-rating after 整改 is a new evaluation of the same stage: its time tells it from the first.
  idempotencyKey: ({ projectNo, evalStage, evalTime }) => `${projectNo}:evaluation:${evalStage}:${evalTime}`,
  examples: [{ projectNo: EXAMPLE_NO, evalStage: '2', level: 5, channel: '01', evalTime: '2026-12-09T15:00:00+08:00' }],
  run: async ({ http, input }) => await report(http, '/api/v1/projects/evaluation', { ...input, evalTime: wireTime(input.evalTime) }, input.projectNo),
})

export const operations = { accept, notAccept, supplement, supplementDone, process: processStep, result, evaluation } as const
