// DEMO ONLY — these keys are public in the repository. The simulated health-commission SFTP
// server's host key and the demo town's user key pair, fixed so the demo configuration and the
// conformance kit know the host key's fingerprint and the private key before the server starts.
// Production: the department gives the host key's fingerprint and the town's key lives in the vault.

/** DEMO host key of the simulated SFTP server. */
export const DEMO_HOST_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz
c2gtZWQyNTUxOQAAACAOqJytztLZSmFXYXrQZdqQ4NiaLIuyzNEM1InfPnxqdwAA
AIiTySmUk8kplAAAAAtzc2gtZWQyNTUxOQAAACAOqJytztLZSmFXYXrQZdqQ4Nia
LIuyzNEM1InfPnxqdwAAAEDGkXTcDP8fnPh53nSJSSGLUAYZMv1vIrWjCsAtnVh+
TA6onK3O0tlKYVdhetBl2pDg2Josi7LM0QzUid8+fGp3AAAAAAECAwQF
-----END OPENSSH PRIVATE KEY-----
`

/** DEMO user key pair of 湟里镇 (and any town of the demo). */
export const DEMO_USER_KEY = {
  privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz
c2gtZWQyNTUxOQAAACBcwBLNTcgJJUsnh5auyaW5GdpnFcg+yqdIPjfIAqjxZwAA
AIhwNa3JcDWtyQAAAAtzc2gtZWQyNTUxOQAAACBcwBLNTcgJJUsnh5auyaW5Gdpn
Fcg+yqdIPjfIAqjxZwAAAEC6BRLaDSPXOl0zwn9nO17gvWf+k94JpKWkKBu+Q0Q6
HVzAEs1NyAklSyeHlq7JpbkZ2mcVyD7Kp0g+N8gCqPFnAAAAAAECAwQF
-----END OPENSSH PRIVATE KEY-----
`,
  publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFzAEs1NyAklSyeHlq7JpbkZ2mcVyD7Kp0g+N8gCqPFn',
}

/** The DEMO host key's fingerprint, as an instance configures `files.sftp.hostKey` (a test keeps it in step with the key). */
export const DEMO_HOST_KEY_FINGERPRINT = 'SHA256:fRs1rjmnJ4+UgjjrQyCl5DUqiTHRum61K57BPTvwMJU'
