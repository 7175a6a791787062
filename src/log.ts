// Structured pino JSON. Resident ID numbers and mobile numbers are masked in every line,
// wherever they appear (messages, fields, errors), before the line is written.
import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino'

const ID_18 = /(?<![\dA-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![\dA-Za-z])/g
const ID_15 = /(?<![\dA-Za-z])(\d{6})\d{6}(\d{3})(?![\dA-Za-z])/g
const MOBILE = /(?<![\dA-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![\dA-Za-z])/g
const LANDLINE = /(?<![\dA-Za-z])(0\d{2,3}-)\d{3,4}(\d{4})(?![\dA-Za-z])/g

export function maskPersonalData (line: string): string {
  return line
    .replace(ID_18, '$1********$2')
    .replace(ID_15, '$1******$2')
    .replace(MOBILE, '$1****$2')
    .replace(LANDLINE, '$1****$2')
}

export function createLogger (options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const opts: LoggerOptions = {
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service: 'tongban' },
    ...options,
    hooks: { streamWrite: maskPersonalData },
  }
  return destination ? pino(opts, destination) : pino(opts)
}

export type { Logger }
