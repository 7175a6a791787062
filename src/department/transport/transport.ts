// What a transport is: how a request goes on the wire and how its answer is read.
import type { DepartmentRequest } from '../../adapter-sdk/index.ts'
import type { Charset } from '../../adapter-sdk/codec.ts'

export interface Transport {
  /** The request's headers and body before auth adds its own. */
  encode: (req: DepartmentRequest) => { headers: Record<string, string>, body: string | Uint8Array | undefined }
  /** The charset of an answer whose Content-Type names none. */
  answerCharset: (req: DepartmentRequest) => Charset
  /** Whether a 5xx answer is the department speaking (a SOAP fault) rather than failing. */
  readsServerError: (status: number, contentType: string | undefined, bytes: Uint8Array) => boolean
}
