// Fields a department encrypts one by one inside its records (an ID number, a phone number), as
// the adapter declares them; the instance supplies the data key. The platform decrypts them after
// parse, fetch or read and before mapping, in every intake, so the field map sees plaintext.
import { z } from 'zod'

/** `sm4-cbc`: each value is base64 of IV(16) || SM4-CBC/PKCS#7 of its UTF-8 text. */
export type FieldCipher = 'sm4-cbc'

export interface EncryptedFields {
  /** Department field names, as in the raw record's `fields`. */
  fields: readonly string[]
  cipher: FieldCipher
}

/** What an instance's credentials must hold for an adapter with `encrypted` (beside what its auth needs). */
export const DATA_KEY_CREDENTIALS = z.object({
  dataKey: z.string().regex(/^[0-9a-f]{32}$/i, 'an SM4 data key: 32 hex digits (16 bytes)'),
})

/** What is wrong with a declaration an adapter written in JavaScript may have got wrong. */
export function encryptedProblems (encrypted: EncryptedFields): string[] {
  const problems: string[] = []
  if (encrypted.cipher !== 'sm4-cbc') problems.push(`encrypted.cipher is ${String(encrypted.cipher)}, but only sm4-cbc is known`)
  if (!Array.isArray(encrypted.fields) || encrypted.fields.length === 0) problems.push('encrypted.fields must name at least one department field')
  else if (encrypted.fields.some((f) => typeof f !== 'string' || f === '')) problems.push('encrypted.fields must be non-empty field names')
  return problems
}
