// SM3 (GB/T 32905-2016) and HMAC-SM3 (GM/T 0042-2015) from Node's own OpenSSL 3, which ships both:
// native speed, and no second implementation to keep in step.
import { createHash, createHmac } from 'node:crypto'

/** The 32-byte SM3 digest of `data` (a string is hashed as its UTF-8 bytes). */
export function sm3 (data: string | Uint8Array): Buffer {
  return createHash('sm3').update(data).digest()
}

/** The 32-byte HMAC-SM3 of `data` under `key` (strings as UTF-8 bytes). */
export function hmacSm3 (key: string | Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac('sm3', key).update(data).digest()
}
