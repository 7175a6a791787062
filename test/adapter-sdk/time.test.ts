// Department time formats: a pattern and a fixed-offset zone, parsed strictly, formatted back.
import t from 'tap'
import { BEIJING, timeFormat } from '../../src/adapter-sdk/time.ts'

t.test('YYYYMMDDHHmmss in Beijing time', async (t) => {
  const gxsj = timeFormat('YYYYMMDDHHmmss', BEIJING)
  t.equal(gxsj.parse('20261120093105')?.toISOString(), '2026-11-20T01:31:05.000Z')
  t.equal(gxsj.format(new Date('2026-11-20T01:31:05.000Z')), '20261120093105')
  t.equal(gxsj.format(new Date(0)), '19700101080000', 'the epoch, as a Beijing department writes it')
  t.equal(gxsj.parse('20261231235959')?.toISOString(), '2026-12-31T15:59:59.000Z', 'the Beijing date may be a UTC day ahead')
  for (const bad of ['20261131093105', '20261120243105', '20261120096005', '2026112009310', ' 20261120093105', '2026-11-20 09:31:05', '09991120093105', '']) {
    t.equal(gxsj.parse(bad), undefined, `${JSON.stringify(bad)} is refused`)
  }
  t.equal(gxsj.parse('20240229000000')?.toISOString(), '2024-02-28T16:00:00.000Z', 'a leap day')
  t.equal(gxsj.parse('20250229000000'), undefined, 'no leap day in 2025')
})

t.test('other patterns and zones', async (t) => {
  const occur = timeFormat('YYYY-MM-DD HH:mm:ss')
  t.equal(occur.timeZone, '+08:00', 'Beijing time unless told otherwise')
  t.equal(occur.parse('2026-11-20 09:31:05')?.toISOString(), '2026-11-20T01:31:05.000Z')
  t.equal(occur.parse('2026/11/20 09:31:05'), undefined, 'literal characters must match')
  const utc = timeFormat('YYYY-MM-DDTHH:mm:ss.SSS', 'Z')
  t.equal(utc.parse('2026-11-20T01:31:05.250')?.toISOString(), '2026-11-20T01:31:05.250Z')
  t.equal(utc.format(new Date('2026-11-20T01:31:05.250Z')), '2026-11-20T01:31:05.250')
  const day = timeFormat('YYYY年MM月DD日', '+08:00')
  t.equal(day.parse('2026年11月20日')?.toISOString(), '2026-11-19T16:00:00.000Z', 'a date alone is its Beijing midnight')
  const west = timeFormat('YYYYMMDDHHmm', '-05:30')
  const at = west.parse('202611200931')!
  t.equal(at.toISOString(), '2026-11-20T15:01:00.000Z')
  t.equal(west.format(at), '202611200931')
  t.throws(() => timeFormat('YYYYMMDD', 'Asia/Shanghai'), { message: /give a fixed offset such as \+08:00/ })
  t.throws(() => timeFormat('HH:mm:ss'), { message: /has no YYYY/ })
})
