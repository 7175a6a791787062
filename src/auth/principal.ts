// Who is calling: a signed-in staff member (session cookie), a machine client (API token) or the
// bootstrap admin token. Routes and the audit log see only this, never how it was proven.
// department-liaison: a department's person (or its system's token) answering the town's whistles, scoped to one department of one county
export const ROLES = ['window-staff', 'grid-staff', 'town-leader', 'county-admin', 'security-admin', 'auditor', 'department-liaison'] as const
export type Role = (typeof ROLES)[number]

export interface Principal {
  kind: 'staff' | 'token' | 'bootstrap'
  /** staff id, token id, or 'bootstrap' */
  id: string
  /** The staff username, the token's name, or 'admin' for the bootstrap token. */
  username: string
  name: string
  /** The 12-digit division code of the staff member's town (a county admin's town lies in the county it administers); null for the bootstrap token. */
  town: string | null
  roles: readonly Role[]
  /** A department liaison's department code (its county is the one its `town` lies in); absent for everyone else. */
  department?: string
}
