// Prometheus metrics. Counters count what this process did; gauges that describe shared state
// (queue depth, sync lag) are read from Redis and the database when scraped.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'

export interface Metrics {
  registry: Registry
  webhooks: Counter<'adapter' | 'outcome'>
  webhookIdReused: Counter<'adapter'>
  jobs: Counter<'adapter' | 'queue' | 'outcome'>
  records: Counter<'adapter' | 'outcome'>
  files: Counter<'adapter' | 'outcome'>
  operations: Counter<'adapter' | 'operation' | 'outcome'>
  matters: Counter<'adapter' | 'outcome'>
  queueDepth: Gauge<'adapter' | 'queue' | 'state'>
  queueWaiting: Gauge<'adapter' | 'queue'>
  queueOldestWaiting: Gauge<'adapter' | 'queue'>
  rounds: Counter<'work' | 'outcome'>
  syncLag: Gauge<'adapter'>
  breakerOpen: Gauge<'adapter'>
  filesSetAside: Gauge<'adapter'>
  outboxRows: Gauge<'state'>
  outboxOldestPending: Gauge
  deadlineAlerts: Counter<'kind'>
  deadlinesUncomputable: Gauge
  whistleRungsFired: Counter<'rung'>
}

const UNCONFORMING_DEFAULTS = ['tongban_nodejs_active_handles_total', 'tongban_nodejs_active_requests_total', 'tongban_nodejs_active_resources_total']

export function createMetrics (): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'tongban_' })
  // prom-client names three gauges `*_total`, a suffix Prometheus reserves for counters
  // (`promtool check metrics` refuses them). Each is the sum of its per-type gauge, which stays:
  // `sum(tongban_nodejs_active_handles)` is the total.
  for (const name of UNCONFORMING_DEFAULTS) registry.removeSingleMetric(name)
  return {
    registry,
    webhooks: new Counter({ name: 'tongban_webhooks_total', help: 'Webhooks answered, by adapter instance and outcome', labelNames: ['adapter', 'outcome'], registers: [registry] }),
    webhookIdReused: new Counter({ name: 'tongban_webhook_id_reused_total', help: 'Repeated webhook-ids whose body differed from the stored one (answered as duplicates; the new body is not stored)', labelNames: ['adapter'], registers: [registry] }),
    jobs: new Counter({ name: 'tongban_jobs_total', help: 'Jobs finished, by adapter instance, queue and outcome', labelNames: ['adapter', 'queue', 'outcome'], registers: [registry] }),
    records: new Counter({ name: 'tongban_records_total', help: 'Department records processed, by adapter instance and outcome (unified or quarantined)', labelNames: ['adapter', 'outcome'], registers: [registry] }),
    files: new Counter({ name: 'tongban_files_total', help: 'Dropped files handled, by adapter instance and outcome (imported, rejected: set aside whole after failing its check, skipped: seen before)', labelNames: ['adapter', 'outcome'], registers: [registry] }),
    operations: new Counter({ name: 'tongban_operation_calls_total', help: 'Operation calls to department systems, by adapter instance, operation and outcome (ok, replayed: answered from the kept result, refused: invalid input or no staff account, failed: the department or its answer)', labelNames: ['adapter', 'operation', 'outcome'], registers: [registry] }),
    matters: new Counter({ name: 'tongban_matter_versions_total', help: 'Matter versions read from catalogues, by adapter instance and outcome (stored, rejected: did not fit the model, not stored)', labelNames: ['adapter', 'outcome'], registers: [registry] }),
    queueDepth: new Gauge({ name: 'tongban_queue_depth', help: 'Jobs in each queue by state', labelNames: ['adapter', 'queue', 'state'], registers: [registry] }),
    // For a horizontal autoscaler of worker processes: how much waits, and for how long.
    queueWaiting: new Gauge({ name: 'tongban_queue_waiting_jobs', help: 'Jobs waiting for a worker, by adapter instance and queue', labelNames: ['adapter', 'queue'], registers: [registry] }),
    queueOldestWaiting: new Gauge({ name: 'tongban_queue_oldest_waiting_seconds', help: 'Age of the oldest job waiting for a worker (since it was added), by adapter instance and queue; 0 when none waits', labelNames: ['adapter', 'queue'], registers: [registry] }),
    rounds: new Counter({ name: 'tongban_scheduler_rounds_total', help: 'Rounds of periodic work (inbox sweep, pruning) by this process (a scheduler or an all-in-one gateway), by work and outcome (ran; skipped: another replica claimed the round; failed)', labelNames: ['work', 'outcome'], registers: [registry] }),
    syncLag: new Gauge({ name: 'tongban_sync_lag_seconds', help: 'Seconds the adapter instance is behind its department system', labelNames: ['adapter'], registers: [registry] }),
    breakerOpen: new Gauge({ name: 'tongban_breaker_open', help: '1 while the circuit breaker of the adapter instance is open or half-open', labelNames: ['adapter'], registers: [registry] }),
    filesSetAside: new Gauge({ name: 'tongban_files_set_aside', help: 'Dropped files set aside whole (failed their integrity or format check) and not yet superseded by an imported correction, by adapter instance', labelNames: ['adapter'], registers: [registry] }),
    outboxRows: new Gauge({ name: 'tongban_outbox_rows', help: 'Outbox rows (reports owed to department systems) by state: pending, held (incomplete until the calendar covers its year), sent, dead (a person must look)', labelNames: ['state'], registers: [registry] }),
    outboxOldestPending: new Gauge({ name: 'tongban_outbox_oldest_pending_seconds', help: 'Age of the oldest pending outbox row, seconds (0 without one)', registers: [registry] }),
    deadlineAlerts: new Counter({ name: 'tongban_deadline_alerts_total', help: 'Deadline alerts claimed by this process, by kind (due-soon, overdue)', labelNames: ['kind'], registers: [registry] }),
    deadlinesUncomputable: new Gauge({ name: 'tongban_deadlines_uncomputable', help: 'Case clocks the working-day calendar cannot compute (a year it does not cover): add that year\'s calendar file', registers: [registry] }),
    whistleRungsFired: new Counter({ name: 'tongban_whistle_rungs_fired_total', help: 'Escalation ladder rungs of whistles fired by this process, by rung (liaison, head, supervision)', labelNames: ['rung'], registers: [registry] }),
  }
}
