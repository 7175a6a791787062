// The default transport: a form or JSON body, the answer asked for as JSON and read as UTF-8
// (unless its Content-Type names another charset); any 5xx answer is the department failing.
import type { Transport } from './transport.ts'

export const httpJson: Transport = {
  encode (req) {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers }
    if (req.form) return { headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(req.form).toString() }
    if (req.json !== undefined) return { headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(req.json) }
    return { headers, body: undefined }
  },
  answerCharset: () => 'utf-8',
  readsServerError: () => false,
}
