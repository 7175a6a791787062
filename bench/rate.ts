// The rate of a small pure function on one core: the median of 5 rounds of 0.3 s each, after a
// warm-up, calling `body` on inputs 0 … size-1 in turn (size a power of two). Its results are
// summed into `sink` so the work cannot be optimised away.
export let sink = 0

export function medianRate (body: (i: number) => number, size: number, opts: { warmUp: number, batch: number }): number {
  const mask = size - 1
  for (let i = 0; i < opts.warmUp; i++) sink += body(i & mask)
  const samples: number[] = []
  for (let round = 0; round < 5; round++) {
    let n = 0
    const start = process.hrtime.bigint()
    let elapsed = 0n
    while (elapsed < 300_000_000n) {
      for (let i = 0; i < opts.batch; i++) sink += body((n + i) & mask)
      n += opts.batch
      elapsed = process.hrtime.bigint() - start
    }
    samples.push(n / (Number(elapsed) / 1e9))
  }
  samples.sort((a, b) => a - b)
  return samples[2]!
}
