// The audit log: who read or changed whose data, why, when, with what outcome; append-only and
// chained by SM3, one chain per county, pinned by signed roots (see README, "Audit log").
export { AUDIT_ACTIONS, AUDIT_OUTCOMES, chainOf, maskSubject, type AuditAction, type AuditEntry, type AuditOutcome } from './entry.ts'
export { appendAudit, AuditWriter, listAudit, type AuditFilter, type AuditRow } from './store.ts'
export { parseAnchor, parseAnchors, verifyAudit, type AuditAnchor, type AuditVerification, type ChainVerification } from './verify.ts'
export { AUDIT_ROOT_EVERY_MS, auditRootRound, writeAuditRoot, type ChainHead } from './roots.ts'
export { AUDIT_RETENTION_MONTHS, detachAuditMonth, exportAuditMonth, type AuditDetach, type AuditExport } from './archive.ts'
