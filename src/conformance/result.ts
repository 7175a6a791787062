// What one conformance check found: passed, failed (with what is wrong and where), or skipped
// (with why it could not run). A report is the list of them for one adapter.
import { errorCatalogue, type ErrorCode } from '../errors.ts'

export type Outcome = 'pass' | 'fail' | 'skip'

export interface CheckResult {
  name: string
  outcome: Outcome
  /** One line: what was checked and how it went. */
  summary: string
  /** Each finding on its own line: what is wrong, where, and with which input. */
  details: string[]
}

export interface Report {
  adapter: string
  /** built-in, or the file the adapter was imported from. */
  source: string
  /** The fuzzer's seed: the same seed gives the same inputs. */
  seed: number
  againstSimulator: boolean
  checks: CheckResult[]
  ok: boolean
  /** How long the checks took, in milliseconds. */
  durationMs: number
}

export const pass = (name: string, summary: string, details: string[] = []): CheckResult => ({ name, outcome: 'pass', summary, details })
export const fail = (name: string, summary: string, details: string[]): CheckResult => ({ name, outcome: 'fail', summary, details })
export const skip = (name: string, why: string): CheckResult => ({ name, outcome: 'skip', summary: why, details: [] })

/** A check that fails when it found anything. */
export function verdict (name: string, findings: string[], passed: string, failed: string): CheckResult {
  return findings.length === 0 ? pass(name, passed) : fail(name, failed, findings)
}

export const isCatalogueCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(errorCatalogue, code)

/**
 * Every reason code the adapter gave while the checks ran (rejections of raw records, normaliser
 * verdicts, errors it threw), with where it was first seen: the reason-code check reads it last.
 */
export class CodesSeen {
  private readonly where = new Map<string, string>()
  add (code: unknown, where: string): void {
    const key = String(code)
    if (!this.where.has(key)) this.where.set(key, where)
  }

  entries (): Array<[code: string, where: string]> {
    return [...this.where]
  }
}
