// The matters a case reads, from the matter store: what the town offers today, and the exact
// version a case was opened under (withdrawn or not).
import type { Queryable } from '../store/db.ts'
import { matterOf, matterVersion } from '../store/matters.ts'
import type { MatterLookup } from './service.ts'

export function storedMatters (db: Queryable): MatterLookup {
  return {
    inForce: async (town, taskHandleItem, day) => (await matterOf(db, { town, taskHandleItem, on: day }))?.inForce?.matter,
    version: async (town, taskHandleItem, version) => (await matterVersion(db, taskHandleItem, version, town))?.matter,
  }
}
