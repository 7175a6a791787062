// The names a scaffold's templates are filled with.
import { randomBytes } from 'node:crypto'
import type { ScaffoldOptions } from './options.ts'

export interface Names {
  id: string
  department: string
  /** PascalCase of the id, for type names. */
  type: string
  /** Relative import of src/adapter-sdk from the adapter's folder. */
  sdk: string
  /** Relative import of src/ from the adapter's folder (tests use the platform's mapper and the conformance kit). */
  src: string
  /** Seeds the data generator's salt, so two scaffolded departments do not generate the same people. */
  salt: string
}

export function namesOf (options: ScaffoldOptions, src: string): Names {
  return {
    id: options.id,
    department: options.department,
    type: options.id.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(''),
    sdk: `${src}/adapter-sdk`,
    src,
    salt: randomBytes(3).toString('hex'),
  }
}
