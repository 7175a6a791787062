// data.ts of a scaffolded adapter: the department's register, generated from the test kit's shared
// geography and names.
import type { Names } from './names.ts'

/** The register's options in a simulator's options schema (demo.ts). */
export const REGISTER_OPTIONS = `  seed: z.number().int().default(1),
  /** Rows in the register. */
  rows: z.number().int().min(1).max(10_000_000).default(1000),
`
/** Where a simulator that serves HTTP listens (demo.ts); port 0: any free one. */
export const LISTEN_OPTIONS = `  port: z.coerce.number().int().min(0).max(65535).default(0),
  host: z.string().default('127.0.0.1'),
`

export function dataTs (n: Names): string {
  return `// ${n.department}: the department's register, generated. Row \`index\` of register \`seed\` is a pure
// function of both, so the simulator serves any size and the tests know every row without storing
// one. Replace the fields with those of the department's spec (and keep the generator deterministic).
import { COUNTIES, givenName, mobilePhone, pad, pick, residentIdCheckChar, seeded, SURNAMES, weighted } from '${n.sdk}/testkit/index.ts'

/** A row as the department sends it, with the spec's field names. */
export interface Row {
  /** 公民身份号码 */
  ZJHM: string
  /** 姓名 */
  XM: string
  /** 行政区划代码 (the town's 9 digits) */
  XZQHDM: string
  /** 联系电话 */
  LXDH: string
  /** 更新时间: YYYYMMDDHHmmss, Beijing time */
  GXSJ: string
}

/** Base rows were updated one a second from 2024-01-01 00:00:00 Beijing time, in index order. */
export const BASE_SECONDS = Date.UTC(2023, 11, 31, 16) / 1000
export const secondsAt = (index: number): number => BASE_SECONDS + index
/** The first index updated later than \`epochSeconds\`. */
export const firstIndexAfter = (epochSeconds: number): number => Math.max(0, Math.floor(epochSeconds) - BASE_SECONDS + 1)

/** Epoch seconds as GXSJ: YYYYMMDDHHmmss in Beijing time (UTC+8). */
export function formatTime (epochSeconds: number): string {
  return new Date((epochSeconds + 8 * 3600) * 1000).toISOString().slice(0, 19).replace(/\\D/g, '')
}

const SALT = 0x${n.salt}
/** People per birth date: with the sequence digits, every index has its own ID number. */
const PER_DAY = 500

/** Row \`index\` after \`revision\` updates (0: as first registered), the last at \`epochSeconds\`. */
export function rowAt (seed: number, index: number, revision = 0, epochSeconds = secondsAt(index)): Row {
  const r = seeded(seed, index, SALT)
  const county = pick(r, COUNTIES)
  const town = pick(r, county.towns)
  const male = r() < 0.5
  const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(index / PER_DAY) * 86_400_000)
  const first17 = county.code + birth.toISOString().slice(0, 10).replace(/-/g, '') + pad((index % PER_DAY) * 2 + (male ? 1 : 0), 3)
  const revised = seeded(seed, index * 0x10000 + revision, SALT + 1)
  return {
    ZJHM: first17 + residentIdCheckChar(first17),
    XM: weighted(r, SURNAMES) + givenName(r, male, birth.getUTCFullYear()),
    XZQHDM: town.code,
    LXDH: mobilePhone(revised),
    GXSJ: formatTime(epochSeconds),
  }
}
`
}
