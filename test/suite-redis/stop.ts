// tap's `after`: stops this run's redis-server (start.ts). Files left behind are only a warning:
// the tests have passed or failed by now, and the next run's start removes what is left.
import { stateFile, stopServer } from './state.ts'

await stopServer(stateFile(process.ppid)).catch((err: Error) => {
  console.error(`test/suite-redis: could not remove the suite's redis files: ${err.message}`)
})
