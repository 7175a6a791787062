// Cases of the matters-exchange simulator's town for the outbox and deadline tests: a matter of
// its catalogue stored as the window's, a form filled with values its normalisers accept, and a
// case service reporting to the instance `matters-exchange`.
import { versionsOf, matterNamed } from '../../adapters/matters-exchange/data.ts'
import { toMatter } from '../../adapters/matters-exchange/catalogue.ts'
import { Matter } from '../../src/model/matter.ts'
import type { WorkingCalendar } from '../../src/calendar/calendar.ts'
import { createCaseService } from '../../src/cases/service.ts'
import { storedMatters } from '../../src/cases/matters.ts'
import { reportsTo } from '../../src/cases/reports.ts'
import { storeMatterVersions } from '../../src/store/matters.ts'
import type { Actor, OpenCase } from '../../src/model/case.ts'
import type { Db } from '../../src/store/db.ts'
import { residentIdOf } from '../cases/fixtures.ts'

export const TOWN = '320412120000'
export const INSTANCE = 'matters-exchange'
export const ORG = { code: '11320412MB1K3C2G4B', name: '常州市武进区湟里镇人民政府' }
export const staff: Actor = { kind: 'staff', id: '7', name: '王芳' }
export const ID = residentIdOf('19800101', '123')

/** The simulator's matter `name` in the version it has in force on `day`. */
export function simulatorMatter (name: string, day: string): Matter {
  const versions = versionsOf(matterNamed(name).taskHandleItem).filter((v) => v.planEffectiveDate <= day)
  return Matter.parse(toMatter(versions[versions.length - 1]))
}

const VALUES: Record<string, string> = { text: '张三', idNumber: ID, phone: '13912345678', number: '3000', date: '2026-01-05', division: TOWN, creditCode: '91320412MA1MXXXX1X' }

export function application (m: Matter, overrides: Partial<OpenCase> = {}): OpenCase {
  const formData: Record<string, string> = {}
  for (const f of m.forms.flatMap((form) => form.fields)) {
    if (!f.required && f.type !== 'number') continue
    formData[f.name] = f.type === 'select' ? f.options![0]! : VALUES[f.type]!
  }
  return {
    taskHandleItem: m.taskHandleItem,
    applicant: { kind: 'person', key: ID },
    formData,
    corrections: [],
    materials: m.materials.map((x, i) => ({ name: x.name, provided: x.source === 'sharing' ? 'shared' : i % 2 === 0 ? 'paper' : 'electronic' })),
    ...overrides,
  }
}

/** A case service at `clock.at`, its matters stored, reporting to INSTANCE as the town's ORG. */
export async function caseService (db: Db, clock: { at: string }, calendar: { current: WorkingCalendar }, matters: Matter[]) {
  await storeMatterVersions(db, TOWN, 'catalogue', INSTANCE, matters)
  return createCaseService({ db, calendar: () => calendar.current, matters: storedMatters, reports: reportsTo(INSTANCE, () => ORG), now: () => new Date(clock.at) })
}
