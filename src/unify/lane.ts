// Which lane a record's key falls in, when one ordered source is written through several
// transactions at once: a record always in the same lane, so lanes never share a row.

/** FNV-1a over the key's UTF-16 code units: cheap, and spread evenly over ID numbers and credit codes. */
export function laneOf (key: string, lanes: number): number {
  if (lanes === 1) return 0
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return (h >>> 0) % lanes
}
