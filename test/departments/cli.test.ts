// `tongban staff add … --department` and `tongban token create … --department` on PostgreSQL: a
// liaison and a department token with their department, checked against the configuration file.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import t from 'tap'
import { freshPostgresUrl, tempDir } from '../helpers.ts'
import { staffCommand } from '../../src/cli/staff.ts'
import { openPostgres } from '../../src/store/db.ts'
import { findStaff } from '../../src/auth/staff.ts'
import { listTokens } from '../../src/auth/tokens.ts'
import { TOWN, PASSWORD } from './kit.ts'

t.test('staff and tokens with a department from the command line', async (t) => {
  const dir = await tempDir(t)
  const config = join(dir, 'tongban.yaml')
  await writeFile(config, `towns: [{ code: "${TOWN}", name: 湟里镇 }]
adapters: []
whistles:
  departments:
    - { code: wj-urban, name: 武进区城市管理局, county: "320412", webhook: { scheme: v1 } }
`)
  const url = await freshPostgresUrl(t)
  const saved = { ...process.env }
  t.teardown(() => { process.env = saved })
  Object.assign(process.env, { DATABASE_URL: url, TONGBAN_CONFIG: config, TONGBAN_DATA_DIR: join(dir, 'data') })
  const run = async (command: 'staff' | 'token', args: string[]): Promise<{ code: number, out: string, err: string }> => {
    const stdin = new PassThrough()
    stdin.end(`${PASSWORD}\n`)
    let out = ''
    let err = ''
    const stdout = new PassThrough().on('data', (c: Buffer) => { out += c.toString() })
    const stderr = new PassThrough().on('data', (c: Buffer) => { err += c.toString() })
    try {
      return { code: await staffCommand(command, args, { stdin, stdout, stderr }), out, err }
    } catch (e) {
      return { code: -1, out, err: `${(e as { code?: string }).code ?? ''} ${(e as Error).message}` }
    }
  }

  const added = await run('staff', ['add', 'zhao', '--name', '赵磊', '--town', TOWN, '--role', 'department-liaison', '--department', 'wj-urban'])
  t.equal(added.code, 0, added.err)
  t.match(added.out, /department wj-urban/)
  const refused = await run('staff', ['add', 'qian', '--town', TOWN, '--role', 'department-liaison', '--department', 'wj-nope'])
  t.match(refused.err, /TB_LIAISON_DEPARTMENT_UNKNOWN/)
  const noRole = await run('staff', ['add', 'sun', '--town', TOWN, '--role', 'window-staff', '--department', 'wj-urban'])
  t.match(noRole.err, /TB_LIAISON_INVALID/)
  const token = await run('token', ['create', '--name', 'urban system', '--town', TOWN, '--role', 'department-liaison', '--department', 'wj-urban'])
  t.equal(token.code, 0, token.err)
  t.match(token.err, /department wj-urban/)
  t.match(token.out, /^tbt_/)

  const db = await openPostgres(url)
  t.teardown(async () => { await db.close() })
  t.equal((await findStaff(db, 'zhao'))?.department, 'wj-urban')
  t.notOk(await findStaff(db, 'qian'))
  t.match(await listTokens(db), [{ name: 'urban system', department: 'wj-urban' }])
})
