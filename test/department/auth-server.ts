// A real department stand-in for the auth tests: a node:http server that hands each request, body
// as raw bytes, to the test's check and answers what the check returns.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'

export interface Received { method: string, url: URL, headers: IncomingMessage['headers'], body: Buffer }
export interface Answer { status?: number, type?: string, body?: string | Buffer }

export async function departmentServer (t: Test, answer: (req: Received) => Answer | undefined): Promise<{ url: string, received: Received[] }> {
  const received: Received[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r = { method: req.method!, url: new URL(req.url!, 'http://department'), headers: req.headers, body: Buffer.concat(chunks) }
      received.push(r)
      const a = answer(r) ?? {}
      res.writeHead(a.status ?? 200, { 'content-type': a.type ?? 'application/json' }).end(a.body ?? '{"code":"0"}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received }
}
