// `tongban adapter new <id> --mode … --transport … --auth … [--dir <where>]`: scaffolds a new
// department's adapter folder (src/cli/scaffold/) and says what to do next.
import { parseArgs } from 'node:util'
import { AUTHS, checkOptions, MODES, TRANSPORTS } from './scaffold/options.ts'

export const ADAPTER_NEW_USAGE = `Usage: tongban adapter new <id> --mode ${MODES.join('|')} --transport ${TRANSPORTS.join('|')}
                           --auth ${AUTHS.join('|')} [--department <name>] [--dir <where>]
  <id>               the adapter id: lowercase letters, digits and dashes (the folder's name)
  --department       the department's name as people read it (default "<id> 部门系统")
  --dir <where>      the folder to write (default adapters/<id>/, which the build picks up by itself;
                     elsewhere, configure an instance with path: <where>)`

interface Streams { stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream }

/** Returns the exit code. */
export async function adapterNewCommand (args: readonly string[], io: Streams): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { mode: { type: 'string' }, transport: { type: 'string' }, auth: { type: 'string' }, department: { type: 'string' }, dir: { type: 'string' } },
    })
  } catch (err) {
    io.stderr.write(`tongban: ${(err as Error).message}\n${ADAPTER_NEW_USAGE}\n`)
    return 2
  }
  const { values, positionals } = parsed
  const options = positionals.length > 1 ? 'name one adapter' : checkOptions({ id: positionals[0], ...values })
  if (typeof options === 'string') {
    io.stderr.write(`tongban: ${options}\n${ADAPTER_NEW_USAGE}\n`)
    return 2
  }
  const { scaffold, FolderExistsError } = await import('./scaffold/index.ts')
  let written
  try {
    written = await scaffold(options, values.dir)
  } catch (err) {
    if (!(err instanceof FolderExistsError)) throw err
    io.stderr.write(`tongban: ${err.message}\n`)
    return 1
  }
  io.stdout.write([
    `wrote ${written.dir}: ${written.files.join(', ')}`,
    'next (adapters/README.md, "Writing an adapter"):',
    '  1. write the department\'s fields, codes and quirks into adapter.ts, data.ts and simulator.ts',
    ...(options.mode === 'files'
      ? [`  2. npx tap ${written.dir}/*.test.ts     (includes tongban adapter check)`, `  3. tongban adapter check ${written.dir}`]
      : [`  2. npx tap ${written.dir}/*.test.ts     (includes tongban adapter check --against-simulator)`,
          `  3. tongban adapter check ${written.dir} --against-simulator --config <a configuration with the instance and simulators.${options.id}>`]),
    `  4. configure an instance: { id: ${options.id}, ${values.dir ? `path: ${written.dir}` : `adapter: ${options.id}`}, … }`,
    '',
  ].join('\n'))
  return 0
}
