// `tongban calendar check` as an operator runs it: the real CLI in a child process.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers.ts'

t.setTimeout(300_000)

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

async function tongban (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout += String(d) })
  child.stderr.on('data', (d) => { stderr += String(d) })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, stdout, stderr }
}

t.test('a covered year: each year with its notice, exit 0', async (t) => {
  const { code, stdout, stderr } = await tongban(['calendar', 'check', '--year', '2026'])
  t.equal(code, 0, stderr)
  t.match(stdout, /^working-day calendar [0-9a-f]{16} \(configuration .*config\/demo\.yaml\)$/m)
  t.match(stdout, /^2025 {2}国务院办公厅关于2025年部分节假日安排的通知 \(国办发明电〔2024〕12号, published 2024-11-12\)\n {6}28 days off, 5 make-up working days\n {6}from src\/calendar\/data\/2025\.json$/m)
  t.match(stdout, /^2026 {2}国务院办公厅关于2026年部分节假日安排的通知 \(国办发明电〔2025〕7号, published 2025-11-04\)\n {6}33 days off, 6 make-up working days$/m)
  t.match(stdout, /^ok: 2026 covered$/m)
})

t.test('a missing year: exit 1 and what to do', async (t) => {
  const { code, stdout, stderr } = await tongban(['calendar', 'check', '--year', '2030'])
  t.equal(code, 1)
  t.match(stdout, /国办发明电〔2025〕7号/, 'the coverage is still printed')
  t.match(stdout, /^2027 {2}DEMO DATA, not a State Council notice/m, 'the demo configuration\'s stand-in 2027 shows as what it is')
  t.equal(stderr, 'tongban: TB_CALENDAR_NOT_COVERED: The working-day calendar does not cover 2030 (it knows 2025, 2026, 2027); add the State Council\'s holiday notice for 2030 as a calendar file under the configuration key calendar.files (see src/calendar/data/README.md)\n')
})

t.test('calendar.files of the configuration, relative to it; a bad one stops the check', async (t) => {
  const dir = await tempDir(t)
  await mkdir(join(dir, 'calendar'))
  await writeFile(join(dir, 'calendar', '2030.json'), JSON.stringify({ year: 2030, source: { title: '测试用的2030年安排' }, holidays: [{ date: '2030-01-01', name: '元旦' }] }))
  const config = (files: string[]): string => `towns: [{ code: "320412120000", name: 武进区湟里镇 }]\nadapters: []\ncalendar:\n  files: [${files.join(', ')}]\n`
  await writeFile(join(dir, 'town.yaml'), config(['calendar/2030.json']))
  const ok = await tongban(['calendar', 'check', '--year', '2030', '--config', join(dir, 'town.yaml')])
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stdout, /^2030 {2}测试用的2030年安排\n {6}1 day off, 0 make-up working days\n {6}from .*calendar\/2030\.json$/m)
  await writeFile(join(dir, 'calendar', 'bad.json'), JSON.stringify({ year: 2026, kind: 'local', source: { title: 'x' }, holidays: [{ date: '2027-01-01', name: 'x' }] }))
  await writeFile(join(dir, 'bad.yaml'), config(['calendar/bad.json']))
  const bad = await tongban(['calendar', 'check', '--config', join(dir, 'bad.yaml')])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /^tongban: TB_CALENDAR_FILE_INVALID: Calendar file .*calendar\/bad\.json is invalid: holidays\[0\]\.date: 2027-01-01 is not in 2026$/m)
})

t.test('usage', async (t) => {
  const { code, stderr } = await tongban(['calendar', 'verify'])
  t.equal(code, 2)
  t.match(stderr, /Usage: tongban calendar check/)
})
