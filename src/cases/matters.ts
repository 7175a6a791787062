// The matters a case reads, from the matter store: what the town offers today, and the exact
// version a case was opened under (withdrawn or not).
import { matterOf, matterVersion } from '../store/matters.ts'
import type { MatterLookup } from './service.ts'

export const storedMatters: MatterLookup = {
  inForce: async (q, town, taskHandleItem, day) => (await matterOf(q, { town, taskHandleItem, on: day }))?.inForce?.matter,
  version: async (q, town, taskHandleItem, version) => (await matterVersion(q, taskHandleItem, version, town))?.matter,
}
