// The five levels of 好差评 and the two stages a case is rated at, as the provincial platform
// numbers them.
import type { RatingStage } from '../store/ratings.ts'
import type { CaseRow } from '../store/cases.ts'

export const LEVELS = [1, 2, 3, 4, 5] as const

/** 差评: level 1 (非常不满意) or 2 (不满意). */
export const isBad = (level: number): boolean => level <= 2

/** `evalStage` of the platform's evaluation report. */
export const EVAL_STAGE: Record<RatingStage, '1' | '2'> = { accept: '1', conclude: '2' }

/** The window's tablet, as the platform counts channels. */
export const TABLET_CHANNEL = '01'

/** Whether the case has reached the stage: accepted (受理) or concluded (办结). */
export function stageReached (c: Pick<CaseRow, 'acceptedAt' | 'concludedAt'>, stage: RatingStage): boolean {
  return stage === 'accept' ? c.acceptedAt !== null : c.concludedAt !== null
}

/** The applicant's name with all but its first character hidden (张三丰 → 张**): the tablet faces the room. */
export function maskName (name: string): string {
  const chars = [...name]
  return chars.length <= 1 ? '*' : chars[0] + '*'.repeat(chars.length - 1)
}
