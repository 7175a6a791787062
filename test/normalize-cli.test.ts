// `tongban normalize <kind> [value]`: one JSON object per value, exit 0 / 1, stdin mode.
import t from 'tap'
import { spawn } from 'node:child_process'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { kinds, normalizeCommand } from '../src/cli/normalize.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

async function tongban (args: string[], stdin = ''): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: { PATH: process.env.PATH ?? '' } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout += String(d) })
  child.stderr.on('data', (d) => { stderr += String(d) })
  child.stdin.end(stdin)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, stdout, stderr }
}

async function run (args: string[], stdin?: string): Promise<{ code: number, lines: unknown[] }> {
  const input = new PassThrough()
  const output = new PassThrough()
  let text = ''
  output.on('data', (d) => { text += String(d) })
  input.end(stdin ?? '')
  const code = await normalizeCommand(args, input, output)
  return { code, lines: text.trim() === '' ? [] : text.trim().split('\n').map((l) => JSON.parse(l)) }
}

t.test('every kind the issue names is there', async (t) => {
  t.same(Object.keys(kinds).sort(), ['capital', 'credit-code', 'date', 'division', 'ethnicity', 'gender', 'id', 'name', 'phone'])
})

t.test('a value prints one JSON object and exits 0 or 1', async (t) => {
  t.same(await run(['id', '320412850612301']), { code: 0, lines: [{ ok: true, value: '320412198506123015', details: { birthDate: '1985-06-12', gender: 'male', divisionCode: '320412', divisionName: '武进区', divisionCurrent: true, upgradedFrom15: true } }] })
  t.match(await run(['id', '320430196203151231']), { code: 1, lines: [{ ok: false, error: { code: 'TB_ID_DIVISION', message: /320430/ } }] })
  t.match(await run(['id', '320412194912310021']), { code: 1, lines: [{ ok: false, error: { code: 'TB_ID_CHECKSUM', message: String } }] })
  t.match(await run(['credit-code', '91320412MA1MXK7Q0T']), { code: 0, lines: [{ ok: true, value: '91320412MA1MXK7Q0T' }] })
  t.match(await run(['capital', '50万美元']), { code: 0, lines: [{ ok: true, value: { amount: 500000, currency: 'USD' } }] })
  t.match(await run(['phone', '12345']), { code: 1, lines: [{ ok: false, error: { code: 'TB_PHONE_INVALID' } }] })
  t.match(await run(['ethnicity', '1']), { code: 0, lines: [{ ok: true, value: '01', details: { name: '汉族' } }] })
})

t.test('words where departments send words: gender, ethnic group and division names', async (t) => {
  t.same(await run(['gender', '男']), { code: 0, lines: [{ ok: true, value: 'male' }] })
  t.same(await run(['gender', '女性']), { code: 0, lines: [{ ok: true, value: 'female' }] })
  t.same(await run(['ethnicity', '汉族']), { code: 0, lines: [{ ok: true, value: '01', details: { name: '汉族' } }] })
  t.same(await run(['ethnicity', '汉']), { code: 0, lines: [{ ok: true, value: '01', details: { name: '汉族' } }] })
  t.match(await run(['division', '武进区湟里镇']), { code: 0, lines: [{ ok: true, value: '320412120000', details: { town: '湟里镇' } }] })
  t.match(await run(['division', '朝阳区']), { code: 1, lines: [{ ok: false, error: { code: 'TB_DIVISION_INVALID', message: /ambiguous.*110105000000.*220104000000/ } }] })
})

t.test('without a value it reads lines from standard input', async (t) => {
  const { code, lines } = await run(['date'], '2020年09月29日\n20200929\n2020/9/29\n2021-02-29\n')
  t.equal(code, 1, 'one line failed')
  t.match(lines, [{ ok: true, value: '2020-09-29' }, { ok: true, value: '2020-09-29' }, { ok: true, value: '2020-09-29' }, { ok: false, error: { code: 'TB_DATE_INVALID' } }])
  t.equal((await run(['gender'], '1\n2\n')).code, 0)
})

t.test('the real command: exit codes and usage', async (t) => {
  const ok = await tongban(['normalize', 'id', '32041219491231007x'])
  t.equal(ok.code, 0)
  t.match(JSON.parse(ok.stdout), { ok: true, value: '32041219491231007X' })
  const wujin = await tongban(['normalize', 'id', '320421196203151235']) // issued under 武进县 (1983-1995)
  t.equal(wujin.code, 0, wujin.stderr)
  t.match(JSON.parse(wujin.stdout), {
    ok: true,
    details: { divisionName: '武进县', divisionCurrent: false, divisionHistory: [{ name: '武进县', from: 1983, until: 1995, now: [{ code: '320411' }, { code: '320412', name: '武进区' }] }] },
  })
  for (const [kind, value] of [['gender', '男'], ['ethnicity', '汉族'], ['division', '武进区湟里镇']] as const) {
    const named = await tongban(['normalize', kind, value])
    t.equal(named.code, 0, `tongban normalize ${kind} ${value}: ${named.stdout}`)
  }
  const piped = await tongban(['normalize', 'phone'], '138 0013 8000\n0519-86781234\n')
  t.equal(piped.code, 0)
  t.same(piped.stdout.trim().split('\n').map((l) => JSON.parse(l).value), ['13800138000', '0519-86781234'])
  const unknown = await tongban(['normalize', 'colour', 'red'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /unknown kind "colour"[\s\S]*Kinds: id, credit-code/)
})
