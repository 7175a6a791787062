// Resolving a conflict writes the record's history in every case: a new value as a change, and
// keeping the current value as a row naming the resolution (the same value before and after).
import t from 'tap'
import { unify } from '../../src/unify/unify.ts'
import { resolveConflict } from '../../src/unify/resolve.ts'
import { defaultSurvivorship, RESOLUTION } from '../../src/unify/survivorship.ts'
import householdRegistration from '../../adapters/household-registration/adapter.ts'
import { openConflictsOf } from '../../src/store/conflicts.ts'
import { recordHistory } from '../../src/store/history.ts'
import type { MappedRecord } from '../../src/model/intake.ts'
import { stores } from '../helpers.ts'

const RULES = defaultSurvivorship([{ instance: 'household-registration', kind: 'person', fields: householdRegistration.authority }])

const HR = 'household-registration'
const MR = 'market-regulation'
const ALL = { prefix: '', unlocated: true }

function observed (adapter: string, key: string, name: string, second: number): MappedRecord {
  return { kind: 'person', key, sourceId: `${adapter}#${second}`, observedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)), data: { idNumber: key, name } }
}

for (const [store, open] of Object.entries(stores)) {
  t.test(`a resolution is in the history, also when it keeps the current value (${store})`, async (t) => {
    const { db } = await open(t)
    const conflictOn = async (key: string): Promise<number> => {
      await db.transaction(async (tx) => await unify(tx, RULES, HR, [observed(HR, key, '张伟', 1)]))
      await db.transaction(async (tx) => await unify(tx, RULES, MR, [observed(MR, key, '张玮', 2)]))
      const [conflict] = await openConflictsOf(db, 'person', key)
      t.ok(conflict, `${key}: the departments disagree on the name`)
      return conflict!.id
    }
    const resolutions = async (key: string) =>
      (await recordHistory(db, 'person', key, undefined, 50)).items.filter((h) => h.source.adapter === RESOLUTION)

    const KEEP = '320412198001010011'
    const keepId = await conflictOn(KEEP)
    await resolveConflict(db, keepId, { value: '张伟', reason: '核对户口簿原件', resolvedBy: 'wang.fang', scope: ALL })
    const kept = await resolutions(KEEP)
    t.equal(kept.length, 1, 'keeping the current value leaves a row')
    t.match(kept[0], { changedBy: 'wang.fang', source: { adapter: RESOLUTION, sourceId: `conflict/${keepId}` }, changes: [{ field: 'name', old: '张伟', new: '张伟' }] })

    const CHANGE = '32041219900202002X'
    const changeId = await conflictOn(CHANGE)
    await resolveConflict(db, changeId, { value: '张玮', reason: '核对身份证', resolvedBy: 'wang.fang', scope: ALL })
    t.match(await resolutions(CHANGE), [{ changedBy: 'wang.fang', source: { sourceId: `conflict/${changeId}` }, changes: [{ field: 'name', old: '张伟', new: '张玮' }] }], 'a new value, as before')
  })
}
