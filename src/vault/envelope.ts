// Sealed boxes that say how to open them, so data keys can rotate and the configured algorithm
// can change while older boxes stay readable until `tongban vault rotate` rewrites them:
//
//   version (1 byte) | algorithm (1) | data key id (4, big-endian) | nonce | ciphertext | tag
//
// The header is authenticated together with the caller's AAD: neither the key id nor the
// algorithm can be changed without the box failing to open.
//
// aes-256-gcm: 12-byte random nonce, 16-byte tag, the 32-byte data key as is.
// sm4: Node's crypto offers SM4 in ECB, CBC, CFB, OFB and CTR modes but no SM4-GCM, so the box is
//   SM4-CTR (16-byte random IV) followed by HMAC-SM3 over header, IV, AAD and ciphertext —
//   encrypt-then-MAC, the composition that stays secure for any CPA-secure cipher and strong MAC,
//   checked before anything is decrypted. The cipher and MAC keys are derived from the data key
//   with HKDF-SM3 so no key serves two primitives and only national algorithms are involved.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { hmacSm3 } from '../crypto/sm3.ts'
import { TongbanError } from '../errors.ts'

export const VAULT_ALGORITHMS = ['aes-256-gcm', 'sm4'] as const
export type VaultAlgorithm = typeof VAULT_ALGORITHMS[number]

export const KEY_BYTES = 32
const FORMAT_V1 = 1
const HEADER_BYTES = 6
const ALGORITHM_IDS: Record<VaultAlgorithm, number> = { 'aes-256-gcm': 1, sm4: 2 }

interface Layout { nonce: number, tag: number }
const LAYOUTS: Record<VaultAlgorithm, Layout> = { 'aes-256-gcm': { nonce: 12, tag: 16 }, sm4: { nonce: 16, tag: 32 } }

export interface BoxHeader { algorithm: VaultAlgorithm, keyId: number }

function header (algorithm: VaultAlgorithm, keyId: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES)
  h.writeUInt8(FORMAT_V1, 0)
  h.writeUInt8(ALGORITHM_IDS[algorithm], 1)
  h.writeUInt32BE(keyId, 2)
  return h
}

/** Reads the header of a box; `label` names the secret in errors (never its content). */
export function readHeader (box: Buffer, label: string): BoxHeader {
  if (box.length < HEADER_BYTES) throw new TongbanError('TB_VAULT_CIPHERTEXT_INVALID', [label, `${box.length} bytes is shorter than a header`])
  const version = box.readUInt8(0)
  if (version !== FORMAT_V1) throw new TongbanError('TB_VAULT_CIPHERTEXT_INVALID', [label, `format version ${version} is unknown`])
  const id = box.readUInt8(1)
  const algorithm = VAULT_ALGORITHMS.find((a) => ALGORITHM_IDS[a] === id)
  if (!algorithm) throw new TongbanError('TB_VAULT_CIPHERTEXT_INVALID', [label, `algorithm ${id} is unknown`])
  const { nonce, tag } = LAYOUTS[algorithm]
  if (box.length < HEADER_BYTES + nonce + tag) throw new TongbanError('TB_VAULT_CIPHERTEXT_INVALID', [label, `${box.length} bytes is too short for ${algorithm}`])
  return { algorithm, keyId: box.readUInt32BE(2) }
}

function sm4Keys (key: Buffer): { cipherKey: Buffer, macKey: Buffer } {
  const okm = Buffer.from(hkdfSync('sm3', key, Buffer.alloc(0), 'tongban vault sm4-ctr+hmac-sm3 v1', 16 + 32))
  return { cipherKey: okm.subarray(0, 16), macKey: okm.subarray(16) }
}

function sm3Mac (macKey: Buffer, head: Buffer, iv: Buffer, aad: Buffer, ciphertext: Buffer): Buffer {
  const aadLength = Buffer.alloc(4)
  aadLength.writeUInt32BE(aad.length) // keeps the AAD / ciphertext boundary unambiguous
  return hmacSm3(macKey, Buffer.concat([head, iv, aadLength, aad, ciphertext]))
}

export function seal (algorithm: VaultAlgorithm, key: Buffer, keyId: number, plaintext: Buffer, aad: Buffer): Buffer {
  const head = header(algorithm, keyId)
  const nonce = randomBytes(LAYOUTS[algorithm].nonce)
  if (algorithm === 'aes-256-gcm') {
    const cipher = createCipheriv('aes-256-gcm', key, nonce)
    cipher.setAAD(Buffer.concat([head, aad]))
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
    return Buffer.concat([head, nonce, ciphertext, cipher.getAuthTag()])
  }
  const { cipherKey, macKey } = sm4Keys(key)
  const cipher = createCipheriv('sm4-ctr', cipherKey, nonce)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([head, nonce, ciphertext, sm3Mac(macKey, head, nonce, aad, ciphertext)])
}

/** Opens a box sealed for `aad`; any change to it, another AAD or another key is TB_VAULT_DECRYPT_FAILED. */
export function unseal (key: Buffer, box: Buffer, aad: Buffer, label: string): Buffer {
  const { algorithm } = readHeader(box, label)
  const layout = LAYOUTS[algorithm]
  const head = box.subarray(0, HEADER_BYTES)
  const nonce = box.subarray(HEADER_BYTES, HEADER_BYTES + layout.nonce)
  const ciphertext = box.subarray(HEADER_BYTES + layout.nonce, box.length - layout.tag)
  const tag = box.subarray(box.length - layout.tag)
  if (algorithm === 'aes-256-gcm') {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce)
    decipher.setAAD(Buffer.concat([head, aad]))
    decipher.setAuthTag(tag)
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()])
    } catch {
      throw new TongbanError('TB_VAULT_DECRYPT_FAILED', [label])
    }
  }
  const { cipherKey, macKey } = sm4Keys(key)
  if (!timingSafeEqual(tag, sm3Mac(macKey, head, nonce, aad, ciphertext))) throw new TongbanError('TB_VAULT_DECRYPT_FAILED', [label])
  const decipher = createDecipheriv('sm4-ctr', cipherKey, nonce)
  return Buffer.concat([decipher.update(ciphertext), decipher.final()])
}
