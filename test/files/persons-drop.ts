// A file-drop adapter for the tests and the bench: a county population office that drops a nightly
// GB18030 CSV of residents (CRLF line ends, quoted remarks holding line breaks, commas and quotes)
// with a `.ok` manifest beside it: `file|rows|SM3 of the file`.
import { z } from 'zod'
import { defineAdapter, delimitedManifest, timeFormat } from '../../src/adapter-sdk/index.ts'
import { address, date, divisionCode, ethnicityCode, genderCode, personName, phone, residentId } from '../../src/normalize/index.ts'

export const personsDrop = defineAdapter({
  id: 'persons-drop',
  department: { name: '测试 人口文件交换', level: 'county' },
  produces: 'person',
  auth: { type: 'sftp-key' },
  files: {
    match: /^RK_\d{8}\.csv$/,
    charset: 'gb18030',
    manifest: { name: '{file}.ok', parse: delimitedManifest({ separator: '|', rows: 1, digest: { at: 2, algorithm: 'sm3' } }) },
    read: { format: 'csv', columns: true, sourceId: '{file}#{line}', observedAt: { field: 'BGSJ', time: timeFormat('YYYYMMDDHHmmss') } },
    everyMs: 60_000,
  },
  fields: {
    GMSFHM: ['idNumber', residentId],
    XM: ['name', personName],
    XB: ['gender', genderCode],
    MZ: ['ethnicityCode', ethnicityCode],
    CSRQ: ['birthDate', date],
    XZJDDM: ['divisionCode', divisionCode],
    DZ: ['address', address],
    LXDH: ['phone', phone],
  },
  instance: z.looseObject({ files: z.looseObject({}, { error: 'adapter persons-drop takes files: give files.dir or files.sftp' }) }),
})
