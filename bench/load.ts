// Load generator for the benchmarks, run as its own process so that signing and measuring do
// not share the server's event loop. Prints one JSON line with the autocannon result.
//   node --import tsx bench/load.ts '<json options>'
import autocannon from 'autocannon'
import { randomBytes } from 'node:crypto'
import { sign } from '../src/crypto/webhook-signature.ts'

interface LoadOptions { url: string, connections: number, duration: number, body: string, secret?: string }

const opts = JSON.parse(process.argv[2]!) as LoadOptions
const prefix = randomBytes(4).toString('hex')
let n = 0

const result = await autocannon({
  url: opts.url,
  method: 'POST',
  connections: opts.connections,
  duration: opts.duration,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: opts.body,
  requests: [{
    setupRequest: (req: any) => {
      if (!opts.secret) return req
      const id = `bench_${prefix}_${n++}`
      const ts = Math.floor(Date.now() / 1000)
      return { ...req, headers: { ...req.headers, 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(opts.secret, id, ts, opts.body) } }
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
})}\n`)
