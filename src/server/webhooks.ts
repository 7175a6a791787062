// POST /webhooks/:adapterId — find the instance, check content type and size, verify the
// signature over the raw bytes by the scheme its adapter declares, commit to the inbox, and only
// then answer 202. The body's format (JSON, XML, form) is read later, from the inbox.
import type { FastifyInstance } from 'fastify'
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../platform.ts'
import { TongbanError } from '../errors.ts'
import { createInboxWriter } from '../webhooks/inbox-writer.ts'
import { contentTypeMatches, expectedContentType } from '../webhooks/media-type.ts'
import { webhookVerifier } from '../webhooks/signatures/index.ts'
import { errorResponses } from './errors.ts'
import type { AdapterDefinition, WebhookReceive } from '../adapter-sdk/index.ts'

const Params = z.object({ adapterId: z.string().max(64) })

/** How an adapter receives webhooks: records, or case events (both verified and kept in the inbox alike). */
const receiveOf = (adapter: AdapterDefinition): Omit<WebhookReceive, 'parse'> | undefined => adapter.receive ?? adapter.caseEvents?.receive ?? adapter.orderEvents?.receive
const Receipt = z.object({
  receiptId: z.string().describe('inbox id of the committed message'),
  duplicate: z.boolean().describe('true when this webhook-id was received before; it is processed once'),
})

export async function webhooksPlugin (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const writer = createInboxWriter(platform)
  const receivers = [...platform.instances.values()].filter((i) => receiveOf(i.adapter) && i.config.webhook)
  const bodyLimit = Math.max(1024, ...receivers.map((i) => receiveOf(i.adapter)!.maxBodyBytes))
  // Secrets decoded once; a scheme's declaration checked at start.
  const verifiers = new Map(receivers.map((i) => [i.config.id, webhookVerifier(receiveOf(i.adapter)!.signature, i.config.webhook!)]))

  // The signature covers the exact bytes: keep every body as a Buffer; the handler says which
  // content type the instance's adapter receives.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => { done(null, body) })

  app.withTypeProvider<ZodTypeProvider>().post('/webhooks/:adapterId', {
    bodyLimit,
    // The schemas describe the route (OpenAPI); the checks are the route's own: onRequest refuses
    // an id that names no receiving instance (so none longer than 64), and the verifier reads the
    // headers. A zod pass over them copied every header of every webhook; the receipt the handler
    // builds needs none either (errors keep theirs).
    validatorCompiler: () => (data) => ({ value: data }),
    serializerCompiler: (route) => route.httpStatus === '202' || route.httpStatus === '200' ? (data) => JSON.stringify(data) : serializerCompiler(route as never),
    schema: {
      summary: 'Receive a signed webhook from a department system',
      description: 'Signed as the adapter declares. Standard Webhooks: webhook-id, webhook-timestamp (unix seconds, ±5 min), webhook-signature ("v1,<base64 HMAC-SHA256>" or, where the instance accepts it, "v1sm3,<base64 HMAC-SM3>"; space-separated during key rotation). Header HMAC: the adapter\'s signature and timestamp headers (and nonce or id where signed). The body is JSON, XML or a form, as the adapter declares (Content-Type application/json, application/xml or text/xml, application/x-www-form-urlencoded, with its charset). Answered 202 once the raw body is committed; a repeated webhook id is answered 200 (409 TB_WEBHOOK_DUPLICATE where the adapter declares receive.duplicateStatus: 409) and processed once (with a different body it is counted in tongban_webhook_id_reused_total and logged).',
      tags: ['webhooks'],
      params: Params,
      headers: z.object({ 'webhook-id': z.string().optional(), 'webhook-timestamp': z.string().optional(), 'webhook-signature': z.string().optional() }).loose(),
      response: { 202: Receipt, 200: Receipt, ...errorResponses('TB_ADAPTER_NOT_FOUND', 'TB_WEBHOOK_SIGNATURE_INVALID', 'TB_BODY_TOO_LARGE', 'TB_UNSUPPORTED_MEDIA_TYPE', 'TB_WEBHOOK_DUPLICATE', 'TB_INBOX_UNAVAILABLE') },
    },
    onRequest: (req, _reply, done) => {
      // Reject before reading the body: unknown adapter, then a declared size over its limit.
      const id = (req.params as { adapterId: string }).adapterId
      const instance = platform.instances.get(id)
      const receive = instance && receiveOf(instance.adapter)
      if (!receive || !verifiers.has(id)) { done(new TongbanError('TB_ADAPTER_NOT_FOUND', [id])); return }
      const declared = Number(req.headers['content-length'])
      if (declared > receive.maxBodyBytes) { done(new TongbanError('TB_BODY_TOO_LARGE', [receive.maxBodyBytes])); return }
      done()
    },
  }, async (req, reply) => {
    const instance = platform.instances.get(req.params.adapterId)!
    const receive = receiveOf(instance.adapter)!
    const outcome = (o: string): void => { platform.metrics.webhooks.inc({ adapter: instance.config.id, outcome: o }) }
    const body = req.body
    const format = receive.body ?? { format: 'json' }
    if (!Buffer.isBuffer(body) || !contentTypeMatches(format, req.headers['content-type'])) {
      outcome('rejected')
      throw new TongbanError('TB_UNSUPPORTED_MEDIA_TYPE', [req.headers['content-type'] ?? '(none)', expectedContentType(format)])
    }
    if (body.length > receive.maxBodyBytes) { outcome('too-large'); throw new TongbanError('TB_BODY_TOO_LARGE', [receive.maxBodyBytes]) }
    let webhookId: string
    try {
      webhookId = verifiers.get(instance.config.id)!.verify(req.headers, body, Date.now() / 1000)
    } catch (err) {
      outcome('rejected')
      throw err
    }
    let receipt
    try {
      receipt = await writer.commit({ adapter: instance.config.id, webhookId, receivedAt: new Date(), body })
    } catch (err) {
      // Not committed, so not accepted: the department keeps the message and retries.
      outcome('unavailable')
      req.log.error({ err }, 'inbox commit failed')
      throw new TongbanError('TB_INBOX_UNAVAILABLE', [(err as Error).message], { cause: err })
    }
    outcome(receipt.fresh ? 'accepted' : 'duplicate')
    if (receipt.reused) {
      // The department reuses ids: its new message is not processed. Ids only, no body: it holds personal data.
      platform.metrics.webhookIdReused.inc({ adapter: instance.config.id })
      req.log.warn({ adapter: instance.config.id, webhookId, inboxId: receipt.inboxId }, 'webhook-id reused with a different body: answered as a duplicate, the new body is not stored')
    }
    // The department's own reading of a repeat, where it has one: 409 stops its retries as 200 would.
    if (!receipt.fresh && receive.duplicateStatus === 409) throw new TongbanError('TB_WEBHOOK_DUPLICATE', [webhookId])
    return reply.code(receipt.fresh ? 202 : 200).send({ receiptId: String(receipt.inboxId), duplicate: !receipt.fresh })
  })
}
