// The privacy rule for spans, applied once to every span before it leaves the process, whatever
// instrumentation made it: no query strings in URLs (search terms and filters may name people),
// and no resident ID number anywhere (paths such as /api/v1/persons/<id number>, SQL text, error
// messages). The instrumentations are configured to record little (no SQL parameters, no Redis
// arguments, no bodies or headers); this is the net under them.
import type { Attributes, AttributeValue, SpanStatus } from '@opentelemetry/api'
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace-node'

// 18-character numbers (GB 11643, check character 0-9 or X) and the legacy 15-digit ones, not
// inside a longer run of digits.
const ID_NUMBER = /(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])/g
const REDACTED = '[redacted]'
/** Attributes holding a URL or its parts, whose query string is dropped. */
const URL_ATTRIBUTES = new Set(['url.full', 'url.path', 'http.url', 'http.target'])

export function redactText (text: string): string {
  return text.replace(ID_NUMBER, REDACTED)
}

function redactValue (key: string, value: AttributeValue | undefined): AttributeValue | undefined {
  if (typeof value === 'string') {
    if (key === 'url.query') return value === '' ? value : REDACTED
    return redactText(URL_ATTRIBUTES.has(key) ? value.replace(/\?.*$/s, '') : value)
  }
  if (Array.isArray(value)) return value.map((v) => typeof v === 'string' ? redactText(v) : v) as AttributeValue
  return value
}

export function redactAttributes (attributes: Attributes): Attributes {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, redactValue(k, v)]))
}

/** The span as exported: the same span (its context, times, resource) with attributes, events and status message redacted. */
export function redactSpan (span: ReadableSpan): ReadableSpan {
  const events: TimedEvent[] = span.events.map((e) => ({ ...e, name: redactText(e.name), ...(e.attributes ? { attributes: redactAttributes(e.attributes) } : {}) }))
  const status: SpanStatus = span.status.message === undefined ? span.status : { ...span.status, message: redactText(span.status.message) }
  // A view over the ended span (methods such as spanContext() stay the span's own), never a change to it.
  return Object.create(span, {
    name: { value: redactText(span.name) },
    attributes: { value: redactAttributes(span.attributes) },
    events: { value: events },
    status: { value: status },
  }) as ReadableSpan
}

/** An exporter that hands `exporter` only redacted spans. */
export function redactingExporter (exporter: SpanExporter): SpanExporter {
  return {
    export (spans, done) { exporter.export(spans.map(redactSpan), done) },
    async shutdown () { await exporter.shutdown() },
    async forceFlush () { await exporter.forceFlush?.() },
  }
}
