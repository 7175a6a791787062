// The adapters this build knows, by id. Adding a department system means adding its folder
// and one line here.
import type { AdapterDefinition } from '../src/adapter-sdk/index.ts'
import householdRegistration from './household-registration/adapter.ts'
import marketRegulation from './market-regulation/adapter.ts'

export const adapters: Readonly<Record<string, AdapterDefinition>> = {
  [householdRegistration.id]: householdRegistration,
  [marketRegulation.id]: marketRegulation,
}
