// Push departments that send more than Standard Webhooks JSON, for the webhook tests: a GBK XML
// register signing the Standard Webhooks way, a GBK form signing with a header HMAC-SM3 over
// timestamp, nonce and body, and a JSON one signing with a prefixed HMAC-SHA256 header over
// timestamp and body, its event id in a header. Built with the SDK like any adapter; the tests
// register them as loaded adapters, so the platform meets them only as configured instances.
import { z } from 'zod'
import { defineAdapter, readFormBody, readXmlBody, type FormBody, type HeaderHmacSignature, type RawRecord, type XmlBody, type XmlNode } from '../src/adapter-sdk/index.ts'
import { TongbanError } from '../src/errors.ts'
import { personName, residentId } from '../src/normalize/index.ts'

const fields = { SFZH: ['idNumber', residentId], XM: ['name', personName] } as const
const invalid = (why: string): TongbanError => new TongbanError('TB_WEBHOOK_BODY_INVALID', [why])
const text = (node: XmlNode | undefined, what: string): string => {
  if (typeof node !== 'string') throw invalid(`${what} is not text`)
  return node
}

export const XML_BODY: XmlBody = { format: 'xml', charset: 'gbk', lists: ['RECORD'] }

/** `<MESSAGE><MSGID/><OCCURTIME>ISO 8601</OCCURTIME><RECORDS><RECORD><SFZH/><XM/></RECORD>…</RECORDS></MESSAGE>` */
function parseXml (body: Buffer): RawRecord[] {
  const message = readXmlBody(body, XML_BODY).MESSAGE
  if (typeof message !== 'object' || Array.isArray(message)) throw invalid('no MESSAGE element')
  const msgId = text(message.MSGID, 'MSGID')
  const observedAt = new Date(text(message.OCCURTIME, 'OCCURTIME'))
  const records = message.RECORDS
  const list = typeof records === 'object' && !Array.isArray(records) ? records.RECORD : undefined
  if (!Array.isArray(list)) throw invalid('no RECORDS')
  return list.map((record, i) => {
    if (typeof record !== 'object' || Array.isArray(record)) throw invalid(`RECORD ${i} is not an element`)
    return { sourceId: `${msgId}#${i}`, observedAt, fields: { SFZH: text(record.SFZH, 'SFZH'), XM: text(record.XM, 'XM') } }
  })
}

export const xmlAdapter = defineAdapter({
  id: 'xml-register',
  department: { name: '测试 XML 推送', level: 'city' },
  produces: 'person',
  receive: { signature: 'standard-webhooks', body: XML_BODY, maxBodyBytes: 1024 * 1024, parse: parseXml },
  fields,
  instance: z.object({}),
})

export const FORM_BODY: FormBody = { format: 'form', charset: 'gbk' }
export const FORM_SIGNATURE: HeaderHmacSignature = {
  type: 'header-hmac', algorithm: 'hmac-sm3', encoding: 'hex', timestamp: 'unix-ms',
  canonical: ['timestamp', 'nonce', 'body'], separator: '\n',
  headers: { signature: 'x-sign', timestamp: 'x-timestamp', nonce: 'x-nonce' },
}

/** `msgId=…&occurTime=…&SFZH=…&XM=…`: one resident per message. */
function parseForm (body: Buffer): RawRecord[] {
  const { msgId, occurTime, SFZH, XM } = readFormBody(body, FORM_BODY)
  if (!msgId || !occurTime) throw invalid('msgId and occurTime are required')
  return [{ sourceId: msgId, observedAt: new Date(occurTime), fields: { SFZH, XM } }]
}

export const formAdapter = defineAdapter({
  id: 'form-register',
  department: { name: '测试 表单推送', level: 'city' },
  produces: 'person',
  receive: { signature: FORM_SIGNATURE, body: FORM_BODY, maxBodyBytes: 64 * 1024, parse: parseForm },
  fields,
  instance: z.object({}),
})

export const JSON_SIGNATURE: HeaderHmacSignature = {
  type: 'header-hmac', algorithm: 'hmac-sha256', encoding: 'base64', timestamp: 'unix-s',
  canonical: ['timestamp', 'body'], separator: '.', prefix: 'sha256=',
  headers: { signature: 'x-hub-signature', timestamp: 'x-hub-timestamp', id: 'x-event-id' },
}

/** `{ occurTime, SFZH, XM }`: one resident per event. */
function parseJson (body: Buffer, meta: { webhookId: string }): RawRecord[] {
  let event: { occurTime?: unknown, SFZH?: unknown, XM?: unknown }
  try { event = JSON.parse(body.toString('utf8')) as typeof event } catch { throw invalid('not JSON') }
  if (typeof event.occurTime !== 'string') throw invalid('occurTime is required')
  return [{ sourceId: meta.webhookId, observedAt: new Date(event.occurTime), fields: { SFZH: event.SFZH, XM: event.XM } }]
}

export const jsonHmacAdapter = defineAdapter({
  id: 'json-hmac-register',
  department: { name: '测试 JSON 签名头推送', level: 'city' },
  produces: 'person',
  receive: { signature: JSON_SIGNATURE, maxBodyBytes: 64 * 1024, parse: parseJson },
  fields,
  instance: z.object({}),
})
