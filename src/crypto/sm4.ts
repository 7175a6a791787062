// SM4 (GB/T 32907-2016) field encryption as departments use it for single values in a record:
// base64 of IV(16) || SM4-CBC(PKCS#7(UTF-8 plaintext)). The block cipher is sm-crypto-v2's; padding
// is checked here, because the library accepts a last byte of 0 as valid padding, so a wrong key
// would sometimes "decrypt" to garbage instead of failing.
import { randomBytes } from 'node:crypto'
import { sm4 } from 'sm-crypto-v2'
import { TongbanError } from '../errors.ts'

const BLOCK = 16
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const utf8 = new TextDecoder('utf-8', { fatal: true })

function checkKey (key: Buffer): void {
  if (key.length !== BLOCK) throw new TypeError(`an SM4 key is 16 bytes, not ${key.length}`)
}

/** Encrypts `plaintext` (as UTF-8) under `key` with a fresh random IV unless one is given. */
export function encryptSm4Field (key: Buffer, plaintext: string, iv: Buffer = randomBytes(BLOCK)): string {
  checkKey(key)
  if (iv.length !== BLOCK) throw new TypeError(`an SM4-CBC IV is 16 bytes, not ${iv.length}`)
  const cipher = sm4.encrypt(new TextEncoder().encode(plaintext), key, { mode: 'cbc', iv, padding: 'pkcs#7', output: 'array' })
  return Buffer.concat([iv, cipher]).toString('base64')
}

function failed (why: string): TongbanError {
  return new TongbanError('TB_FIELD_DECRYPT_FAILED', [why])
}

/**
 * The plaintext of a value `encryptSm4Field` wrote. Anything else — not base64, a length that is
 * not IV plus whole blocks, bad padding (the usual sign of a wrong key) or bytes that are not
 * UTF-8 — throws TB_FIELD_DECRYPT_FAILED; the message never holds the value or the key.
 */
export function decryptSm4Field (key: Buffer, value: string): string {
  checkKey(key)
  const text = value.trim()
  if (!BASE64.test(text) || text.length % 4 !== 0) throw failed('not base64')
  const bytes = Buffer.from(text, 'base64')
  if (bytes.length < 2 * BLOCK || bytes.length % BLOCK !== 0) throw failed(`${bytes.length} bytes is not a 16-byte IV and whole 16-byte blocks`)
  const plain = sm4.decrypt(bytes.subarray(BLOCK), key, { mode: 'cbc', iv: bytes.subarray(0, BLOCK), padding: 'none', output: 'array' })
  const pad = plain[plain.length - 1]!
  if (pad < 1 || pad > BLOCK || plain.subarray(plain.length - pad).some(b => b !== pad)) throw failed('the padding is wrong (wrong data key?)')
  try {
    return utf8.decode(plain.subarray(0, plain.length - pad))
  } catch {
    throw failed('the plaintext is not UTF-8 (wrong data key?)')
  }
}
