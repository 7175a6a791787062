// Several values in one department field (`老年人、高血压`): split, each through the item's
// normaliser, in the order given, each value once.
import { trimSpace } from './chars.ts'
import { ok, type Normalized } from './result.ts'

/**
 * A list normaliser: the input split by `separator`, blank items skipped, each item through `item`;
 * the first item that fails fails the list with the item's code, its message naming the item's
 * place (`item 2 of 3`). A value given twice is kept once.
 */
export function listOf<T> (separator: string, item: (input: string) => Normalized<T, unknown>): (input: string) => Normalized<T[]> {
  return (input: string): Normalized<T[]> => {
    const parts = input.split(separator).map(trimSpace).filter((p) => p !== '')
    const out: T[] = []
    for (const [i, part] of parts.entries()) {
      const one = item(part)
      if (!one.ok) return { ok: false, error: { code: one.error.code, message: `${one.error.message} (item ${i + 1} of ${parts.length} in ${JSON.stringify(input)})` } }
      if (!out.includes(one.value)) out.push(one.value)
    }
    return ok(out)
  }
}
