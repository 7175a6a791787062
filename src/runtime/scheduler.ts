// `tongban start --role scheduler`: what runs on the clock rather than on a message. Safe with
// several replicas: job schedulers are upserted by id (the same scheduler however many upsert it),
// the deadline sweep is a scheduled job that one worker of the queue takes, and the clock work
// runs once per round across replicas (clock-work.ts, rounds.ts).
import type { Logger } from '../log.ts'
import { openSharedPlatform } from './worker.ts'
import { scheduleInstance, startDeadlineSweeps } from './workers.ts'
import { startClockWork } from './clock-work.ts'
import { startHealthServer } from './health-server.ts'
import { shutdownSteps } from './shutdown.ts'
import type { Settings } from './settings.ts'

export interface SchedulerProcess { url: string, stop: () => Promise<void> }

export async function startSchedulerProcess (settings: Settings, logger: Logger): Promise<SchedulerProcess> {
  const shared = await openSharedPlatform(settings, logger, 'a scheduler process (--role scheduler)')
  const { platform } = shared
  const { steps, run: stop } = shutdownSteps(logger)
  steps.push(['queues and database', shared.close])
  try {
    const health = await startHealthServer(platform, settings)
    steps.push(['health server', async () => { await health.app.close() }])
    for (const instance of platform.instances.values()) await scheduleInstance(platform, instance)
    const deadlines = await startDeadlineSweeps(platform)
    steps.push(['deadline sweep', async () => { await deadlines.worker.close(); await deadlines.queue.close() }])
    const clock = startClockWork(platform, settings)
    steps.push(['clock work', clock.stop])
    logger.info({ url: health.url, role: 'scheduler', adapters: [...platform.instances.keys()] }, 'tongban scheduler started')
    return { url: health.url, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
