// XML over HTTP, as SOAP 1.1 services speak it: the body goes as the caller encoded it, labelled
// with its charset, and the answer is read in that charset unless its Content-Type names another.
import { CHARSET_LABEL } from '../../adapter-sdk/codec.ts'
import type { Transport } from './transport.ts'

export const httpXml: Transport = {
  encode (req) {
    const xml = req.xml!
    const headers: Record<string, string> = {
      accept: 'text/xml',
      ...req.headers,
      'content-type': `text/xml; charset=${CHARSET_LABEL[xml.charset]}`,
      // SOAP 1.1 wants the header even when empty, and quoted.
      soapaction: JSON.stringify(xml.soapAction ?? ''),
    }
    return { headers, body: xml.body }
  },
  answerCharset: (req) => req.xml!.charset,
  // SOAP 1.1 answers a fault with HTTP 500; an empty body or an HTML page is the service failing.
  readsServerError: (status, contentType, bytes) => status === 500 && bytes.length > 0 && /xml/i.test(contentType ?? ''),
}
