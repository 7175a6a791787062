// How configuration writes a span of time, for the platform's options and those an adapter
// declares alike.
import { z } from 'zod'

const DURATION = /^(\d+)(ms|s|m|h)$/
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const

/** A duration as milliseconds or text: `500ms`, `30s`, `5m`, `1h`. */
export const Duration = z.union([
  z.number().int().positive(),
  z.string().regex(DURATION, 'a duration such as 500ms, 30s, 5m or 1h').transform((s) => {
    const [, n, unit] = DURATION.exec(s)!
    return Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS]
  }),
])
