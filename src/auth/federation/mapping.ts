// From what the identity platform says about a person (OIDC claims, CAS attributes) to who they
// are in tongban: username, name, town and roles, by the configured mapping. Anything missing or
// unmappable is refused with the reason, never guessed.
import { TongbanError } from '../../errors.ts'
import { ROLES, type Role } from '../principal.ts'
import type { RoleMapping, TownMapping } from './config.ts'

/** A person as the identity platform vouches for them, mapped to tongban's terms. */
export interface FederatedIdentity {
  /** The OIDC issuer or the CAS server URL. */
  issuer: string
  /** The OIDC `sub` or the CAS user: stable at the issuer, the key of the link. */
  subject: string
  username: string
  /** Absent when the platform sent no name (the username stands in for a new account). */
  name?: string
  /** Absent when no town mapping is configured (an existing account keeps its town). */
  town?: string
  /** Absent when no roles mapping is configured (an existing account keeps its roles). */
  roles?: Role[]
}

export interface MappingRules {
  /** The claim holding the username; undefined: the subject is the username (CAS). */
  username: string | undefined
  name: string
  town?: TownMapping | undefined
  roles?: RoleMapping | undefined
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/
const TOWN = /^\d{12}$/
const ROLE_SET = new Set<string>(ROLES)

const fail = (reason: string): TongbanError => new TongbanError('TB_FEDERATION_FAILED', [reason])

/** The claim's value: a top-level claim, or a nested one by dotted path (`address.region`). */
export function claimValue (claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name]
  let value: unknown = claims
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

/** A claim's values as strings: one for a string or number, each for an array; empty when absent. */
export function claimStrings (value: unknown): string[] {
  const one = (v: unknown): string[] => typeof v === 'string' ? (v.trim() === '' ? [] : [v.trim()]) : typeof v === 'number' && Number.isSafeInteger(v) ? [String(v)] : []
  return Array.isArray(value) ? value.flatMap(one) : one(value)
}

const shown = (values: string[]): string => values.length <= 5 ? values.join(', ') : `${values.slice(0, 5).join(', ')}, … (${values.length} values)`

/**
 * Whether a town may sign in here: one of the configured towns, or in the county (first six
 * digits) of one, which covers a county admin whose town is the county seat.
 */
export function townServed (town: string, configuredTowns: readonly string[]): boolean {
  return configuredTowns.some((c) => c === town || c.slice(0, 6) === town.slice(0, 6))
}

export function mapIdentity (
  claims: Readonly<Record<string, unknown>>,
  rules: MappingRules,
  context: { issuer: string, subject: string, configuredTowns: readonly string[], what: 'claim' | 'attribute' },
): FederatedIdentity {
  const { what } = context
  if (context.subject.trim() === '') throw fail(`the identity platform named no subject (${what === 'claim' ? 'sub' : 'cas:user'})`)

  let username: string
  if (rules.username === undefined) {
    username = context.subject.trim().toLowerCase()
  } else {
    const [value] = claimStrings(claimValue(claims, rules.username))
    if (value === undefined) throw fail(`${what} ${rules.username} (the username) is missing`)
    username = value.toLowerCase()
  }
  if (!USERNAME.test(username)) {
    throw fail(`${rules.username === undefined ? 'the CAS user' : `${what} ${rules.username}`} "${username}" is not a usable tongban username (lowercase letters, digits, . _ -, 2-64 characters); map another ${what} to the username`)
  }

  const identity: FederatedIdentity = { issuer: context.issuer, subject: context.subject, username }
  const [name] = claimStrings(claimValue(claims, rules.name))
  if (name !== undefined) identity.name = name.slice(0, 64)

  if (rules.town) {
    let town: string
    if ('fixed' in rules.town) {
      town = rules.town.fixed
    } else {
      const values = claimStrings(claimValue(claims, rules.town.claim))
      if (values.length === 0) throw fail(`${what} ${rules.town.claim} (the town) is missing`)
      if (values.length > 1) throw fail(`${what} ${rules.town.claim} (the town) has ${values.length} values; it must name one town`)
      town = values[0]!
      if (!TOWN.test(town)) throw fail(`${what} ${rules.town.claim} (the town) is "${town}", not a 12-digit division code`)
    }
    if (!townServed(town, context.configuredTowns)) throw fail(`town ${town} is outside the towns and counties this gateway serves`)
    identity.town = town
  }

  if (rules.roles) {
    const values = claimStrings(claimValue(claims, rules.roles.claim))
    if (values.length === 0) throw fail(`${what} ${rules.roles.claim} (the roles) is missing`)
    const roles = new Set<Role>()
    for (const value of values) {
      const granted = rules.roles.map[value]
      for (const role of granted === undefined ? [] : Array.isArray(granted) ? granted : [granted]) {
        if (ROLE_SET.has(role)) roles.add(role)
      }
    }
    if (roles.size === 0) throw fail(`none of the values of ${what} ${rules.roles.claim} (${shown(values)}) maps to a tongban role`)
    identity.roles = ROLES.filter((r) => roles.has(r))
  }
  return identity
}
