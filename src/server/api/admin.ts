// Administration through the running gateway — how CLI commands reach an embedded database
// that only the gateway process may open.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { migrate } from '../../store/migrate.ts'

export async function adminRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().post('/admin/migrate', {
    config: { audit: { action: 'admin.migrate' }, permission: 'migrations:run' },
    schema: { summary: 'Apply pending database migrations', tags: ['admin'], response: { 200: z.object({ database: z.enum(['postgres', 'pglite']), applied: z.array(z.string()) }) } },
  }, async () => ({ database: opts.platform.db.kind, applied: await migrate(opts.platform.db) }))
}
