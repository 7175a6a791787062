// Where a value sits in a department's JSON answer, written as a dotted path (`data.list`).
import { DepartmentUnavailableError } from './errors.ts'

/** A compiled dotted path: the value at `data.list`, or undefined when any step is missing. */
export function select (path: string): (value: unknown) => unknown {
  const steps = path.split('.')
  return (value) => {
    let at = value
    for (const step of steps) {
      if (typeof at !== 'object' || at === null) return undefined
      at = (at as Record<string, unknown>)[step]
    }
    return at
  }
}

/** The answer's records at `path`; an answer without that list is the department failing, not an empty page. */
export function recordSelector (department: string, path: string): (answer: unknown) => unknown[] {
  const at = select(path)
  return (answer) => {
    const list = at(answer)
    if (!Array.isArray(list)) throw new DepartmentUnavailableError(department, `the answer has no list at ${path}`)
    return list
  }
}
