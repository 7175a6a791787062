// adapter.ts, simulator.ts and demo.ts of a scaffolded pushing adapter: the department POSTs
// changed records as Standard Webhooks, a JSON message per batch.
import { LISTEN_OPTIONS, REGISTER_OPTIONS } from './data.ts'
import type { Names } from './names.ts'
import type { Transport } from './options.ts'

/** How the message is read: JSON, or GBK XML through the SDK's reader (no DTD, no entity expansion). */
function messageReader (transport: Transport): { imports: string, types: string, shape: string, body: string, parse: string } {
  if (transport === 'http-json') {
    return {
      imports: '',
      types: '',
      shape: '{ msgId, sendTime, records: [{ ZJHM, XM, XZQHDM, LXDH, GXSJ }, …] }',
      body: '',
      parse: `  let message: unknown
  try {
    message = JSON.parse(body.toString('utf8'))
  } catch (err) {
    throw new TongbanError('TB_WEBHOOK_BODY_INVALID', [\`not JSON (\${(err as Error).message})\`], { cause: err })
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw invalid('the body is not a JSON object')
  const { records } = message as { records?: unknown }
  if (!Array.isArray(records)) throw invalid('records is not a list')
  return records.map((row) => toRawRecord(row, meta.receivedAt))`,
    }
  }
  return {
    imports: 'readXmlBody, ',
    types: ', type XmlBody',
    shape: 'GBK XML <MESSAGE><MSGID/><SENDTIME/><RECORDS><RECORD><ZJHM/><XM/><XZQHDM/><LXDH/><GXSJ/></RECORD>…</RECORDS></MESSAGE>',
    body: `
/** The message's format: the platform refuses a body that is not well-formed GBK XML before parse sees it. */
export const BODY: XmlBody = { format: 'xml', charset: 'gbk', lists: ['RECORD'] }
`,
    parse: `  const message = readXmlBody(body, BODY).MESSAGE
  if (typeof message !== 'object' || Array.isArray(message)) throw invalid('the document element is not MESSAGE')
  const records = message.RECORDS
  if (records === '') return []
  if (typeof records !== 'object' || Array.isArray(records) || !Array.isArray(records.RECORD)) throw invalid('MESSAGE has no RECORDS of RECORD elements')
  return records.RECORD.map((row) => toRawRecord(row, meta.receivedAt))`,
  }
}

export function pushAdapterTs (n: Names, transport: Transport): string {
  const reader = messageReader(transport)
  return `// ${n.department}: the department pushes changed persons as signed webhooks (Standard Webhooks,
// verified by the platform before parse sees the body), one message per batch:
// ${reader.shape}.
// Write the department's spec here: its fields, codes and quirks.
import { z } from 'zod'
import { BEIJING, defineAdapter, ${reader.imports}recordTemplate, timeFormat, type RawRecord${reader.types} } from '${n.sdk}/index.ts'
import { TongbanError } from '${n.src}/errors.ts'
import { divisionCode, personName, phone, residentId } from '${n.src}/normalize/index.ts'
import { demoSimulator } from './demo.ts'

export const ID = '${n.id}'
/** The department sends at most 500 records a message (about 100 KB); leave headroom. */
export const MAX_BODY_BYTES = 1024 * 1024

/** GXSJ: YYYYMMDDHHmmss, Beijing time. */
const GXSJ = timeFormat('YYYYMMDDHHmmss', BEIJING)

/** One record -> a raw record: a change of a person (ZJHM@GXSJ), observed at GXSJ. */
export const toRawRecord = recordTemplate({ sourceId: '{ZJHM}@{GXSJ}', observedAt: { field: 'GXSJ', time: GXSJ } })

const invalid = (why: string): TongbanError => new TongbanError('TB_WEBHOOK_BODY_INVALID', [why])
${reader.body}
/** Split one verified message into its records; a body that cannot be read is kept whole in quarantine. */
export function parse (body: Buffer, meta: { receivedAt: Date }): RawRecord[] {
${reader.parse}
}

export default defineAdapter({
  id: ID,
  department: { name: '${n.department}', level: 'county' },
  produces: 'person',
  receive: { signature: 'standard-webhooks', ${transport === 'http-xml' ? 'body: BODY, ' : ''}maxBodyBytes: MAX_BODY_BYTES, parse },
  fields: {
    ZJHM: ['idNumber', residentId], // 公民身份号码
    XM: ['name', personName], // 姓名
    XZQHDM: ['divisionCode', divisionCode], // 行政区划代码
    LXDH: ['phone', phone], // 联系电话
  },
  instance: z.object({ webhook: z.looseObject({}, { error: \`adapter \${ID} receives webhooks: give webhook.secrets\` }) }),
  simulator: demoSimulator,
})
`
}

