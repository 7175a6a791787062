// Built-in passwords: argon2id (OWASP's recommended parameters are the library's defaults) and a
// policy a town hall can live with: 10+ characters from three of four classes, not the username.
import { hash, verify } from '@node-rs/argon2'
import { TongbanError } from '../errors.ts'

const MIN_LENGTH = 10
const MAX_LENGTH = 256

/** Throws TB_PASSWORD_WEAK with the reason when the password breaks the policy. */
export function checkPolicy (password: string, username: string): void {
  const why = policyProblem(password, username)
  if (why) throw new TongbanError('TB_PASSWORD_WEAK', [why])
}

function policyProblem (password: string, username: string): string | undefined {
  if (password.length < MIN_LENGTH) return `at least ${MIN_LENGTH} characters`
  if (password.length > MAX_LENGTH) return `at most ${MAX_LENGTH} characters`
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^a-zA-Z\d]/].filter((re) => re.test(password)).length
  if (classes < 3) return 'three of: lowercase letters, uppercase letters, digits, other characters'
  if (password.toLowerCase().includes(username.toLowerCase())) return 'must not contain the username'
  return undefined
}

export async function hashPassword (password: string): Promise<string> {
  return await hash(password, { algorithm: 2 /* argon2id */ })
}

export async function verifyPassword (stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password)
  } catch {
    return false
  }
}
