// The OpenTelemetry SDK, loaded only when tracing is configured (see index.ts): a tracer provider
// exporting over OTLP/HTTP (JSON, to the standard endpoint variables), the instrumentations of the
// libraries a message passes through, and BullMQ's telemetry to carry a trace through a job.
import { createRequire, register } from 'node:module'
import { createAddHookMessageChannel } from 'import-in-the-middle'
import { diag, DiagLogLevel, type DiagLogFunction } from '@opentelemetry/api'
import { registerInstrumentations, type InstrumentationBase } from '@opentelemetry/instrumentation'
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { FastifyOtelInstrumentation } from '@fastify/otel'
import type { Telemetry } from 'bullmq'
import { createLogger } from '../log.ts'
import { redactingExporter } from './redact.ts'

export interface TracingSettings {
  /** Where spans go: the traces endpoint as given, else the general endpoint's /v1/traces (as the exporter reads them). */
  endpoint: string
  serviceName: string
}

export interface Tracing {
  /** BullMQ's telemetry for queues and workers: carries the trace from the enqueuer to the job's processing. */
  queues: Telemetry
  /** Exports the spans still buffered and stops the SDK. */
  stop: () => Promise<void>
}

/**
 * How long a stop waits for the last spans: the exporter retries a collector that is gone for
 * longer, and the process must end before an orchestrator's SIGKILL (the gateway's own bound is 8 s).
 */
const FLUSH_TIMEOUT_MS = 1500

/** Probes and scrapes, every few seconds from the orchestrator: no spans. */
const UNTRACED_ROUTES = new Set(['/healthz', '/livez', '/readyz', '/metrics'])

/**
 * Patches in place the instrumented modules that were loaded before tracing started, which the
 * load hooks never see: the CLI's settings parse REDIS_URL with ioredis before any command runs.
 * CommonJS modules imported from ES modules are in require's cache too, with the same exports.
 */
function patchLoaded (instrumentations: readonly InstrumentationBase[]): void {
  const require = createRequire(import.meta.url)
  const loadedModule = (name: string): NodeJS.Module | undefined => {
    try { return require.cache[require.resolve(name)] } catch { return undefined }
  }
  for (const instrumentation of instrumentations) {
    for (const definition of instrumentation.getModuleDefinitions()) {
      const loaded = loadedModule(definition.name)
      if (!loaded?.loaded || !definition.patch) continue
      const { version } = require(`${definition.name}/package.json`) as { version: string }
      definition.moduleExports = definition.patch(loaded.exports, version)
      definition.moduleVersion = version
    }
  }
}

export async function startSdk (settings: TracingSettings): Promise<Tracing> {
  const logger = createLogger({ base: { service: settings.serviceName } })
  // The SDK reports a failed export through its diagnostics: a warning in our log, not silence.
  const warn: DiagLogFunction = (message, ...args) => { logger.warn({ otel: args.map(String) }, `tracing: ${message}`) }
  const quiet: DiagLogFunction = () => {}
  diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN)

  // pg and ioredis are CommonJS modules imported from our ES modules: import-in-the-middle sees
  // those imports, for the modules the instrumentations ask for only.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel()
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions)

  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }).merge(detectResources({ detectors: [envDetector] })),
    // Headers, timeout and compression come from the standard variables too.
    spanProcessors: [new BatchSpanProcessor(redactingExporter(new OTLPTraceExporter({ url: settings.endpoint })))],
  })
  provider.register()
  // SQL text (with $1 placeholders), never the values bound to it; only within a trace.
  const pg = new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true })
  // The command's name only: keys and arguments can be session ids, addresses or data.
  const redis = new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command })
  const instrumentations = [
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      ignorePaths: (route) => UNTRACED_ROUTES.has(route.url),
    }),
    pg,
    redis,
    // Calls to departments; their URLs lose their query strings in redact.ts.
    new UndiciInstrumentation({ requireParentforSpans: true }),
  ]
  const unregister = registerInstrumentations({ tracerProvider: provider, instrumentations })
  await waitForAllMessagesAcknowledged()
  patchLoaded([pg, redis])
  // bullmq-otel is imported here, after the hooks: it is only glue over @opentelemetry/api.
  const { BullMQOtel } = await import('bullmq-otel')
  logger.info({ endpoint: new URL(settings.endpoint).origin, serviceName: settings.serviceName }, 'tracing: exporting spans over OTLP')
  return {
    queues: new BullMQOtel({ tracerName: 'tongban' }),
    async stop () {
      unregister()
      // A collector that is gone costs the spans still buffered, never the shutdown.
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`no answer within ${FLUSH_TIMEOUT_MS} ms`)) }, FLUSH_TIMEOUT_MS) })
      await Promise.race([provider.shutdown(), late])
        .catch((err: Error) => { logger.warn({ err: err.message }, 'tracing: the last spans were not exported') })
        .finally(() => { clearTimeout(timer) })
    },
  }
}
