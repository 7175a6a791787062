// The faults, each with what an operator (or an orchestrator) does about it. A scenario's
// `fault` runs while the load runs; it returns when the operator's part is done, and the runner
// keeps the load going a while longer before it measures.
import type { Topology } from '../test/helpers/redis-topologies.ts'
import type { PgCluster } from '../test/helpers/pg-cluster.ts'
import type { TongbanProcess } from './processes.ts'
import { clusterMasterOf, pinPoolerDatabase, redisPid, replicaOf, restartRedis } from './servers.ts'
import { signal, sleep, until, type Teardowns } from './support.ts'
import { queueName } from '../src/queues/queues.ts'

export interface Stage {
  t: Teardowns
  redis: Topology & { kind: 'sentinel' | 'cluster', nodes: number[] }
  pg: PgCluster
  database: string
  /** The processes' environment: a change reaches the processes started after it. */
  env: NodeJS.ProcessEnv
  api: TongbanProcess
  worker: TongbanProcess
  scheduler: TongbanProcess
  market: { pid: number }
  scratch: string
  /** Marks the moment the fault strikes (a kill, a stop), after the look-ups that prepare it. */
  struck: () => void
}

export interface Scenario {
  key: string
  name: string
  topology: 'sentinel' | 'cluster'
  /** What the suite does, for the README. */
  does: string
  /** Resolves to a note for the table when things went another way than planned. */
  fault: (stage: Stage) => Promise<string | undefined | void>
}

async function currentMaster (stage: Stage): Promise<number> {
  const [master] = await stage.redis.masters()
  return master!.port
}

/** Waits for Sentinel to name a master other than `old`, then starts `old` again (it rejoins as a replica). */
async function failedOverFrom (stage: Stage, old: number, timeoutMs: number): Promise<void> {
  await until('Sentinel to promote a replica', async () => (await currentMaster(stage)) !== old, timeoutMs, 500)
  await restartRedis(stage.t, old, stage.scratch)
  const master = await currentMaster(stage)
  await until('the old master back as a replica', async () => (await replicaOf(master)) === old, 30_000, 500)
}

export const SCENARIOS: Scenario[] = [
  {
    key: 'api',
    name: 'kill -9 the api process',
    topology: 'sentinel',
    does: 'SIGKILL the `--role api` process mid-load, start it again at once (as a supervisor would).',
    async fault (stage) { stage.struck(); await stage.api.kill(); await stage.api.start() },
  },
  {
    key: 'worker',
    name: 'kill -9 the worker process',
    topology: 'sentinel',
    does: 'SIGKILL the `--role worker` process with jobs active, start it again at once; its active jobs are stalled and taken over.',
    async fault (stage) { stage.struck(); await stage.worker.kill(); await stage.worker.start() },
  },
  {
    key: 'redis-master',
    name: 'kill the Redis master (Sentinel failover)',
    topology: 'sentinel',
    does: 'SIGKILL the master Redis; Sentinel (down-after 2 s) promotes the replica; the old master is started again, empty, and rejoins as a replica.',
    async fault (stage) {
      const master = await currentMaster(stage)
      const pid = await redisPid(master)
      stage.struck()
      signal(pid, 'SIGKILL')
      await failedOverFrom(stage, master, 60_000)
    },
  },
  {
    key: 'redis-frozen-replica',
    name: 'SIGSTOP the Redis replica, then kill its master',
    topology: 'sentinel',
    does: 'SIGSTOP the replica, SIGKILL the master: no Redis can take writes and no failover is possible. After 10 s the replica is resumed (SIGCONT); the suite waits for Sentinel to promote it (it retries after twice the failover timeout), then starts the old master again as its replica.',
    async fault (stage) {
      const master = await currentMaster(stage)
      const replica = await replicaOf(master)
      const replicaPid = await redisPid(replica)
      const masterPid = await redisPid(master)
      stage.struck()
      signal(replicaPid, 'SIGSTOP')
      try {
        signal(masterPid, 'SIGKILL')
        await sleep(10_000)
      } finally {
        signal(replicaPid, 'SIGCONT')
      }
      try {
        await failedOverFrom(stage, master, 60_000)
      } catch {
        // Sentinel may refuse a replica whose link has been down too long: the operator's other way out.
        await restartRedis(stage.t, master, stage.scratch)
        return 'no failover within 60 s after SIGCONT: the old master was started again, empty'
      }
    },
  },
  {
    key: 'pg-promote',
    name: 'promote the PostgreSQL standby',
    topology: 'sentinel',
    does: 'The primary dies (`pg_ctl stop -m immediate`); the operator promotes the standby (`pg_ctl promote`), points PgBouncer\'s entry for the database at it (edit `[databases]`, `RELOAD`, `RECONNECT`) and changes DATABASE_DIRECT_URL for processes started from then on. The running processes keep DATABASE_URL (the pooler) and are not restarted.',
    async fault (stage) {
      const standby = stage.pg.standby!
      stage.struck()
      await stage.pg.primary.stop('immediate')
      await standby.promote()
      await pinPoolerDatabase(stage.pg, stage.database, standby.port)
      await stage.pg.pooler!.admin(`RECONNECT ${stage.database}`)
      stage.env.DATABASE_DIRECT_URL = standby.url(stage.database)
    },
  },
  {
    key: 'pooler-cut',
    name: 'cut every connection through the pooler',
    topology: 'sentinel',
    does: 'PgBouncer admin console: `KILL <database>` (drops every client and server connection of the database and holds new ones), `RESUME <database>` 2 s later.',
    async fault (stage) {
      stage.struck()
      await stage.pg.pooler!.admin(`KILL ${stage.database}`)
      await sleep(2000)
      await stage.pg.pooler!.admin(`RESUME ${stage.database}`)
    },
  },
  {
    key: 'department-hang',
    name: 'hang a department (pull simulator SIGSTOPped)',
    topology: 'sentinel',
    does: 'SIGSTOP the market-regulation simulator (a pull department, every 5 s, timeout 2 s) for 20 s, then SIGCONT: its pulls time out and back off in their own queue while the webhooks flow.',
    async fault (stage) {
      stage.struck()
      signal(stage.market.pid, 'SIGSTOP')
      try { await sleep(20_000) } finally { signal(stage.market.pid, 'SIGCONT') }
    },
  },
  {
    key: 'cluster-master',
    name: 'kill the Redis Cluster master of the ingest queue',
    topology: 'cluster',
    does: 'On the 6-node Redis Cluster: SIGKILL the master serving the slot of `{ingest.household-registration}`; its replica takes over (cluster-node-timeout 2 s). Not restarted.',
    async fault (stage) {
      const tag = queueName('ingest', 'household-registration')
      const master = await clusterMasterOf(stage.redis.nodes[0]!, tag)
      const pid = await redisPid(master)
      stage.struck()
      signal(pid, 'SIGKILL')
      const alive = stage.redis.nodes.find((p) => p !== master)!
      await until('the cluster to promote a replica', async () => (await clusterMasterOf(alive, tag)) !== master, 60_000, 500)
    },
  },
]
