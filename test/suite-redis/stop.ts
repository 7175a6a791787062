// tap's `after`: stops this run's redis-server (start.ts).
import { stateFile, stopServer } from './state.ts'

await stopServer(stateFile(process.ppid))
