// The departments pages' messages (merged into the catalogue by ../i18n.ts); keys start with 'departments.'.
export const zh = {
} as const

export const en: Record<keyof typeof zh, string> = {
}
