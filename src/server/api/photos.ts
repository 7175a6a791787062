// Photos through the API: a phone sends the raw bytes of one photo (image/* or
// application/octet-stream) and gets its SHA-256 to name in a risk report or a whistle answer;
// the bytes are checked by their content (src/photos), stripped of their location unless the
// reporter keeps it, stored, and recorded. Reading one back is for whoever may read the reports
// and whistles that name photos. Both are audited.
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import { can, type Permission } from '../../auth/access.ts'
import { acceptPhoto, photoLimitsOf } from '../../photos/index.ts'
import { getPhoto, recordPhoto } from '../../store/photos.ts'
import { errorResponses } from '../errors.ts'

const Sha256 = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 (64 lowercase hex digits)') })

export const PhotoAnswer = z.object({
  sha256: z.string().describe('name it in a report\'s or answer\'s `photos`'),
  size: z.number().int().describe('bytes stored (after the location was removed)'),
  contentType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
  width: z.number().int(),
  height: z.number().int(),
  locationKept: z.boolean().describe('true: the photo carried a location and keepLocation=true kept it'),
  href: z.string(),
}).meta({ id: 'Photo' })

/** The first of `permissions` the caller has (the first one when none, for the refusal to name). */
const anyOf = (...permissions: Permission[]) => ({
  declaredBy: permissions.join(' or '),
  of: (req: FastifyRequest): Permission => permissions.find((p) => can(req.principal, p)) ?? permissions[0]!,
})

export async function photoRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const limits = photoLimitsOf(platform.config.photos)
  const api = app.withTypeProvider<ZodTypeProvider>()

  // The bytes as they came; what they are is read from them, never from the declared type.
  for (const type of ['application/octet-stream', /^image\/[a-z0-9.+-]+$/i]) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: limits.maxBytes }, (_req, body, done) => { done(null, body) })
  }
  // A body over the limit is refused while it streams in: as the photo's own 413, not the generic one.
  app.setErrorHandler((err: FastifyError, req) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new TongbanError('TB_PHOTO_TOO_LARGE', [req.headers['content-length'] ?? `more than ${limits.maxBytes}`, limits.maxBytes])
    throw err
  })

  const uploaded = new WeakMap<FastifyRequest, string>()

  api.post('/photos', {
    bodyLimit: limits.maxBytes,
    config: {
      permission: anyOf('risks:report', 'whistles:answer', 'whistles:lead'),
      audit: { action: 'photo.upload', subjectKind: 'photo', describe: (req) => ({ subject: uploaded.get(req), details: { keepLocation: (req.query as { keepLocation?: string } | undefined)?.keepLocation === 'true' } }) },
    },
    schema: {
      summary: 'Upload one photo (the raw bytes)',
      description: 'The body is the photo itself, sent as `image/*` or `application/octet-stream`. JPEG, PNG and WebP are taken, recognised by their bytes (a document renamed .jpg is 415); more than `photos.maxBytes` is 413; more pixels than `photos.maxPixels` (a decompression bomb) or a damaged file is 422. The EXIF/XMP location is removed unless `keepLocation=true`. The same bytes sent twice are stored once (200 the second time).',
      tags: ['photos'],
      querystring: z.object({ keepLocation: z.enum(['true', 'false']).optional().describe('true: keep the photo\'s GPS position (the reporter asked)') }),
      response: { 201: PhotoAnswer, 200: PhotoAnswer, ...errorResponses('TB_PHOTO_NOT_IMAGE', 'TB_PHOTO_TOO_LARGE', 'TB_PHOTO_TOO_MANY_PIXELS', 'TB_PHOTO_STORE_UNAVAILABLE', 'TB_FORBIDDEN') },
    },
  }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) throw new TongbanError('TB_UNSUPPORTED_MEDIA_TYPE', [req.headers['content-type'] ?? '(none)', 'image/* or application/octet-stream'])
    if (!platform.photos) throw new TongbanError('TB_PHOTO_STORE_UNAVAILABLE', ['this process has no data directory and no S3 store'])
    const photo = await acceptPhoto(req.body, { limits, keepLocation: req.query.keepLocation === 'true' }, platform.photos)
    const p = req.principal
    const known = await getPhoto(platform.db, photo.sha256)
    if (!known) {
      await recordPhoto(platform.db, {
        sha256: photo.sha256, contentType: photo.contentType, size: photo.size, width: photo.width, height: photo.height, locationKept: photo.locationKept,
        uploadedBy: { kind: p.kind, id: p.id, name: p.name }, uploadedAt: new Date().toISOString(),
      })
    }
    uploaded.set(req, photo.sha256)
    const { sha256, size, contentType, width, height, locationKept } = photo
    return await reply.code(known ? 200 : 201).send({ sha256, size, contentType, width, height, locationKept, href: `/api/v1/photos/${sha256}` })
  })

  api.get('/photos/:sha256', {
    config: { permission: anyOf('risks:read', 'whistles:read', 'whistles:answer'), audit: { action: 'photo.read', subjectKind: 'photo', subjectParam: 'sha256' } },
    schema: {
      summary: 'One uploaded photo\'s bytes',
      tags: ['photos'],
      params: Sha256,
      response: { 200: z.any().describe('the photo\'s bytes, as image/jpeg, image/png or image/webp'), ...errorResponses('TB_PHOTO_NOT_FOUND', 'TB_PHOTO_STORE_UNAVAILABLE', 'TB_FORBIDDEN') },
    },
  }, async (req, reply) => {
    const row = await getPhoto(platform.db, req.params.sha256)
    const bytes = row && await platform.photos?.get(row.sha256)
    if (!row || !bytes) throw new TongbanError('TB_PHOTO_NOT_FOUND', [req.params.sha256])
    // Content-addressed: the bytes under a hash never change.
    return await reply.type(row.contentType).header('cache-control', 'private, max-age=31536000, immutable').header('x-content-type-options', 'nosniff').send(bytes)
  })
}
