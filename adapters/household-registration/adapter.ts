// 公安 人口信息 / 户籍变动推送 — the provincial population system pushes a signed message whenever a
// resident's household registration changes (spec: /work/shared/departments/household-registration.md).
// No pull API: webhooks only.
import { z } from 'zod'
import { BEIJING, defineAdapter, envelopeValue, timeFormat, type RawRecord } from '../../src/adapter-sdk/index.ts'
import { TongbanError, type ErrorCode } from '../../src/errors.ts'
import { fail } from '../../src/normalize/result.ts'
import {
  address, date, divisionCode, ethnicityCode, genderCode, isEmpty, personName, phone, residentId,
} from '../../src/normalize/index.ts'
import type { personStatuses } from '../../src/model/person.ts'
import { demoSimulator } from './demo.ts'

type PersonStatus = (typeof personStatuses)[number]

/** eventType -> the resident's status after the change. `QC`/`SW` keep the record, with that status. */
export const events = {
  CS: 'registered', // 出生登记 birth registration
  QR: 'registered', // 迁入 move in
  BG: 'registered', // 变更 change of particulars
  QC: 'moved-out', // 迁出 move out
  SW: 'deceased', // 死亡注销 death cancellation
} as const satisfies Record<string, PersonStatus>

/** The department sends up to 2 MB (500 records); leave headroom. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024

const TOWN = 'HJDZ_XZJDDM'
const COUNTY = 'HJDZ_XZQHDM'

const OCCUR_TIME = timeFormat('YYYY-MM-DD HH:mm:ss', BEIJING)

/** `YYYY-MM-DD HH:mm:ss` in Beijing time (UTC+8) -> Date; undefined if not exactly that shape or not a real time. */
export const parseOccurTime = OCCUR_TIME.parse

const statusOf = envelopeValue('person', 'status', events, 'TB_EVENT_TYPE_UNKNOWN')

function invalid (reason: string): TongbanError {
  return new TongbanError('TB_WEBHOOK_BODY_INVALID', [reason])
}

/**
 * Split one message into its residents. The envelope decides sourceId (`msgId#index`), observedAt
 * (occurTime, Beijing time) and status (eventType). Records the envelope makes unusable (unknown
 * event type, bad occurTime, a record that is not an object) are returned with `reject`, so they
 * go to quarantine instead of being dropped.
 */
export function parse (body: Buffer, meta: { webhookId: string, receivedAt: Date }): RawRecord[] {
  let message: unknown
  try {
    message = JSON.parse(body.toString('utf8'))
  } catch (err) {
    throw new TongbanError('TB_WEBHOOK_BODY_INVALID', [`not JSON (${(err as Error).message})`], { cause: err })
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw invalid('the body is not a JSON object')
  const { msgId, eventType, occurTime, records } = message as Record<string, unknown>
  if (typeof msgId !== 'string' || msgId === '') throw invalid('msgId is missing')
  if (typeof occurTime !== 'string') throw invalid('occurTime is missing')
  if (!Array.isArray(records)) throw invalid('records is not an array')

  const status = statusOf(eventType)
  const observedAt = parseOccurTime(occurTime)
  const rejection: { code: ErrorCode, message: string } | undefined = 'reject' in status
    ? status.reject
    : observedAt === undefined ? fail('TB_DATE_INVALID', `occurTime ${occurTime}`).error : undefined

  const out: RawRecord[] = new Array(records.length)
  for (let i = 0; i < records.length; i++) {
    const record: unknown = records[i]
    const raw: RawRecord = { sourceId: `${msgId}#${i}`, observedAt: observedAt ?? meta.receivedAt, fields: {} }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      raw.fields = { record }
      raw.reject = rejection ?? fail('TB_RECORD_INVALID', `records[${i}] is not an object`).error
    } else {
      let fields = record as Record<string, unknown>
      // about 1 in 20 records lack the town code: the county code is the best division we have
      if (isEmpty(fields[TOWN]) && !isEmpty(fields[COUNTY])) fields = { ...fields, [TOWN]: fields[COUNTY] }
      raw.fields = fields
      if (rejection) raw.reject = rejection
      else if ('set' in status) raw.set = { ...status.set }
    }
    out[i] = raw
  }
  return out
}

export default defineAdapter({
  id: 'household-registration',
  department: { name: '公安 人口信息', level: 'provincial' },
  produces: 'person',
  // the household register says who a resident is; phones change and whoever heard last knows best
  authority: ['name', 'gender', 'birthDate', 'address'],
  receive: { signature: 'standard-webhooks', maxBodyBytes: MAX_BODY_BYTES, parse },
  fields: {
    GMSFHM: ['idNumber', residentId], // 公民身份号码: 18 characters, 15-digit legacy form, lowercase x
    XM: ['name', personName], // 姓名: full-width spaces and padding
    XB: ['gender', genderCode], // GB/T 2261.1
    MZ: ['ethnicityCode', ethnicityCode], // GB/T 3304
    CSRQ: ['birthDate', date], // YYYYMMDD; must agree with the ID number
    HJDZ_XZJDDM: ['divisionCode', divisionCode], // town level, 9 digits (parse falls back to HJDZ_XZQHDM)
    HJDZ_QHNXXDZ: ['address', address], // detail within the division, kept as given
    LXDH: ['phone', phone], // mobile, landline with area code, or empty
  },
  instance: z.object({
    webhook: z.looseObject({}, { error: 'adapter household-registration receives webhooks: give webhook.secrets' }),
  }),
  simulator: demoSimulator,
})
