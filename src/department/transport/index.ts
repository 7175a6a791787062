// How a request goes on the wire and how its answer is read, by the kind of exchange: JSON or
// form over HTTP (the default), or XML such as SOAP 1.1 in the department's charset.
import type { DepartmentRequest } from '../../adapter-sdk/index.ts'
import type { Transport } from './transport.ts'
import { httpJson } from './http-json.ts'
import { httpXml } from './http-xml.ts'

export const transportOf = (req: DepartmentRequest): Transport => (req.xml ? httpXml : httpJson)
