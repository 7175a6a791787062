// The normalisers: pure functions from a department's text to a canonical value or an error with
// a stable code. One module per standard; this file is the only import adapters need.
export { ok, fail, type Normalized, type Normalizer } from './result.ts'
export { toHalfWidth, isEmpty } from './chars.ts'
export { residentId, idAgrees, type ResidentIdDetails, type IdAgreement } from './resident-id.ts'
export { creditCode, type CreditCodeDetails } from './credit-code.ts'
export { divisionCode, divisionByName, type DivisionLevel, type DivisionDetails } from './division.ts'
export { date, timestamp, formatBeijingCompact } from './date.ts'
export { phone } from './phone.ts'
export { genderCode, ethnicityCode, codeTable, ETHNICITIES, type Gender } from './codes.ts'
export { personName, text, address, enterpriseName } from './text.ts'
export { capital, type Capital } from './capital.ts'
export { decodeText, type TextEncoding } from './encoding.ts'
