// The audit log: who read or changed whose data, why, when, with what outcome; append-only and
// chained by SM3 (see README, "Audit log").
export { AUDIT_ACTIONS, AUDIT_OUTCOMES, maskSubject, type AuditAction, type AuditEntry, type AuditOutcome } from './entry.ts'
export { appendAudit, AuditWriter, listAudit, type AuditFilter, type AuditRow } from './store.ts'
export { parseAnchor, parseAnchors, verifyAudit, type AuditAnchor, type AuditVerification } from './verify.ts'
