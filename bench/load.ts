// Load generator for the benchmarks, run as its own process so that signing and measuring do
// not share the server's event loop. Prints one JSON line with the autocannon result.
//   node --import tsx bench/load.ts '<json options>'
// Runs for `duration` seconds, or — with `amount` — until that many requests are answered, each
// sent as soon as a connection is free. Every request has its own webhook id, so none is a repeat;
// `bodyModule` (a module whose default export gives request n's body) varies the bodies too.
import autocannon from 'autocannon'
import { randomBytes } from 'node:crypto'
import { sign } from '../src/crypto/webhook-signature.ts'

interface LoadOptions { url: string, connections: number, duration?: number, amount?: number, body?: string, bodyModule?: string, secret?: string }

const opts = JSON.parse(process.argv[2]!) as LoadOptions
const bodyOf: (n: number) => string = opts.bodyModule
  ? (await import(opts.bodyModule) as { default: (n: number) => string }).default
  : () => opts.body!
const prefix = randomBytes(4).toString('hex')
let n = 0

const result = await autocannon({
  url: opts.url,
  method: 'POST',
  connections: opts.connections,
  ...(opts.amount === undefined ? { duration: opts.duration } : { amount: opts.amount }),
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: opts.body,
  requests: [{
    setupRequest: (req: any) => {
      const body = opts.bodyModule ? bodyOf(n) : opts.body!
      if (!opts.secret) { n++; return opts.bodyModule ? { ...req, body } : req }
      const id = `bench_${prefix}_${n++}`
      const ts = Math.floor(Date.now() / 1000)
      return { ...req, body, headers: { ...req.headers, 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(opts.secret, id, ts, body) } }
    },
  }],
})
process.stdout.write(`${JSON.stringify({
  requestsPerSecond: result.requests.average,
  p50: result.latency.p50,
  p99: result.latency.p99,
  total: result.requests.total,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  seconds: result.duration,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
})}\n`)
