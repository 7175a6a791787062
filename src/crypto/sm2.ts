// SM2 signatures (GB/T 32918.2) as GM/T 0009 defines them: e = SM3(Z_A || M), where Z_A hashes the
// signer ID (default 1234567812345678), the curve and the public key. Node's crypto cannot set the
// signer ID, so this wraps sm-crypto-v2 (pure JS on @noble/curves). That library signs the raw
// message unless told `hash: true`, which would interoperate with nobody: every call here sets it.
import { sm2 } from 'sm-crypto-v2'

export const SM2_DEFAULT_USER_ID = '1234567812345678'

export interface Sm2KeyPair {
  /** 64 hex digits. */
  privateKey: string
  /** Uncompressed point, 04 || x || y, 130 hex digits. */
  publicKey: string
}

const HEX_PRIVATE_KEY = /^[0-9a-f]{64}$/i
const HEX_XY = /^[0-9a-f]{128}$/i

export function sm2KeyPair (): Sm2KeyPair {
  return sm2.generateKeyPairHex()
}

// Strings are signed as their UTF-8 bytes: the library would otherwise decide how to read them.
function bytes (message: string | Uint8Array): Uint8Array {
  return typeof message === 'string' ? new TextEncoder().encode(message) : message
}

// Departments often hand out x || y without the 04 prefix; the library wants SEC1 (04…, 02…, 03…).
function publicKeyPoint (publicKeyHex: string): string {
  const key = HEX_XY.test(publicKeyHex) ? `04${publicKeyHex}` : publicKeyHex
  let valid: boolean
  try { valid = sm2.verifyPublicKey(key) } catch { valid = false }
  if (!valid) throw new TypeError('an SM2 public key must be a point on the curve: 04 || x || y (130 hex digits), x || y (128) or compressed (66)')
  return key
}

/** Signs `message`; the signature is r || s, 128 hex digits. */
export function sm2Sign (privateKeyHex: string, message: string | Uint8Array, userId = SM2_DEFAULT_USER_ID): string {
  if (!HEX_PRIVATE_KEY.test(privateKeyHex)) throw new TypeError('an SM2 private key must be 64 hex digits')
  return sm2.doSignature(bytes(message), privateKeyHex, { hash: true, userId })
}

/**
 * True when `signature` (r || s, 128 hex digits) is `message` signed by the holder of
 * `publicKeyHex`. A malformed signature is false; a malformed public key is a configuration
 * error and throws.
 */
export function sm2Verify (publicKeyHex: string, message: string | Uint8Array, signature: string, userId = SM2_DEFAULT_USER_ID): boolean {
  const key = publicKeyPoint(publicKeyHex)
  if (!HEX_XY.test(signature)) return false
  try {
    return sm2.doVerifySignature(bytes(message), signature, key, { hash: true, userId })
  } catch {
    // r or s outside [1, n-1]: not a signature.
    return false
  }
}
