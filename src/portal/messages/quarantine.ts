// The quarantine pages' messages (merged into the catalogue by ../i18n.ts); keys start with 'quarantine.'.
export const zh = {
} as const

export const en: Record<keyof typeof zh, string> = {
}
