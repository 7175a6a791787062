// The audit pages' messages (merged into the catalogue by ../i18n.ts); keys start with 'audit.'.
export const zh = {
} as const

export const en: Record<keyof typeof zh, string> = {
}
