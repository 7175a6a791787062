// Digests for signatures, from Node's OpenSSL (which has SM3 and HMAC-SM3 built in).
import { createHash, createHmac } from 'node:crypto'
import type { DigestAlgorithm, DigestEncoding } from '../../adapter-sdk/index.ts'

export function digest (algorithm: DigestAlgorithm, data: string | Uint8Array, key: string): Buffer {
  switch (algorithm) {
    case 'md5': return createHash('md5').update(data).digest()
    case 'sha256': return createHash('sha256').update(data).digest()
    case 'sm3': return createHash('sm3').update(data).digest()
    case 'hmac-sha256': return createHmac('sha256', key).update(data).digest()
    case 'hmac-sm3': return createHmac('sm3', key).update(data).digest()
  }
}

export function isKeyed (algorithm: DigestAlgorithm): boolean {
  return algorithm.startsWith('hmac-')
}

export function encode (bytes: Buffer, encoding: DigestEncoding): string {
  if (encoding === 'base64') return bytes.toString('base64')
  const hex = bytes.toString('hex')
  return encoding === 'HEX' ? hex.toUpperCase() : hex
}
