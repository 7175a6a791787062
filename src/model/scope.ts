// Which records a principal may see, shared by the store's queries, unify and the faces that ask.

/**
 * Records whose division code starts with `prefix`, and with `unlocated` also those with no
 * division code (a county admin answers for everything the county's deployment holds, including
 * records no department placed).
 */
export interface Scope { prefix: string, unlocated: boolean }

export function inScope (scope: Scope, divisionCode: string | null | undefined): boolean {
  return typeof divisionCode === 'string' ? divisionCode.startsWith(scope.prefix) : scope.unlocated
}
