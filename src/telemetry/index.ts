// OpenTelemetry traces, exported over OTLP/HTTP when an endpoint is configured with the standard
// variables (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). Without one, nothing
// of the SDK is even loaded: this module holds only the switch, and sdk.ts is imported on demand.
//
// The instrumentations patch pg and ioredis as they are loaded, so tracing starts before the
// runtime is imported: the CLI calls startTracing() before it imports the gateway or the worker
// (src/cli/main.ts loads those lazily), the same way under tsx and from the compiled dist/.
import { z } from 'zod'
import { TongbanError } from '../errors.ts'
import type { Telemetry } from 'bullmq'
import type { Tracing, TracingSettings } from './sdk.ts'

const HttpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })

const Env = z.object({
  OTEL_SDK_DISABLED: z.string().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: HttpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: HttpUrl.optional(),
  OTEL_SERVICE_NAME: z.string().default('tongban'),
})

/** The tracing the environment asks for; undefined when no OTLP endpoint is set (or OTEL_SDK_DISABLED=true). */
export function tracingSettings (env: NodeJS.ProcessEnv = process.env): TracingSettings | undefined {
  const blankless = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('OTEL_') && v !== ''))
  const parsed = Env.safeParse(blankless)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new TongbanError('TB_CONFIG_INVALID', [`environment variable ${issue.path.join('.')}`, issue.message])
  }
  const e = parsed.data
  if (e.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined
  const endpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces` : undefined)
  return endpoint ? { endpoint, serviceName: e.OTEL_SERVICE_NAME } : undefined
}

let started: Tracing | undefined

/** Starts the SDK when configured; call before the modules that talk to PostgreSQL and Redis are imported. */
export async function startTracing (env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const settings = tracingSettings(env)
  if (!settings) return false
  if (!started) {
    const { startSdk } = await import('./sdk.ts')
    started = await startSdk(settings)
  }
  return true
}

/** The `telemetry` option of BullMQ queues and workers: undefined (BullMQ's default, no cost) unless tracing runs. */
export function queueTelemetry (): Telemetry | undefined {
  return started?.queues
}

/** Flushes and stops tracing; nothing to do when it never started. */
export async function stopTracing (): Promise<void> {
  const tracing = started
  started = undefined
  await tracing?.stop()
}
