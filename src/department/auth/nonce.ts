import { randomBytes } from 'node:crypto'

/** 32 random hex digits: departments ask for 16 to 32 and refuse a nonce seen again. */
export function nonce (): string {
  return randomBytes(16).toString('hex')
}
