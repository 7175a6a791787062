// Names of the places a report names, from the configured towns and their villages: the API and the
// portal show a code with its name.
export interface Towns { readonly towns: ReadonlyArray<{ code: string, name: string, villages: ReadonlyArray<{ code: string, name: string }> }> }

export function townPlace (c: Towns, code: string): { code: string, name: string } {
  return { code, name: c.towns.find((t) => t.code === code)?.name ?? code }
}

export function villagePlace (c: Towns, town: string, code: string): { code: string, name: string } {
  const name = c.towns.find((t) => t.code === town)?.villages.find((v) => v.code === code)?.name
  return { code, name: name ?? code }
}

/** Whole hours from `from` to `to` (the age of a report). */
export function hoursBetween (from: string, to: string): number {
  return Math.max(0, Math.floor((Date.parse(to) - Date.parse(from)) / 3_600_000))
}