export function pushSimulatorTs (n: Names, transport: Transport): string {
  const xml = transport === 'http-xml'
  return `// A simulator of ${n.department}: it sends the register's rows as signed webhooks (the SDK's
// Standard Webhooks sender, with its retries), a batch when asked (emit, POST /_sim/emit) and on a
// schedule. Add the department's own quirks here (duplicates, out-of-order batches, bad rows).
import type { RunningSimulator } from '${n.sdk}/index.ts'
${xml ? `import { encodeText } from '${n.sdk}/index.ts'\n` : ''}import { jsonAnswer, startSimServer, webhookSender, type Subscriber } from '${n.sdk}/testkit/index.ts'
import { formatTime, rowAt, type Row } from './data.ts'
import type { SimulatorOptions } from './demo.ts'

${xml ? `/** Text as XML character data. */
const escape = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')

/** One message as the department writes it: GBK XML, its declaration saying so. */
function message (msgId: string, sendTime: string, records: readonly Row[]): Buffer {
  const record = (row: Row): string => '<RECORD>' + Object.entries(row).map(([k, v]) => '<' + k + '>' + escape(v) + '</' + k + '>').join('') + '</RECORD>'
  return encodeText('<?xml version="1.0" encoding="GBK"?>\\n<MESSAGE><MSGID>' + msgId + '</MSGID><SENDTIME>' + sendTime + '</SENDTIME><RECORDS>' + records.map(record).join('') + '</RECORDS></MESSAGE>', 'gbk')
}

` : `/** One message as the department writes it. */
const message = (msgId: string, sendTime: string, records: readonly Row[]): Buffer => Buffer.from(JSON.stringify({ msgId, sendTime, records }))

`}export interface ${n.type}Simulator extends RunningSimulator {
  /** Send the next batch now; answers its msgId. */
  emit: () => string
  /** Resolves once every message sent so far is delivered or given up. */
  settled: () => Promise<void>
}

export async function startSimulator (opts: SimulatorOptions & { subscriber: Subscriber }): Promise<${n.type}Simulator> {
  const sender = webhookSender({ subscriber: opts.subscriber${xml ? ", contentType: 'application/xml; charset=GBK'" : ''} })
  let sent = 0
  let messages = 0

  /** The next \`batch\` rows of the register; after the first pass each row comes again, updated now. */
  function emit (): string {
    const records: Row[] = []
    for (let i = 0; i < opts.batch; i++, sent++) {
      const pass = Math.floor(sent / opts.rows)
      records.push(pass === 0 ? rowAt(opts.seed, sent) : rowAt(opts.seed, sent % opts.rows, pass, Math.floor(Date.now() / 1000)))
    }
    const msgId = \`\${opts.seed}-\${++messages}-\${Date.now()}\`
    sender.deliver(msgId, message(msgId, formatTime(Math.floor(Date.now() / 1000)), records))
    return msgId
  }

  const timer = opts.everyMs > 0 ? setInterval(emit, opts.everyMs) : undefined
  const server = await startSimServer({
    port: opts.port,
    host: opts.host,
    routes: {
      'POST /_sim/emit': () => jsonAnswer({ msgId: emit() }),
      'GET /_sim/stats': () => jsonAnswer({ messages, ...sender.stats() }),
    },
  })
  return {
    url: server.url,
    emit,
    settled: sender.settled,
    async close () {
      clearInterval(timer)
      await sender.close()
      await server.close()
    },
  }
}
`
}

export function pushDemoTs (n: Names): string {
  return `// The simulated ${n.department}: its options (\`simulators.${n.id}\` in a configuration) and how
// the demo and \`tongban adapter check --against-simulator\` start it, once there is a gateway to
// deliver to.
import { z } from 'zod'
import { defineSimulator } from '${n.sdk}/index.ts'

export const SimulatorOptions = z.object({
${REGISTER_OPTIONS}${LISTEN_OPTIONS}  /** The adapter instance it delivers to: POST <gateway>/webhooks/<instance>. */
  instance: z.string().default('${n.id}'),
  /** The subscriber secret: the instance's webhook.secrets[0]. */
  secret: z.string().regex(/^whsec_/, 'a Standard Webhooks secret: whsec_ followed by base64'),
  /** Records a message. */
  batch: z.number().int().min(1).max(500).default(20),
  /** A message every so many milliseconds; 0: only when asked. */
  everyMs: z.number().int().min(0).default(0),
})
export type SimulatorOptions = z.infer<typeof SimulatorOptions>

export const demoSimulator = defineSimulator({
  options: SimulatorOptions,
  instanceKeys: ['instance'],
  callsGateway: true,
  async start (options, demo) {
    // Loaded only when started: gateways and workers load this file with the adapter.
    const { startSimulator } = await import('./simulator.ts')
    return await startSimulator({ ...options, subscriber: { url: \`\${demo.gatewayUrl}/webhooks/\${options.instance}\`, secret: options.secret } })
  },
})
`
}
