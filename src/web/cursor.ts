import { TongbanError } from '../errors.ts'

// Opaque page cursors: clients pass back what they were given and nothing else.
export function encodeCursor (value: string | number): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

export function decodeCursor<T extends 'string' | 'number'> (cursor: string | undefined, type: T): (T extends 'string' ? string : number) | undefined {
  if (cursor === undefined || cursor === '') return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    // Cursors go back into SQL: text cannot hold control characters, ids are safe integers.
    const usable = typeof value === 'string' ? !/[\u0000-\u001f\u007f]/.test(value) : Number.isSafeInteger(value)
    if (typeof value === type && usable) return value as T extends 'string' ? string : number
  } catch {}
  throw new TongbanError('TB_CURSOR_INVALID')
}
