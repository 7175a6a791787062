// 卫健 家庭医生签约数据 文件交换 — the provincial health commission's primary-care system shares
// family-doctor contracts with towns only as daily files on its SFTP server: `/outbox/{townCode}/`,
// `JTYSQY_{YYYYMMDD}_{seq}.csv` (GB18030, CRLF, RFC 4180 quoting) and, once all of a day's files
// are complete, `JTYSQY_{YYYYMMDD}.ok` listing each with its rows and SM3. A private key per town,
// at most 2 sessions (spec: /work/shared/departments/health-files.md).
import { z } from 'zod'
import { defineAdapter, defineFacet, delimitedManifest, facet, timeFormat, type FacetFieldMap } from '../../src/adapter-sdk/index.ts'
import { codeTable, date, listOf, personName, phone, residentId, text } from '../../src/normalize/index.ts'
import { demoSimulator } from './demo.ts'

export const ID = 'health-files'

/** `JTYSQY_20261120_001.csv`: the day and its sequence number from 001. */
export const DATA_FILE = /^JTYSQY_(\d{8})_\d{3}\.csv$/

/** The day's manifest, one for all of that day's files: `JTYSQY_20261120_001.csv` → `JTYSQY_20261120.ok`. */
export const manifestOf = (file: string): string => `${file.slice(0, 'JTYSQY_YYYYMMDD'.length)}.ok`

const dayOf = (file: string): string | undefined => DATA_FILE.exec(file)?.[1]

// ---------------------------------------------------------------------------------------------
// the family-doctor facet: health data, sensitive personal information (PIPL art. 28)

export const KEY_GROUPS = ['elderly', 'hypertension', 'diabetes', 'maternal', 'child', 'disabled', 'severe-mental-disorder'] as const

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')

export const familyDoctor = defineFacet({
  name: 'family-doctor',
  title: { zh: '家庭医生签约', en: 'Family-doctor contract' },
  of: 'person',
  sensitivity: 'sensitive',
  schema: z.object({
    state: z.enum(['signed', 'terminated', 'expired']).meta({
      label: { zh: '签约状态', en: 'State' },
      values: { signed: { zh: '已签约', en: 'Signed' }, terminated: { zh: '已解约', en: 'Terminated' }, expired: { zh: '已到期', en: 'Expired' } },
    }),
    signedOn: isoDate.meta({ label: { zh: '签约日期', en: 'Signed on' } }),
    expiresOn: isoDate.meta({ label: { zh: '到期日期', en: 'Expires on' } }),
    team: z.string().min(1).meta({ label: { zh: '签约团队', en: 'Team' } }),
    clinic: z.string().min(1).meta({ label: { zh: '签约机构', en: 'Clinic' } }),
    /** Empty for a resident in none of the key groups (重点人群 left empty). */
    keyGroups: z.array(z.enum(KEY_GROUPS)).default([]).meta({
      label: { zh: '重点人群', en: 'Key groups' },
      values: {
        elderly: { zh: '老年人', en: 'Elderly' },
        hypertension: { zh: '高血压', en: 'Hypertension' },
        diabetes: { zh: '糖尿病', en: 'Diabetes' },
        maternal: { zh: '孕产妇', en: 'Pregnant or postpartum' },
        child: { zh: '儿童', en: 'Child' },
        disabled: { zh: '残疾人', en: 'Disabled' },
        'severe-mental-disorder': { zh: '严重精神障碍', en: 'Severe mental disorder' },
      },
    }),
  }),
  // a resident holds one contract at a time: a later row replaces it
  entryKey: [],
})

const keyGroup = codeTable('重点人群', {
  老年人: 'elderly', 高血压: 'hypertension', 糖尿病: 'diabetes', 孕产妇: 'maternal', 儿童: 'child', 残疾人: 'disabled', 严重精神障碍: 'severe-mental-disorder',
})

const facetFields = {
  签约状态: ['state', codeTable('签约状态', { 已签约: 'signed', 已解约: 'terminated', 已到期: 'expired' })],
  签约日期: ['signedOn', date], // 2026/1/5 or 2026-01-05
  到期日期: ['expiresOn', date],
  签约团队: ['team', text], // may hold line breaks inside quotes: collapsed to one space
  签约机构: ['clinic', text],
  重点人群: ['keyGroups', listOf('、', keyGroup)], // 老年人、高血压; empty: none
} as const satisfies FacetFieldMap<typeof familyDoctor.schema>

export default defineAdapter({
  id: ID,
  department: { name: '卫健 家庭医生签约数据', level: 'provincial' },
  produces: 'person',
  auth: { type: 'sftp-key' },
  files: {
    match: DATA_FILE,
    charset: 'gb18030',
    manifest: { name: manifestOf, parse: delimitedManifest({ separator: ',', file: 0, rows: 1, digest: { at: 2, algorithm: 'sm3' } }) },
    read: { format: 'csv', columns: true, sourceId: '{file}#{line}', observedAt: { field: '更新时间', time: timeFormat('YYYY-MM-DD HH:mm:ss') } },
    // a correction comes as a new file on a later day, never under the same name
    corrects: (file, setAside) => (dayOf(file) ?? '') > (dayOf(setAside) ?? '\uffff'),
    // the day's files appear after 02:00; an hourly look finds them the same night
    everyMs: 3_600_000,
  },
  // a contribution to the person, not the authority for any field
  fields: {
    身份证号: ['idNumber', residentId],
    姓名: ['name', personName],
    联系电话: ['phone', phone],
  },
  facet: facet(familyDoctor, facetFields),
  instance: z.looseObject({
    files: z.looseObject({ sftp: z.looseObject({}) }, { error: `adapter ${ID} fetches files from the department's SFTP server: give files.sftp { host, port, path: /outbox/<town code>, hostKey, sessions: 2 }` }),
    credentials: z.unknown().refine((c) => c !== undefined, `adapter ${ID} signs in with a private key (sftp-key): give credentials with username and privateKey (vault in production)`),
  }),
  simulator: demoSimulator,
})
