// Cases for the rating tests, written through the case store as the case service would leave them
// (received, accepted, concluded, with their events and a legal clock), so ratings and figures can
// be tested without a matter catalogue.
import type { Queryable } from '../../src/store/db.ts'
import type { Actor } from '../../src/model/case.ts'
import { appendCaseEvent, insertCase, updateCase, writeCaseDeadlines } from '../../src/store/cases.ts'

export const TOWN = '320412120000'
export const OTHER_TOWN = '320412121000'
export const TASK_CODE = '11320412MB1K3C2G4B2000021300200'
export const ITEM = `${TASK_CODE}01`
export const OTHER_ITEM = '11320412014160587X1000201001000'

export const WANG: Actor = { kind: 'staff', id: '7', name: '王窗口' }
export const LI: Actor = { kind: 'staff', id: '8', name: '李窗口' }

export interface SeedCase {
  seq: number
  town?: string
  item?: string
  matterName?: string
  receivedAt: string
  receivedBy?: Actor
  acceptedAt?: string
  acceptedBy?: Actor
  concludedAt?: string
  concludedBy?: Actor
  /** The legal clock's last day (YYYY-MM-DD); null: uncomputable. */
  legalDue?: string | null
  applicantName?: string
}

/** A case number of the demo's matter on the day received and the given sequence. */
export const projectNoOf = (receivedAt: string, seq: number): string => `${TASK_CODE}${receivedAt.slice(0, 10).replace(/-/g, '')}${String(seq).padStart(4, '0')}`

export async function seedCase (db: Queryable, s: SeedCase): Promise<string> {
  const projectNo = projectNoOf(s.receivedAt, s.seq)
  const receivedBy = s.receivedBy ?? WANG
  const town = s.town ?? TOWN
  await insertCase(db, {
    projectNo, town, taskHandleItem: s.item ?? ITEM, taskVersion: 1, matterName: s.matterName ?? '临时救助申请', state: 'received',
    applicant: { kind: 'person', key: '320412199501178919', name: s.applicantName ?? '邓建军' }, contact: undefined, formData: {}, corrections: [], materials: [],
    receivedBy, receivedAt: s.receivedAt,
  })
  await appendCaseEvent(db, projectNo, { action: 'receive', from: null, to: 'received', actor: receivedBy, at: s.receivedAt, reason: null, data: {} }, undefined)
  let version = 1
  if (s.acceptedAt) {
    await updateCase(db, projectNo, version++, { state: 'processing', acceptedAt: s.acceptedAt }, s.acceptedAt)
    await appendCaseEvent(db, projectNo, { action: 'accept', from: 'received', to: 'processing', actor: s.acceptedBy ?? receivedBy, at: s.acceptedAt, reason: null, data: {} }, undefined)
  }
  if (s.concludedAt) {
    await updateCase(db, projectNo, version++, { state: 'concluded', result: 'approved', concludedAt: s.concludedAt }, s.concludedAt)
    await appendCaseEvent(db, projectNo, { action: 'conclude', from: 'processing', to: 'concluded', actor: s.concludedBy ?? s.acceptedBy ?? receivedBy, at: s.concludedAt, reason: null, data: {} }, undefined)
  }
  if (s.legalDue !== undefined) {
    const met = s.concludedAt ?? null
    await writeCaseDeadlines(db, projectNo, town, [{
      kind: 'legal',
      state: met ? 'met' : s.legalDue === null ? 'uncomputable' : 'running',
      due: s.legalDue,
      metAt: met,
      explanation: null,
      problem: s.legalDue === null ? 'past the calendar' : null,
    }], 'test-calendar')
  }
  return projectNo
}
