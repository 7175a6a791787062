// The departments a town may summon (config.whistles.departments), looked up by code and by
// county, and the rule that binds a department liaison — a staff account or an API token — to one
// of them: the role and the department come together, and the liaison's town lies in the
// department's county.
import { TongbanError } from '../errors.ts'
import type { Role } from '../auth/principal.ts'
import type { DepartmentConfig } from '../config/whistles.ts'

export const LIAISON_ROLE = 'department-liaison' satisfies Role

/** Where a department's webhook endpoint and secret are kept in the vault (service credentials `{url, secret}`). */
export const vaultNameOf = (code: string): string => `department:${code}`

/** The department code a vault name or outbox instance `department:<code>` names, or undefined. */
export function departmentOfInstance (instance: string): string | undefined {
  return instance.startsWith('department:') ? instance.slice('department:'.length) : undefined
}

export interface DepartmentRegistry {
  readonly all: readonly DepartmentConfig[]
  find: (code: string) => DepartmentConfig | undefined
  /** The departments serving a county (6 digits, or any division code whose first 6 digits are the county's). */
  inCounty: (county: string) => DepartmentConfig[]
  /** The department's name, or its code when it is not configured (an old event may name a removed one). */
  nameOf: (code: string) => string
  /**
   * Refuses (400) an account or token whose role and department do not go together: a liaison
   * names a configured department, is only a liaison, and its town lies in that department's
   * county; no one else names a department.
   */
  checkLiaison: (who: { roles: readonly Role[], department?: string | null | undefined, town: string }) => void
}

const countyOf = (code: string): string => code.slice(0, 6)

export function departmentRegistry (departments: readonly DepartmentConfig[]): DepartmentRegistry {
  const byCode = new Map(departments.map((d) => [d.code, d]))
  const find = (code: string): DepartmentConfig | undefined => byCode.get(code)
  return {
    all: departments,
    find,
    inCounty: (county) => departments.filter((d) => countyOf(d.county) === countyOf(county)),
    nameOf: (code) => byCode.get(code)?.name ?? code,
    checkLiaison ({ roles, department, town }) {
      const liaison = roles.includes(LIAISON_ROLE)
      if (!liaison && (department ?? null) !== null) throw new TongbanError('TB_LIAISON_INVALID', [`department ${department} is given, but only the ${LIAISON_ROLE} role answers for a department`])
      if (!liaison) return
      if (!department) throw new TongbanError('TB_LIAISON_INVALID', [`the ${LIAISON_ROLE} role needs a department (--department <code>)`])
      const found = find(department)
      if (!found) throw new TongbanError('TB_LIAISON_DEPARTMENT_UNKNOWN', [department, departments.map((d) => d.code).join(', ') || '(none)'])
      if (roles.length > 1) throw new TongbanError('TB_LIAISON_INVALID', [`a ${LIAISON_ROLE} has no other role (a department never closes what the town decides)`])
      if (countyOf(town) !== countyOf(found.county)) throw new TongbanError('TB_LIAISON_INVALID', [`town ${town} is not in county ${countyOf(found.county)} of department ${department}`])
    },
  }
}
