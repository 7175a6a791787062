// POST /webhooks/:adapterId — find the instance, check content type and size, verify the
// Standard Webhooks signature over the raw bytes, commit to the inbox, and only then answer 202.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../platform.ts'
import { TongbanError } from '../errors.ts'
import { verify } from '../crypto/webhook-signature.ts'
import { createInboxWriter } from '../webhooks/inbox-writer.ts'
import { errorResponses } from './errors.ts'

const Params = z.object({ adapterId: z.string().max(64) })
const Receipt = z.object({
  receiptId: z.string().describe('inbox id of the committed message'),
  duplicate: z.boolean().describe('true when this webhook-id was received before; it is processed once'),
})

function header (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(' ') : value
}

export async function webhooksPlugin (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const writer = createInboxWriter(platform)
  const receivers = [...platform.instances.values()].filter((i) => i.adapter.receive)
  const bodyLimit = Math.max(1024, ...receivers.map((i) => i.adapter.receive!.maxBodyBytes))

  // The signature covers the exact bytes: keep the body as a Buffer, accept JSON only.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => { done(null, body) })

  app.withTypeProvider<ZodTypeProvider>().post('/webhooks/:adapterId', {
    bodyLimit,
    schema: {
      summary: 'Receive a signed webhook from a department system',
      description: 'Standard Webhooks: webhook-id, webhook-timestamp (unix seconds, ±5 min), webhook-signature ("v1,<base64 HMAC-SHA256>" or, where the instance accepts it, "v1sm3,<base64 HMAC-SM3>"; space-separated during key rotation). Answered 202 once the raw body is committed; a repeated webhook-id is answered 200 and processed once (with a different body it is counted in tongban_webhook_id_reused_total and logged).',
      tags: ['webhooks'],
      params: Params,
      headers: z.object({ 'webhook-id': z.string().optional(), 'webhook-timestamp': z.string().optional(), 'webhook-signature': z.string().optional() }).loose(),
      response: { 202: Receipt, 200: Receipt, ...errorResponses('TB_ADAPTER_NOT_FOUND', 'TB_WEBHOOK_SIGNATURE_INVALID', 'TB_BODY_TOO_LARGE', 'TB_UNSUPPORTED_MEDIA_TYPE', 'TB_INBOX_UNAVAILABLE') },
    },
    onRequest: async (req) => {
      // Reject before reading the body: unknown adapter, then a declared size over its limit.
      const id = (req.params as { adapterId: string }).adapterId
      const instance = platform.instances.get(id)
      if (!instance?.adapter.receive) throw new TongbanError('TB_ADAPTER_NOT_FOUND', [id])
      const declared = Number(req.headers['content-length'])
      if (declared > instance.adapter.receive.maxBodyBytes) throw new TongbanError('TB_BODY_TOO_LARGE', [instance.adapter.receive.maxBodyBytes])
    },
  }, async (req, reply) => {
    const instance = platform.instances.get(req.params.adapterId)!
    const receive = instance.adapter.receive!
    const outcome = (o: string): void => { platform.metrics.webhooks.inc({ adapter: instance.config.id, outcome: o }) }
    const body = req.body
    if (!Buffer.isBuffer(body)) { outcome('rejected'); throw new TongbanError('TB_UNSUPPORTED_MEDIA_TYPE', [req.headers['content-type'] ?? '(none)']) }
    if (body.length > receive.maxBodyBytes) { outcome('too-large'); throw new TongbanError('TB_BODY_TOO_LARGE', [receive.maxBodyBytes]) }
    const webhookId = header(req.headers['webhook-id'])
    try {
      verify(instance.webhookKeys, {
        id: webhookId,
        timestamp: header(req.headers['webhook-timestamp']),
        signature: header(req.headers['webhook-signature']),
      }, body, Date.now() / 1000, instance.config.webhook!.toleranceSeconds, instance.config.webhook!.schemes)
    } catch (err) {
      outcome('rejected')
      throw err
    }
    let receipt
    try {
      receipt = await writer.commit({ adapter: instance.config.id, webhookId: webhookId!, receivedAt: new Date(), body })
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
    return reply.code(receipt.fresh ? 202 : 200).send({ receiptId: String(receipt.inboxId), duplicate: !receipt.fresh })
  })
}
