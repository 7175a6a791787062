// Writes the bench's drop file in its own process, so that its memory is not counted in the
// import's peak RSS: `node --import tsx bench/drop-file.ts '{"dir":…,"rows":…}'` prints the file as JSON.
import { writeDrop } from '../test/files/drop-data.ts'

const { dir, rows } = JSON.parse(process.argv[2]!) as { dir: string, rows: number }
console.log(JSON.stringify(await writeDrop(dir, 'RK_20261201.csv', { seed: 1, count: rows, wide: true })))
