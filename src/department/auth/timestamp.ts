// Timestamps as departments write them. Beijing has been UTC+8 without daylight saving since
// 1991, so a fixed offset is exact and needs no time-zone database.
import type { TimestampFormat } from '../../adapter-sdk/index.ts'

const BEIJING_OFFSET_MS = 8 * 3600_000

export function formatTimestamp (at: Date, format: TimestampFormat): string {
  switch (format) {
    case 'unix-ms': return String(at.getTime())
    case 'unix-s': return String(Math.floor(at.getTime() / 1000))
    case 'yyyyMMddHHmmss': return new Date(at.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace(/\D/g, '')
  }
}
