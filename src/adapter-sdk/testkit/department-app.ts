// A department web app that signs staff in through tongban's CAS 3.0 server, as a real app behind
// single sign-on does: a visit without a ticket goes to tongban's /cas/login; a visit with one is
// validated at /cas/p3/serviceValidate and the app says who is signed in. The demo runs one so the
// portal's "open the department app" button lands somewhere; integrators test their CAS set-up
// with it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { XMLParser } from 'fast-xml-parser'
import type { RunningSimulator } from '../index.ts'

export interface DepartmentAppOptions {
  /** Shown on its pages, e.g. 市场监管业务系统. */
  name: string
  /** tongban's CAS server, e.g. http://127.0.0.1:8080/cas (a function: known once the gateway listens). */
  casUrl: () => string
  port?: number
  host?: string
}

interface CasAnswer {
  serviceResponse: {
    authenticationSuccess?: { user: string, attributes?: { name?: string, town?: string | number } }
    authenticationFailure?: string | { '#text'?: string }
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

export async function startDepartmentApp (opts: DepartmentAppOptions): Promise<RunningSimulator> {
  const xml = new XMLParser({ removeNSPrefix: true, parseTagValue: false })
  let base = ''
  const page = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>${escape(opts.name)}</title><h1>${escape(opts.name)}</h1>${body}`)
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base)
    const service = `${base}${url.pathname}`
    const ticket = url.searchParams.get('ticket')
    if (!ticket) {
      res.writeHead(302, { location: `${opts.casUrl()}/login?service=${encodeURIComponent(service)}` }).end()
      return
    }
    const validation = `${opts.casUrl()}/p3/serviceValidate?service=${encodeURIComponent(service)}&ticket=${encodeURIComponent(ticket)}`
    const answer = xml.parse(await (await fetch(validation)).text()) as CasAnswer
    const ok = answer.serviceResponse.authenticationSuccess
    if (!ok) {
      page(res, 403, `<p id="who">票据无效（ticket rejected）</p><p><a href="${escape(service)}">重新登录</a></p>`)
      return
    }
    const who = `${ok.attributes?.name ?? ok.user}（${ok.user}）`
    page(res, 200, `<p id="who">已登录：${escape(who)}，乡镇 ${escape(String(ok.attributes?.town ?? ''))}</p><p>通过通办单点登录进入本系统，无需再次输入密码。</p>`)
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => { page(res, 502, `<p id="who">${escape(err.message)}</p>`) })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve)
  })
  const address = server.address() as AddressInfo
  base = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  return {
    url: base,
    close: async () => { await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve() }) }) },
  }
}
