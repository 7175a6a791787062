// A department connection carrying the signed-in staff member's own department account, for
// operations that act as them: the platform places the user name and the password (digested as
// the department wants) where the operation declares, so the adapter never reads the vault and a
// service account never stands in for a person. The account is not part of any signature.
import type { DepartmentHttp, DepartmentRequest, StaffAccountPlacement } from '../adapter-sdk/index.ts'
import { digest, encode } from './auth/digest.ts'

export interface StaffAccountValues { username: string, password: string }

function passwordAsSent (password: string, how: StaffAccountPlacement['passwordDigest']): string {
  return how === 'plain' ? password : encode(digest(how.algorithm, password, ''), how.encoding)
}

export function withStaffAccount (http: DepartmentHttp, placement: StaffAccountPlacement, account: StaffAccountValues): DepartmentHttp {
  const values = {
    [placement.names.username]: account.username,
    [placement.names.password]: passwordAsSent(account.password, placement.passwordDigest),
  }
  const place = (req: DepartmentRequest): DepartmentRequest => {
    if (placement.placement === 'query') return { ...req, query: { ...req.query, ...values } }
    if (placement.placement === 'form') {
      if (req.json !== undefined || req.xml) throw new TypeError('the staff account goes into a form body, but this request sends JSON or XML')
      return { ...req, form: { ...req.form, ...values } }
    }
    return req
  }
  const { sign } = http
  return {
    baseUrl: http.baseUrl,
    request: async (req) => await http.request(place(req)),
    json: async <T>(req: DepartmentRequest) => await http.json<T>(place(req)),
    // `body`: what sign() returns carries the account, for the adapter's own body (SOAP elements).
    ...(sign ? { sign: placement.placement === 'body' ? async (signed?: Record<string, string>) => ({ ...await sign(signed), ...values }) : sign } : {}),
  }
}
