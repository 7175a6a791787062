// Every reason code the adapter can give is in the error catalogue (src/errors.ts): the TB_ codes
// its sources name, and every code it gave while the other checks ran (rejections in raw records,
// codes on the errors it threw). A code outside the catalogue reaches quarantine and the API with
// no status, no message and no documentation.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { isCatalogueCode, verdict, type CheckResult, type CodesSeen } from './result.ts'

const NAME = 'reason codes are in the catalogue'
const SOURCE = /\.(ts|js|mjs|cjs)$/
const CODE = /['"`](TB_[A-Z0-9_]+)['"`]/g

function sourceFiles (folder: string): string[] {
  const files: string[] = []
  for (const entry of readdirSync(folder)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue
    const path = join(folder, entry)
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path))
    else if (SOURCE.test(entry) && !/\.test\./.test(entry)) files.push(path)
  }
  return files
}

export function checkReasonCodes (folder: string | undefined, seen: CodesSeen): CheckResult {
  const findings: string[] = []
  let named = 0
  for (const file of folder ? sourceFiles(folder) : []) {
    const lines = readFileSync(file, 'utf8').split('\n')
    lines.forEach((line, i) => {
      for (const [, code] of line.matchAll(CODE)) {
        named++
        if (!isCatalogueCode(code)) findings.push(`${relative(process.cwd(), file)}:${i + 1} names ${code}, which the catalogue does not have`)
      }
    })
  }
  const given = seen.entries()
  for (const [code, where] of given) {
    if (!isCatalogueCode(code)) findings.push(`${where} gave reason code ${code}, which the catalogue does not have`)
  }
  return verdict(NAME, findings, `${named} code(s) named in the sources and ${given.length} given while checking are all catalogued`, `${findings.length} reason code(s) outside the catalogue`)
}
