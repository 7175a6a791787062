// An XML webhook body as a tree of elements, read strictly and safely: decoded in the declared
// charset (bad bytes are TB_ENCODING_INVALID), an XML declaration naming another charset refused,
// no DOCTYPE (so no entity is ever declared, fetched or expanded: no XXE, no billion laughs), and
// fast-xml-parser's own entity handling off — it leaves undefined entities and NUL references
// in place — for a decoder that knows XML's five entities and character references and refuses
// anything else. Nesting is bounded like JSON's, and text PostgreSQL cannot store (NUL) is refused.
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { TongbanError } from '../errors.ts'
import { CHARSET_LABEL, charsetOf, decodeBytes } from './codec.ts'
import { MAX_BODY_DEPTH, type XmlBody } from './webhook.ts'

export type XmlNode = string | XmlElement | XmlNode[]
export interface XmlElement { [name: string]: XmlNode }

const TEXT = '#text'
const CDATA = '#cdata'
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

const invalid = (why: string): TongbanError => new TongbanError('TB_WEBHOOK_BODY_INVALID', [why])

/** XML 1.0's Char production: what a character reference may name. */
const isXmlChar = (cp: number): boolean => cp === 0x9 || cp === 0xa || cp === 0xd ||
  (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)

/** Messages name references and positions, never the text around them (it may be a resident's). */
function decodeReferences (text: string): string {
  return text.replace(/&([^;&]{0,32});?/g, (whole, name: string, at: number) => {
    if (!whole.endsWith(';')) throw invalid(`an & that starts no entity or character reference (at character ${at} of a text)`)
    if (Object.hasOwn(PREDEFINED, name)) return PREDEFINED[name]!
    const ref = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name)
    if (!ref) throw invalid(`the entity &${name}; is not one of XML's five, and a body here has no DTD to declare it`)
    const cp = ref[1] !== undefined ? parseInt(ref[1], 16) : Number(ref[2])
    if (!isXmlChar(cp)) throw invalid(`the character reference &${name}; names no XML character`)
    return String.fromCodePoint(cp)
  })
}

const parsers = new WeakMap<XmlBody, XMLParser>()
function parserFor (format: XmlBody): XMLParser {
  let parser = parsers.get(format)
  if (parser === undefined) {
    const lists = new Set(format.lists)
    parser = new XMLParser({
      processEntities: false,
      htmlEntities: false,
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      parseTagValue: false,
      parseAttributeValue: false,
      ignoreDeclaration: true,
      ignorePiTags: true,
      cdataPropName: CDATA,
      maxNestedTags: MAX_BODY_DEPTH,
      isArray: (name) => lists.has(name),
    })
    parsers.set(format, parser)
  }
  return parser
}

/**
 * References decoded in text and attribute values, never in CDATA: it arrives apart, as
 * `{ '#cdata': text }` (the parser's value hooks cannot tell the two apart). An element holding only
 * CDATA becomes its text, as any other text element; where text and CDATA mix in one element (no
 * department spec we know does that), the text comes first.
 */
function decoded (node: unknown): XmlNode {
  if (typeof node === 'string') return decodeReferences(node)
  if (Array.isArray(node)) return node.map(decoded)
  const element = node as Record<string, unknown>
  if (!(CDATA in element)) return Object.fromEntries(Object.entries(element).map(([k, v]) => [k, decoded(v)]))
  const cdata = cdataText(element[CDATA])
  const rest = Object.entries(element).filter(([k]) => k !== CDATA && k !== TEXT)
  const text = `${typeof element[TEXT] === 'string' ? decodeReferences(element[TEXT]) : ''}${cdata}`
  return rest.length === 0 ? text : Object.fromEntries([...rest.map(([k, v]) => [k, decoded(v)]), [TEXT, text]])
}

const cdataText = (value: unknown): string => Array.isArray(value) ? value.map(cdataText).join('') : typeof value === 'string' ? value : String((value as Record<string, unknown>)[TEXT] ?? '')

/** The document element's name and content: `{ xml: { ToUserName: '…' } }`. Throws catalogue errors only. */
export function readXmlBody (body: Uint8Array, format: XmlBody): XmlElement {
  const text = decodeBytes(body, format.charset)
  const declared = /^<\?xml[^>]*\sencoding\s*=\s*["']([^"']+)["']/.exec(text)?.[1]
  if (declared !== undefined) {
    let named
    try { named = charsetOf(declared) } catch { named = undefined }
    if (named !== format.charset) throw invalid(`the XML declaration says encoding="${declared}", but this department sends ${CHARSET_LABEL[format.charset]}`)
  }
  const nul = text.indexOf('\u0000')
  if (nul >= 0) throw invalid(`a NUL character at character ${nul}, which PostgreSQL cannot store`)
  if (text.includes('<!DOCTYPE')) throw invalid('a DOCTYPE: webhook XML is read without a DTD (no entity is declared or expanded)')
  const valid = XMLValidator.validate(text)
  if (valid !== true) throw invalid(`not well-formed XML: ${valid.err.msg}${valid.err.col === undefined ? '' : ` (line ${valid.err.line}, column ${valid.err.col})`}`)
  let parsed: unknown
  try {
    parsed = parserFor(format).parse(text)
  } catch (err) {
    throw invalid(`the XML cannot be read: ${(err as Error).message}`)
  }
  const document = decoded(parsed)
  if (typeof document !== 'object' || Array.isArray(document) || Object.keys(document).length !== 1) throw invalid('not one document element')
  return document
}
