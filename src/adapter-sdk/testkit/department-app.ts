// A department web app that signs staff in through tongban's CAS 3.0 server, as a real app behind
// single sign-on does: a visit without a ticket goes to tongban's /cas/login; a visit with one is
// validated at /cas/p3/serviceValidate, the app starts its own session (a cookie) and says who is
// signed in. When the staff member signs out of tongban, tongban POSTs a SAML LogoutRequest naming
// the ticket (single logout) and the app ends the session that ticket started. The demo runs one
// so the portal's "open the department app" button lands somewhere; integrators test their CAS
// set-up with it.
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { XMLParser } from 'fast-xml-parser'
import type { RunningSimulator } from '../index.ts'
import { escapeHtml } from '../../html.ts'

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

const COOKIE = 'dept_app_session'
/** A SAML LogoutRequest's SessionIndex: the service ticket whose session ends. */
const SESSION_INDEX = /<samlp:SessionIndex>([^<]+)<\/samlp:SessionIndex>/

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export async function startDepartmentApp (opts: DepartmentAppOptions): Promise<RunningSimulator> {
  const xml = new XMLParser({ removeNSPrefix: true, parseTagValue: false })
  let base = ''
  const page = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>${escapeHtml(opts.name)}</title><h1>${escapeHtml(opts.name)}</h1>${body}`)
  }
  // The app's own sessions: cookie value -> who and the ticket that started it.
  const sessions = new Map<string, { who: string, town: string, ticket: string }>()
  const signedIn = (res: ServerResponse, s: { who: string, town: string }): void => {
    page(res, 200, `<p id="who">已登录：${escapeHtml(s.who)}，乡镇 ${escapeHtml(s.town)}</p><p>通过通办单点登录进入本系统，无需再次输入密码。</p>`)
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base)
    const service = `${base}${url.pathname}`
    if (req.method === 'POST') {
      const index = SESSION_INDEX.exec(new URLSearchParams(await readBody(req)).get('logoutRequest') ?? '')?.[1]
      for (const [id, s] of sessions) if (s.ticket === index) sessions.delete(id)
      res.writeHead(200).end()
      return
    }
    const mine = sessions.get(/(?:^|;\s*)dept_app_session=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1] ?? '')
    const ticket = url.searchParams.get('ticket')
    if (mine && !ticket) {
      signedIn(res, mine)
      return
    }
    if (!ticket) {
      res.writeHead(302, { location: `${opts.casUrl()}/login?service=${encodeURIComponent(service)}` }).end()
      return
    }
    const validation = `${opts.casUrl()}/p3/serviceValidate?service=${encodeURIComponent(service)}&ticket=${encodeURIComponent(ticket)}`
    const answer = xml.parse(await (await fetch(validation)).text()) as CasAnswer
    const ok = answer.serviceResponse.authenticationSuccess
    if (!ok) {
      page(res, 403, `<p id="who">票据无效（ticket rejected）</p><p><a href="${escapeHtml(service)}">重新登录</a></p>`)
      return
    }
    const session = { who: `${ok.attributes?.name ?? ok.user}（${ok.user}）`, town: String(ok.attributes?.town ?? ''), ticket }
    const id = randomBytes(16).toString('base64url')
    sessions.set(id, session)
    res.setHeader('set-cookie', `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`)
    signedIn(res, session)
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => { page(res, 502, `<p id="who">${escapeHtml(err.message)}</p>`) })
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
