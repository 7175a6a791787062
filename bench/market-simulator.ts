// Runs the market-regulation simulator in its own process for the benchmarks, so serving pages
// does not share the event loop being measured. Prints its URL on the first line.
//   node --import tsx bench/market-simulator.ts '<json options>'
import { startSimulator } from '../adapters/market-regulation/simulator.ts'

const sim = await startSimulator(JSON.parse(process.argv[2] ?? '{}'))
process.stdout.write(`${sim.url}\n`)
process.once('SIGTERM', () => { sim.close().then(() => process.exit(0), () => process.exit(1)) })
