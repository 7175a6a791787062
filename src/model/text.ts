import { z } from 'zod'

// Text that people type into a filter, a name or a note. PostgreSQL refuses NUL in text (a request
// carrying one failed with a 500), and no other C0 control character belongs in such a field;
// a note may span lines, so it keeps tab, line feed and carriage return.

/** One line of text: no C0 control character and no DEL. */
export const line = (): z.ZodString => z.string().regex(/^[^\u0000-\u001f\u007f]*$/, 'control characters are not allowed')

/** Several lines of text: tab and line breaks allowed, other control characters not. */
export const lines = (): z.ZodString => z.string().regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, 'control characters other than tab and line breaks are not allowed')
