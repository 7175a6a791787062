// `tongban normalize <kind> [value]`: the platform's normalisers for integrators. With a value
// it prints one JSON result and exits 0 (ok) or 1; without, it reads one value per line from
// standard input and prints one JSON result per line (exit 1 if any line failed).
import { createInterface } from 'node:readline'
import {
  capital, creditCode, date, divisionCode, ethnicityCode, genderCode, personName, phone, residentId,
  type Normalizer,
} from '../normalize/index.ts'

export const kinds: Readonly<Record<string, Normalizer>> = {
  id: residentId,
  'credit-code': creditCode,
  division: divisionCode,
  date,
  phone,
  gender: genderCode,
  ethnicity: ethnicityCode,
  name: personName,
  capital,
}

export const NORMALIZE_USAGE = `Usage: tongban normalize <kind> [value]
Kinds: ${Object.keys(kinds).join(', ')}
Without a value, reads one value per line from standard input.`

/** Returns the exit code. */
export async function normalizeCommand (args: readonly string[], input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<number> {
  const [kind, ...values] = args
  const normalize = kind === undefined ? undefined : kinds[kind]
  if (!normalize || values.length > 1) {
    process.stderr.write(`${kind === undefined || normalize ? '' : `tongban: unknown kind "${kind}"\n`}${NORMALIZE_USAGE}\n`)
    return 2
  }
  if (values.length === 1) {
    const result = normalize(values[0]!)
    output.write(`${JSON.stringify(result)}\n`)
    return result.ok ? 0 : 1
  }
  let failed = false
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    const result = normalize(line)
    if (!result.ok) failed = true
    output.write(`${JSON.stringify(result)}\n`)
  }
  return failed ? 1 : 0
}
