// A file drop's reading on files no department should leave: the fuzzed bodies, each streamed in
// chunks cut at seeded places (a character's bytes may arrive in two chunks, as from SFTP), read by
// the platform's file reader with the adapter's declaration, and the manifest parser on the same
// bytes. A file may be refused only with a catalogue error (TB_FILE_UNREADABLE, TB_FILE_INTEGRITY):
// the platform then sets it aside whole and reports it; anything else fails its import for good.
import type { AdapterDefinition, FileDrop, FileInfo, RawRecord } from '../adapter-sdk/index.ts'
import { readFileRecords } from '../adapter-sdk/file-reader.ts'
import { mulberry32 } from '../adapter-sdk/testkit/random.ts'
import { isTongbanError } from '../errors.ts'
import { fuzzInputs, preview, type FuzzInput } from './fuzz.ts'
import { recordsProblem, thrownProblem } from './outputs.ts'
import { pass, skip, verdict, type CheckResult, type CodesSeen } from './result.ts'

const NAME = 'files: reading fuzzed files throws only catalogue errors'

/** `body` as up to four chunks, cut at places drawn from `rng`. */
function chunks (body: Buffer, rng: () => number): Buffer[] {
  const cuts = [0, ...Array.from({ length: 3 }, () => Math.floor(rng() * body.length)).sort((a, b) => a - b), body.length]
  return cuts.slice(1).map((end, i) => body.subarray(cuts[i], end)).filter((c) => c.length > 0)
}

async function * streamed (parts: readonly Buffer[]): AsyncIterable<Buffer> {
  for (const part of parts) yield part
}

async function readAll (drop: FileDrop, parts: readonly Buffer[], file: FileInfo): Promise<RawRecord[]> {
  const records: RawRecord[] = []
  for await (const record of readFileRecords(drop, streamed(parts), file)) records.push(record)
  return records
}

export async function checkFileFuzz (adapter: AdapterDefinition, seed: number, seen: CodesSeen): Promise<CheckResult> {
  const drop = adapter.files
  if (!drop) return skip(NAME, 'the adapter takes no file drops')
  const inputs: FuzzInput[] = fuzzInputs(seed)
  const rng = mulberry32(seed ^ 0x66696c65)
  const findings: string[] = []
  for (const input of inputs) {
    const file: FileInfo = { name: 'conformance.csv', size: input.body.length, modifiedAt: new Date() }
    const parts = chunks(input.body, rng)
    const where = `input ${input.name} (seed ${seed}) ${parts.length === 0 ? 'as no chunk at all' : `in ${parts.length} chunk(s) of ${parts.map((p) => p.length).join('+')} bytes`}`
    let problem: string | undefined
    try {
      problem = recordsProblem(await readAll(drop, parts, file), seen, `reading ${where}`)
    } catch (err) {
      if (isTongbanError(err)) seen.add(err.code, `reading ${where}`)
      problem = thrownProblem(err)
    }
    if (problem) findings.push(`${where}: ${problem}\n    body: ${preview(input.body)}`)
    if (!drop.manifest) continue
    try {
      drop.manifest.parse(input.body, file.name)
    } catch (err) {
      if (isTongbanError(err)) seen.add(err.code, `the manifest ${input.name}`)
      const bad = thrownProblem(err)
      if (bad) findings.push(`input ${input.name} (seed ${seed}) as a manifest: manifest.parse ${bad}\n    body: ${preview(input.body)}`)
    }
  }
  if (findings.length === 0) return pass(NAME, `${inputs.length} fuzzed files (seed ${seed}), streamed in chunks: each read or refused with a catalogue error`)
  return verdict(NAME, findings, '', `${findings.length} of ${inputs.length} fuzzed files (seed ${seed}) broke the reading`)
}
