// The adapter SDK's test kit: what an integrator needs to write a department simulator and its
// tests. Nothing here is used by the platform at run time, and nothing here depends on the
// platform's normalisers (a simulator plays the department, which computes its own data).
export * from './random.ts'
export * from './check-characters.ts'
export * from './department-app.ts'
export * from './geography.ts'
export * from './people.ts'
export * from './sim-routes.ts'
export * from './sim-server.ts'
export * from './faults.ts'
export * from './token-endpoint.ts'
export * from './webhook-sender.ts'
export * from './header-hmac-signer.ts'
export * from './changing-registry.ts'
export * from './beijing-time.ts'
export * from './sftp-server.ts'
// Departments encrypt fields with SM4; a simulator does the same with the platform's own code.
export { encryptSm4Field, decryptSm4Field } from '../../crypto/sm4.ts'
