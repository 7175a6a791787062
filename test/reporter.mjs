// tap's reporter for `npm test`: the raw TAP as tap prints it, then every failed assertion again
// with its path and diagnostics, so a log that keeps only its tail (CI's) still says what broke.
import { Transform } from 'node:stream'
import { Parser } from 'tap-parser'

export default class FailuresLast extends Transform {
  #failures = []
  #parser = new Parser()

  constructor() {
    super()
    this.#watch(this.#parser)
  }

  #watch(parser) {
    parser.on('assert', (result) => {
      if (!result.ok && !result.todo && !result.skip) this.#failures.push(result)
    })
    parser.on('child', (child) => this.#watch(child))
  }

  _transform(chunk, encoding, done) {
    this.#parser.write(chunk)
    done(null, chunk)
  }

  _flush(done) {
    this.#parser.end()
    // A failed subtest is also reported by its parent; the innermost assertion says what broke.
    const innermost = this.#failures.filter(
      (failure) => !this.#failures.some((other) => other !== failure && other.fullname.startsWith(`${failure.fullname} > `)),
    )
    if (innermost.length > 0) {
      const lines = [`\n# ${innermost.length} failed:`]
      for (const failure of innermost) {
        lines.push(`# not ok ${failure.fullname}`)
        for (const line of JSON.stringify(failure.diag ?? {}, null, 2).split('\n')) lines.push(`#   ${line}`)
      }
      this.push(`${lines.join('\n')}\n`)
    }
    done()
  }
}
