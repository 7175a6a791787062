// The benches `npm run bench` runs: package.json's `bench:<name>` scripts, in their order, each
// read into the node arguments it runs with, so the suite runs every bench exactly as its own
// script does (file-import's capped old space, for one) without repeating the flags here.

export interface Bench {
  name: string
  /** Arguments for node: its flags, then the bench's file. */
  nodeArgs: string[]
}

const PREFIX = 'bench:'

/** Every `bench:<name>` script, as node arguments. A script that is not a plain `node …` command is refused. */
export function benchesOf (scripts: Record<string, string>): Bench[] {
  return Object.entries(scripts).filter(([key]) => key.startsWith(PREFIX)).map(([key, script]) => {
    const [command, ...nodeArgs] = script.trim().split(/\s+/)
    if (command !== 'node' || nodeArgs.length === 0 || nodeArgs.some((a) => /["'$`&|;<>]/.test(a))) {
      throw new Error(`script ${key} must be a plain 'node [flags] bench/<file>.ts' command to run in the suite: ${script}`)
    }
    return { name: key.slice(PREFIX.length), nodeArgs }
  })
}

/** The benches named, in the order given; all of them when none is. An unknown name is refused with the known ones. */
export function select (benches: Bench[], names: string[]): Bench[] {
  if (names.length === 0) return benches
  return names.map((name) => {
    const bench = benches.find((b) => b.name === name)
    if (bench === undefined) throw new Error(`no bench '${name}'; the benches: ${benches.map((b) => b.name).join(', ')}`)
    return bench
  })
}
